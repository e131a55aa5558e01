import { CELLS } from './cells';
import { PASS_LABELS } from './flops';
import { formatChange, formatSignificant, renderTable } from './format';
import { CONVENTIONS } from './parameters';
import { speedKey, type BenchResults, type SpeedResult } from './results';

/** The verdict on one figure. */
export type ChangeStatus = 'regression' | 'improvement' | 'unchanged' | 'new' | 'missing';

/** The change of one speed figure between a base run and the current one. */
export interface SpeedChange {
  /** `workload/backend/cell/pass`. */
  readonly key: string;
  readonly base: SpeedResult | null;
  readonly current: SpeedResult | null;
  /** `current.median / base.median − 1` (positive = slower), NaN when one side is missing. */
  readonly change: number;
  readonly status: ChangeStatus;
}

/** A parameter count that differs between the runs: always a failure (counts are exact). */
export interface ParameterChange {
  readonly config: string;
  readonly convention: string;
  readonly cell: 'gru' | 'lstm';
  readonly base: number;
  readonly current: number;
}

/** Everything {@link compareResults} found. */
export interface Comparison {
  /** The threshold used, as a fraction (0.1 = 10 %). */
  readonly threshold: number;
  readonly speed: readonly SpeedChange[];
  readonly parameters: readonly ParameterChange[];
  /** True when a median got slower by more than the threshold or a parameter count changed. */
  readonly failed: boolean;
}

/**
 * Compares two runs figure by figure. A figure regresses when its median time grew by more than
 * `threshold` (a fraction: 0.1 = 10 %) and improves when it shrank by more than that; figures present
 * on one side only are `new` or `missing` and never fail the comparison (a run may cover less).
 */
export function compareResults(base: BenchResults, current: BenchResults, threshold: number): Comparison {
  const baseByKey = new Map(base.speed.map((r) => [speedKey(r), r]));
  const currentByKey = new Map(current.speed.map((r) => [speedKey(r), r]));
  const keys = [...new Set([...currentByKey.keys(), ...baseByKey.keys()])];
  const speed = keys.map((key): SpeedChange => {
    const b = baseByKey.get(key) ?? null;
    const c = currentByKey.get(key) ?? null;
    if (b === null) return { key, base: null, current: c, change: Number.NaN, status: 'new' };
    if (c === null) return { key, base: b, current: null, change: Number.NaN, status: 'missing' };
    const change = c.timing.medianMs / b.timing.medianMs - 1;
    const status: ChangeStatus = change > threshold ? 'regression' : change < -threshold ? 'improvement' : 'unchanged';
    return { key, base: b, current: c, change, status };
  });
  const parameters: ParameterChange[] = [];
  const configKey = (c: BenchResults['parameters'][number]['config']) =>
    `I${c.inputSize} H${c.hiddenSize} L${c.numLayers}${c.bidirectional ? ' bi' : ''}${c.bias === false ? ' no-bias' : ''}`;
  const baseParams = new Map(base.parameters.map((row) => [configKey(row.config), row]));
  for (const row of current.parameters) {
    const b = baseParams.get(configKey(row.config));
    if (!b) continue;
    for (const convention of CONVENTIONS) {
      for (const cell of ['gru', 'lstm'] as const) {
        const before = b.counts[convention]?.[cell];
        const after = row.counts[convention][cell];
        if (before !== undefined && before !== after) {
          parameters.push({ config: configKey(row.config), convention, cell, base: before, current: after });
        }
      }
    }
  }
  const failed = speed.some((s) => s.status === 'regression') || parameters.length > 0;
  return { threshold, speed, parameters, failed };
}

/** The comparison as text: a table of every figure, the parameter changes, and a one-line verdict. */
export function comparisonText(comparison: Comparison): string {
  const marks: Record<ChangeStatus, string> = {
    regression: 'SLOWER ✗',
    improvement: 'faster ✓',
    unchanged: '',
    new: 'new',
    missing: 'missing',
  };
  const rows = comparison.speed.map((s) => {
    const r = (s.current ?? s.base) as SpeedResult;
    return [
      r.workload,
      r.backend,
      PASS_LABELS[r.pass],
      CELLS[r.cell].label,
      s.base ? formatSignificant(s.base.timing.medianMs) : '–',
      s.current ? formatSignificant(s.current.timing.medianMs) : '–',
      formatChange(s.change),
      marks[s.status],
    ];
  });
  const lines = [
    renderTable({
      columns: [
        { header: 'workload', align: 'left' },
        { header: 'backend', align: 'left' },
        { header: 'pass', align: 'left' },
        { header: 'cell', align: 'left' },
        { header: 'base ms' },
        { header: 'now ms' },
        { header: 'change' },
        { header: '', align: 'left' },
      ],
      rows,
    }),
  ];
  for (const p of comparison.parameters) {
    lines.push(`parameter count changed: ${CELLS[p.cell].label} ${p.config} (${p.convention}): ${p.base} → ${p.current} ✗`);
  }
  const regressions = comparison.speed.filter((s) => s.status === 'regression').length;
  const pct = `${(comparison.threshold * 100).toFixed(0)}%`;
  lines.push(
    comparison.failed
      ? `FAIL: ${regressions} figure(s) slower than the base by more than ${pct}${comparison.parameters.length ? `, ${comparison.parameters.length} parameter count(s) changed` : ''}.`
      : `OK: no figure slower than the base by more than ${pct}.`,
  );
  return lines.join('\n');
}
