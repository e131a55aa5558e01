import { parseArgs } from 'node:util';
import { CELL_NAMES, type CellName, selectCells } from './cells';
import { PASSES, type Pass } from './flops';
import { DEFAULT_WORKLOADS, QUICK_WORKLOADS, selectWorkloads } from './workloads';

/** The command line's meaning, with the defaults of `--quick` or a full run filled in. */
export interface BenchOptions {
  readonly quick: boolean;
  readonly workloads: readonly string[];
  /** `undefined`: every backend found (unavailable ones are reported, not run). */
  readonly backends: readonly string[] | undefined;
  readonly cells: readonly CellName[];
  readonly passes: readonly Pass[];
  readonly warmup: number;
  readonly reps: number;
  readonly minTotalMs: number;
  readonly maxReps: number;
  /** Skip the parameter table. */
  readonly skipParameters: boolean;
  /** Skip the speed measurements. */
  readonly skipSpeed: boolean;
  /** Where to write the JSON results; `-` for standard output. */
  readonly json: string | undefined;
  /** Where to write the SVG chart. */
  readonly chart: string | undefined;
  /** Folder of the default output files. */
  readonly outDir: string | undefined;
  /** A results file to compare this run with. */
  readonly compare: string | undefined;
  /** A results file to use as this run instead of running the benchmark (with `--compare`). */
  readonly current: string | undefined;
  /** Slowdown that fails `--compare`, as a fraction. */
  readonly threshold: number;
  readonly help: boolean;
  /** Also time TensorFlow.js (cpu and wasm backends) on the same workloads and print ratios. */
  readonly peers: boolean;
  /** Print the sgemm table (GFLOP/s by shape and kernel set against the measured peak) instead. */
  readonly sgemm: boolean;
  /** Threads of the `cpu:wasm-*` backends: a count, or `auto` (the logical processors). */
  readonly threads: number | 'auto';
  /** Which of the defaultable options the user set explicitly. */
  readonly explicit: ReadonlySet<'workloads' | 'cells' | 'passes' | 'backends'>;
}

/** `--help` text. */
export const USAGE = `Usage: gated-bench [options]      (npm run bench -- [options])

GRU vs LSTM: parameter counts under each convention, then forward and forward+backward time on every
available backend. Prints both tables, writes bench-results/latest.json and bench-results/latest.svg.

  --quick               the README configuration: workloads ${QUICK_WORKLOADS.join(',')}, 1 warm-up, ≥5 runs
                        (npm run bench passes it; it finishes in under two minutes on 2 cores);
                        gpu.js's GL modes run small only, its CPU emulation modes not at all
  --full                every workload (${DEFAULT_WORKLOADS.join(',')}), 2 warm-ups, ≥7 runs (overrides --quick)
  --workloads a,b       named workloads: ${DEFAULT_WORKLOADS.join(', ')}
  --backends a,b        backend ids (cpu, gpujs:headlessgl, ...) or families (gpujs); default: all found
  --cells a,b           ${CELL_NAMES.join(', ')} (default: both)
  --passes a,b          forward, backward (forward+backward); default: both
  --reps N              timed runs per figure, at least (more for runs shorter than --min-time / N)
  --warmup N            untimed runs first (the first one is reported as the cold run)
  --min-time MS         keep timing until the timed runs add up to MS milliseconds (max 50 runs)
  --no-params           skip the parameter table      --params-only   only the parameter table
  --json PATH           write the JSON results to PATH ('-': standard output, tables to stderr)
  --chart PATH          write the SVG chart to PATH
  --out-dir DIR         folder of the default files (default: bench-results)
  --compare OLD.json    compare with an earlier run: print the change per figure, exit 1 when a
                        median is slower by more than --threshold (default 10%) or a count changed
  --current NEW.json    with --compare: compare this file instead of running the benchmark
  --threshold PCT       slowdown, in percent, that fails --compare (default 10)
  --peers               also TensorFlow.js 4.22 (tfjs:wasm; tfjs:cpu on single-layer workloads) on the
                        same workloads and passes, with the ratio to Gated's fastest CPU kernel set
  --threads N|auto      threads of the cpu:wasm-* backends (default auto: every logical processor;
                        1: the calling thread alone); the report names the count
  --sgemm               only the sgemm table: GFLOP/s of the recurrent nets' products under each
                        CPU kernel set, against the measured one-core WebAssembly SIMD peak
  --help                this text

Relative paths are taken from the repository root (npm runs the app inside apps/bench).
`;

function list(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

function positiveInt(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got '${value}'`);
  return n;
}

/**
 * Parses the command line (without `node` and the script).
 *
 * @throws with a message naming the option on an unknown option or a bad value.
 */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      quick: { type: 'boolean' },
      full: { type: 'boolean' },
      workloads: { type: 'string' },
      backends: { type: 'string' },
      cells: { type: 'string' },
      passes: { type: 'string' },
      reps: { type: 'string' },
      warmup: { type: 'string' },
      'min-time': { type: 'string' },
      'no-params': { type: 'boolean' },
      'params-only': { type: 'boolean' },
      json: { type: 'string' },
      chart: { type: 'string' },
      'out-dir': { type: 'string' },
      compare: { type: 'string' },
      current: { type: 'string' },
      threshold: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      sgemm: { type: 'boolean' },
      peers: { type: 'boolean' },
      threads: { type: 'string' },
    },
  });
  const quick = values.quick === true && values.full !== true;
  const explicit = new Set<'workloads' | 'cells' | 'passes' | 'backends'>();
  for (const key of ['workloads', 'cells', 'passes', 'backends'] as const) if (values[key] !== undefined) explicit.add(key);
  const workloads = list(values.workloads) ?? [...(quick ? QUICK_WORKLOADS : DEFAULT_WORKLOADS)];
  selectWorkloads(workloads);
  const cells = (list(values.cells) ?? [...CELL_NAMES]) as CellName[];
  selectCells(cells);
  const passes = (list(values.passes) ?? [...PASSES]) as Pass[];
  for (const p of passes) if (!PASSES.includes(p)) throw new Error(`unknown pass '${p}'; expected one of ${PASSES.join(', ')}`);
  const threshold = values.threshold === undefined ? 10 : Number(values.threshold);
  if (!Number.isFinite(threshold) || threshold < 0) throw new Error(`--threshold must be a percentage ≥ 0, got '${values.threshold}'`);
  if (values.current !== undefined && values.compare === undefined) throw new Error('--current needs --compare');
  return {
    quick,
    workloads,
    backends: list(values.backends),
    cells,
    passes,
    warmup: positiveInt('warmup', values.warmup, quick ? 1 : 2),
    reps: positiveInt('reps', values.reps, quick ? 5 : 7),
    minTotalMs: positiveInt('min-time', values['min-time'], quick ? 300 : 1000, 0),
    maxReps: 50,
    skipParameters: values['no-params'] === true,
    skipSpeed: values['params-only'] === true,
    json: values.json,
    chart: values.chart,
    outDir: values['out-dir'],
    compare: values.compare,
    current: values.current,
    threshold: threshold / 100,
    help: values.help === true,
    sgemm: values.sgemm === true,
    peers: values.peers === true,
    threads: values.threads === undefined || values.threads === 'auto' ? 'auto' : positiveInt('threads', values.threads, 1),
    explicit,
  };
}
