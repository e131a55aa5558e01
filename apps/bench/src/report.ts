import { CELLS, CELL_NAMES } from './cells';
import { PASSES, PASS_LABELS } from './flops';
import { formatCount, formatRatio, formatSignificant, renderTable, type Column, type ColumnGroup } from './format';
import { CONVENTIONS, CONVENTION_LABELS, type ParameterRow } from './parameters';
import type { BenchResults, SpeedResult } from './results';
import { describeWorkload } from './workloads';

/** The parameter-count table: one row per configuration, GRU, LSTM and GRU/LSTM under each convention. */
export function parameterTableText(rows: readonly ParameterRow[]): string {
  const columns: Column[] = [
    { header: 'input', align: 'right' },
    { header: 'hidden', align: 'right' },
    { header: 'layers', align: 'right' },
    { header: 'dirs', align: 'right' },
  ];
  const groups: ColumnGroup[] = [{ title: '', span: 4 }];
  for (const convention of CONVENTIONS) {
    columns.push({ header: 'GRU' }, { header: 'LSTM' }, { header: 'ratio' });
    groups.push({ title: CONVENTION_LABELS[convention], span: 3 });
  }
  const body = rows.map((row) => {
    const { config } = row;
    const cells = [String(config.inputSize), String(config.hiddenSize), String(config.numLayers), config.bidirectional ? '2' : '1'];
    for (const convention of CONVENTIONS) {
      const c = row.counts[convention];
      cells.push(formatCount(c.gru), formatCount(c.lstm), c.ratio.toFixed(3));
    }
    return cells;
  });
  return renderTable({ columns, groups, rows: body });
}

/**
 * The speed table: per workload, backend and pass, one row per cell with median, min–max, runs,
 * steps/s, GFLOP/s, the cold run's extra time, and each cell's time relative to the first cell (GRU).
 */
export function speedTableText(results: Pick<BenchResults, 'speed' | 'options'>): string {
  const columns: Column[] = [
    { header: 'workload', align: 'left' },
    { header: 'backend', align: 'left' },
    { header: 'pass', align: 'left' },
    { header: 'cell', align: 'left' },
    { header: 'median ms' },
    { header: 'min–max ms' },
    { header: 'runs' },
    { header: 'steps/s' },
    { header: 'GFLOP/s' },
    { header: 'compile ms' },
    { header: 'vs GRU' },
  ];
  const rows: string[][] = [];
  const byKey = new Map(results.speed.map((r) => [`${r.workload}/${r.backend}/${r.pass}/${r.cell}`, r]));
  const backends = [...new Set(results.speed.map((r) => r.backend))];
  for (const workload of results.options.workloads) {
    let firstOfWorkload = true;
    for (const backend of backends) {
      for (const pass of PASSES) {
        let firstOfGroup = true;
        const baseline = byKey.get(`${workload.name}/${backend}/${pass}/gru`);
        for (const cell of CELL_NAMES) {
          const r = byKey.get(`${workload.name}/${backend}/${pass}/${cell}`);
          if (!r) continue;
          rows.push([
            firstOfWorkload ? workload.name : '',
            firstOfGroup ? backend : '',
            firstOfGroup ? PASS_LABELS[pass] : '',
            CELLS[cell].label,
            formatSignificant(r.timing.medianMs),
            `${formatSignificant(r.timing.minMs)}–${formatSignificant(r.timing.maxMs)}`,
            String(r.timing.runs),
            formatCount(r.stepsPerSecond),
            formatSignificant(r.gflops),
            formatSignificant(r.compileMs),
            baseline && cell !== 'gru' ? formatRatio(r.timing.medianMs / baseline.timing.medianMs) : '',
          ]);
          firstOfWorkload = false;
          firstOfGroup = false;
        }
      }
    }
  }
  return renderTable({ columns, rows });
}

/** One line per workload: its name and shape, as a legend under the speed table. */
export function workloadLegend(results: Pick<BenchResults, 'options'>): string {
  return results.options.workloads.map((w) => `  ${w.name.padEnd(8)} ${describeWorkload(w)}`).join('\n');
}

/** The `speed` entries of `results` for one workload, backend and pass, keyed by cell. */
export function speedGroup(results: Pick<BenchResults, 'speed'>, workload: string, backend: string, pass: SpeedResult['pass']): SpeedResult[] {
  return results.speed.filter((r) => r.workload === workload && r.backend === backend && r.pass === pass);
}
