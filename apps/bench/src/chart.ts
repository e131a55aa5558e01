import { CELLS, CELL_NAMES, type CellName } from './cells';
import { PASSES, PASS_LABELS } from './flops';
import { formatSignificant } from './format';
import type { BenchResults } from './results';

/** Bar colours per cell (colour-blind-safe pair from the Okabe–Ito palette). */
const COLORS: Readonly<Record<CellName, string>> = { gru: '#0072B2', lstm: '#E69F00' };

const WIDTH = 960;
const LABEL_WIDTH = 170;
const PANEL_GAP = 40;
const BAR_HEIGHT = 14;
const BAR_GAP = 3;
const GROUP_GAP = 14;
const TOP = 92;
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

/** Escapes text for SVG character data and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

/**
 * A self-contained SVG chart of the speed results: one row per workload and backend, one panel per
 * pass (forward, forward+backward), a bar per cell at its median time with a whisker from min to max
 * and the median in ms as a label.
 *
 * @remarks Times differ by orders of magnitude between workloads, so every row has its own scale (the
 * longest whisker of the row spans the panel): read the bars of a row against each other, and the
 * printed milliseconds across rows.
 */
export function renderChart(results: Pick<BenchResults, 'speed' | 'options' | 'machine' | 'startedAt'>): string {
  const backends = [...new Set(results.speed.map((r) => r.backend))];
  const cells = CELL_NAMES.filter((c) => results.speed.some((r) => r.cell === c));
  const passes = PASSES.filter((p) => results.speed.some((r) => r.pass === p));
  const groups: { workload: string; backend: string }[] = [];
  for (const w of results.options.workloads) {
    for (const backend of backends) {
      if (results.speed.some((r) => r.workload === w.name && r.backend === backend)) groups.push({ workload: w.name, backend });
    }
  }
  const groupHeight = cells.length * (BAR_HEIGHT + BAR_GAP) - BAR_GAP;
  const height = TOP + groups.length * (groupHeight + GROUP_GAP) + 40;
  const panelWidth = (WIDTH - LABEL_WIDTH - 20 - PANEL_GAP * (passes.length - 1)) / Math.max(1, passes.length);
  const valueRoom = 70; // room right of the longest bar for its label
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT} font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(`<text x="20" y="28" font-size="18" font-weight="600" fill="#111">GRU vs LSTM: median time per run (lower is better)</text>`);
  const m = results.machine;
  const subtitle = `${m.cpuModel}, ${m.cores} cores · Node ${m.node} · ${results.startedAt.slice(0, 10)} · whiskers: min–max · each row has its own scale`;
  out.push(`<text x="20" y="48" fill="#555">${escapeXml(subtitle)}</text>`);
  // Legend.
  let lx = 20;
  for (const cell of cells) {
    out.push(`<rect x="${lx}" y="58" width="12" height="12" fill="${COLORS[cell]}"/>`);
    out.push(`<text x="${lx + 16}" y="68" fill="#111">${CELLS[cell].label}</text>`);
    lx += 70;
  }
  passes.forEach((pass, p) => {
    const x0 = LABEL_WIDTH + p * (panelWidth + PANEL_GAP);
    out.push(`<text x="${x0}" y="${TOP - 8}" font-weight="600" fill="#111">${escapeXml(PASS_LABELS[pass] === 'fwd+bwd' ? 'forward + backward' : PASS_LABELS[pass])}</text>`);
  });
  groups.forEach((group, gi) => {
    const y0 = TOP + gi * (groupHeight + GROUP_GAP);
    if (gi % 2 === 0) {
      out.push(`<rect x="10" y="${y0 - GROUP_GAP / 2}" width="${WIDTH - 20}" height="${groupHeight + GROUP_GAP}" fill="#f5f7fa"/>`);
    }
    out.push(`<text x="20" y="${y0 + groupHeight / 2 - 2}" font-weight="600" fill="#111">${escapeXml(group.workload)}</text>`);
    out.push(`<text x="20" y="${y0 + groupHeight / 2 + 12}" fill="#555">${escapeXml(group.backend)}</text>`);
    passes.forEach((pass, p) => {
      const x0 = LABEL_WIDTH + p * (panelWidth + PANEL_GAP);
      const rows = results.speed.filter((r) => r.workload === group.workload && r.backend === group.backend && r.pass === pass);
      const scaleMax = Math.max(...rows.map((r) => r.timing.maxMs), 1e-9);
      const scale = (panelWidth - valueRoom) / scaleMax;
      cells.forEach((cell, ci) => {
        const r = rows.find((x) => x.cell === cell);
        const y = y0 + ci * (BAR_HEIGHT + BAR_GAP);
        if (!r) {
          out.push(`<text x="${x0}" y="${y + BAR_HEIGHT - 3}" fill="#999">not run</text>`);
          return;
        }
        const w = Math.max(1, r.timing.medianMs * scale);
        const title = `${CELLS[cell].label} ${group.workload} ${group.backend} ${PASS_LABELS[pass]}: median ${formatSignificant(r.timing.medianMs)} ms (min ${formatSignificant(r.timing.minMs)}, max ${formatSignificant(r.timing.maxMs)}, ${r.timing.runs} runs)`;
        out.push(`<g><title>${escapeXml(title)}</title>`);
        out.push(`<rect x="${x0}" y="${y}" width="${w.toFixed(1)}" height="${BAR_HEIGHT}" fill="${COLORS[cell]}"/>`);
        const wx0 = x0 + r.timing.minMs * scale;
        const wx1 = x0 + r.timing.maxMs * scale;
        const wy = y + BAR_HEIGHT / 2;
        out.push(`<path d="M${wx0.toFixed(1)} ${wy}H${wx1.toFixed(1)}M${wx0.toFixed(1)} ${wy - 4}v8M${wx1.toFixed(1)} ${wy - 4}v8" stroke="#222" stroke-width="1"/>`);
        out.push(`<text x="${(Math.max(x0 + w, wx1) + 6).toFixed(1)}" y="${y + BAR_HEIGHT - 3}" fill="#111">${formatSignificant(r.timing.medianMs)} ms</text>`);
        out.push(`</g>`);
      });
    });
  });
  out.push(`<text x="20" y="${height - 14}" fill="#777">Generated by apps/bench (npm run bench). Figures are medians of timed runs after warm-up; see docs/benchmarks.md.</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
