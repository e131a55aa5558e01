/** Text alignment of a table column. */
export type Align = 'left' | 'right';

/** A column of a {@link renderTable} table. */
export interface Column {
  readonly header: string;
  /** @defaultValue 'right' */
  readonly align?: Align;
}

/** A heading over several adjacent columns. */
export interface ColumnGroup {
  readonly title: string;
  /** How many columns it spans. */
  readonly span: number;
}

/** A plain-text table. */
export interface Table {
  readonly columns: readonly Column[];
  /** Optional headings over the columns; their spans must add up to the column count. */
  readonly groups?: readonly ColumnGroup[];
  readonly rows: readonly (readonly string[])[];
}

const GAP = '  ';

function pad(text: string, width: number, align: Align): string {
  const fill = ' '.repeat(Math.max(0, width - [...text].length));
  return align === 'left' ? text + fill : fill + text;
}

/**
 * Renders `table` as aligned plain text: group headings, column headings, a rule, then the rows.
 * Columns are separated by two spaces; trailing spaces are trimmed. The output ends without a newline.
 *
 * @throws when a row or the group spans do not match the column count.
 */
export function renderTable(table: Table): string {
  const n = table.columns.length;
  for (const row of table.rows) {
    if (row.length !== n) throw new Error(`renderTable: row has ${row.length} cells, expected ${n}`);
  }
  const widths = table.columns.map((c, i) => Math.max([...c.header].length, ...table.rows.map((r) => [...r[i]].length)));
  const lines: string[] = [];
  if (table.groups) {
    const total = table.groups.reduce((s, g) => s + g.span, 0);
    if (total !== n) throw new Error(`renderTable: groups span ${total} columns, expected ${n}`);
    // Widen the last column of a group whose title is longer than the columns under it.
    let start = 0;
    for (const g of table.groups) {
      const spanWidth = () => widths.slice(start, start + g.span).reduce((s, w) => s + w, 0) + GAP.length * (g.span - 1);
      const short = [...g.title].length - spanWidth();
      if (short > 0) widths[start + g.span - 1] += short;
      start += g.span;
    }
    start = 0;
    const cells: string[] = [];
    for (const g of table.groups) {
      const width = widths.slice(start, start + g.span).reduce((s, w) => s + w, 0) + GAP.length * (g.span - 1);
      cells.push(pad(g.title, width, g.span === 1 ? (table.columns[start].align ?? 'right') : 'left'));
      start += g.span;
    }
    lines.push(cells.join(GAP));
  }
  const line = (cells: readonly string[]) => cells.map((c, i) => pad(c, widths[i], table.columns[i].align ?? 'right')).join(GAP).trimEnd();
  lines.push(line(table.columns.map((c) => c.header)));
  lines.push(widths.map((w) => '─'.repeat(w)).join(GAP));
  for (const row of table.rows) lines.push(line(row));
  return lines.map((l) => l.trimEnd()).join('\n');
}

/** An integer with thousands separators: `1234567` → `1,234,567`. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/**
 * A positive quantity with three significant digits, without exponent: `0.0123` → `0.0123`,
 * `4.567` → `4.57`, `1234.5` → `1,235`. Non-finite values print as `–`.
 */
export function formatSignificant(x: number): string {
  if (!Number.isFinite(x)) return '–';
  const abs = Math.abs(x);
  if (abs >= 1000) return formatCount(x);
  if (abs === 0) return '0';
  const decimals = Math.max(0, 2 - Math.floor(Math.log10(abs)));
  return x.toFixed(decimals);
}

/** A ratio: `1.234` → `1.23×`. */
export function formatRatio(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(2)}×` : '–';
}

/** A relative change in percent with its sign: `0.0512` → `+5.1%`. */
export function formatChange(fraction: number): string {
  if (!Number.isFinite(fraction)) return '–';
  const pct = fraction * 100;
  return `${pct >= 0 ? '+' : '−'}${Math.abs(pct).toFixed(1)}%`;
}

/** Seconds as `12.3 s` or `2 min 05 s`. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${String(Math.round(seconds - 60 * m)).padStart(2, '0')} s`;
}
