import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { discoverBackends, type BackendEntry } from './backends';
import { renderChart } from './chart';
import { compareResults, comparisonText } from './compare';
import { formatDuration } from './format';
import { parseOptions, USAGE, type BenchOptions } from './options';
import { Progress, type ProgressSink } from './progress';
import { parameterTableText, speedTableText, workloadLegend } from './report';
import { parseResults, type BenchResults } from './results';
import { runBenchmark } from './run';
import { measureWasmPeak, runSgemmBenchmark, sgemmTableText } from './sgemm';
import { peerTableText, runPeers } from './peers';
import { selectWorkloads } from './workloads';

/** The streams and folder the CLI works with (replaced in tests). */
export interface CliIo {
  readonly stdout: ProgressSink;
  readonly stderr: ProgressSink;
  readonly cwd: string;
  /** The backend registry (tests pass a fixed one). */
  readonly backends?: () => Promise<BackendEntry[]>;
}

/** The repository root above `start` (the folder whose package.json has `workspaces`), or `start`. */
export function findRepositoryRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if (JSON.parse(readFileSync(manifest, 'utf8')).workspaces) return dir;
      } catch {
        // not a readable manifest: keep looking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return resolve(start);
    dir = parent;
  }
}

function writeFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** Prints the report of `results`: parameter table, speed table, legend, skipped backends, failures. */
export function reportText(results: BenchResults): string {
  const out: string[] = [];
  if (results.parameters.length > 0) {
    out.push('Parameter counts (from the built modules, each checked against its closed formula)', '');
    out.push(parameterTableText(results.parameters), '');
    out.push('  Per layer and direction, I = layer input, H = hidden: PyTorch / cuDNN: two bias vectors, GRU 3H(I+H)+6H, LSTM');
    out.push('  4H(I+H)+8H. Keras (TF2 default): GRU reset_after=True keeps two, LSTM has one (4H(I+H)+4H). One bias: Keras');
    out.push('  reset_after=False, tfjs: GRU 3H(I+H)+3H, LSTM 4H(I+H)+4H. ratio = GRU / LSTM.', '');
  }
  if (results.speed.length > 0) {
    const m = results.machine;
    out.push(`Speed: median of timed runs after warm-up (${m.cpuModel}, ${m.cores} cores, Node ${m.node}${m.gcBetweenMeasurements ? ', GC before each run' : ''})`, '');
    out.push(speedTableText(results), '');
    out.push('  fwd+bwd = forward, loss = sum(output), backward: one training step\'s gradients. steps/s = batch·seqLen / median.');
    out.push('  compile ms = first (cold) run − median: kernel compilation, JIT warm-up. vs GRU = LSTM median / GRU median.');
    out.push(workloadLegend(results), '');
  }
  const skipped = new Map<string, string[]>();
  for (const b of results.backends.filter((x) => !x.available)) {
    const note = b.note ?? 'unavailable';
    skipped.set(note, [...(skipped.get(note) ?? []), b.id]);
  }
  for (const [note, ids] of skipped) out.push(`  not run: ${ids.join(', ')}: ${note}`);
  for (const b of results.backends.filter((x) => x.available && x.note !== undefined)) out.push(`  ${b.id}: ${b.note}`);
  for (const f of results.failures) {
    out.push(`  FAILED: ${f.backend} on ${f.workload} ${f.pass}: ${f.error.split('\n')[0]} (its other figures were skipped)`);
  }
  return out.join('\n').trimEnd() + '\n';
}

/**
 * The command line: parses `argv`, runs (or loads) the results, prints the tables, writes the JSON
 * and the chart, compares with `--compare`, and returns the exit code: 0; 1 for a failed comparison
 * or when every figure failed; 2 for a usage error. A backend that fails while others run is
 * reported (table footnote, `failures` in the JSON), not fatal.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(argv);
  } catch (error) {
    io.stderr.write(`gated-bench: ${(error as Error).message}\nRun with --help for the options.\n`);
    return 2;
  }
  if (options.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (options.sgemm) {
    const peak = await measureWasmPeak();
    io.stdout.write(sgemmTableText(runSgemmBenchmark(), peak));
    return 0;
  }
  const report = options.json === '-' ? io.stderr : io.stdout;
  // Relative paths are taken from the repository root: under turbo, the process runs in apps/bench
  // and npm hides the folder the user typed the command in.
  const root = findRepositoryRoot(io.cwd);
  const here = (path: string) => resolve(root, path);
  let base: BenchResults | null = null;
  if (options.compare !== undefined) {
    try {
      base = parseResults(readFileSync(here(options.compare), 'utf8'), options.compare);
    } catch (error) {
      io.stderr.write(`gated-bench: --compare: ${(error as Error).message}\n`);
      return 2;
    }
  }
  let results: BenchResults;
  if (options.current !== undefined) {
    try {
      results = parseResults(readFileSync(here(options.current), 'utf8'), options.current);
    } catch (error) {
      io.stderr.write(`gated-bench: --current: ${(error as Error).message}\n`);
      return 2;
    }
  } else {
    if (base !== null) options = alignWith(options, base);
    const entries = await (io.backends ?? (() => discoverBackends(undefined, undefined, options.threads)))();
    try {
      results = await runBenchmark(options, entries, (total) => new Progress(io.stderr, total));
    } catch (error) {
      io.stderr.write(`gated-bench: ${(error as Error).message}\n`);
      return 2;
    }
    report.write(reportText(results));
    if (options.peers && !options.skipSpeed) {
      const peers = await runPeers(selectWorkloads(options.workloads), options.cells, options.passes, options.reps, results.speed, (line) =>
        io.stderr.write(`peers: ${line}\n`),
      );
      report.write('\n' + peerTableText(peers.results, peers.notes));
    }
    const outDir = here(options.outDir ?? 'bench-results');
    const json = JSON.stringify(results, null, 2) + '\n';
    const written: string[] = [];
    if (options.json === '-') {
      io.stdout.write(json);
    } else {
      const jsonPath = options.json ? here(options.json) : join(outDir, 'latest.json');
      writeFile(jsonPath, json);
      written.push(jsonPath);
    }
    if (results.speed.length > 0) {
      const chartPath = options.chart ? here(options.chart) : join(outDir, 'latest.svg');
      writeFile(chartPath, renderChart(results));
      written.push(chartPath);
    }
    const shown = written.map((p) => (p.startsWith(root + sep) ? relative(root, p) : p));
    report.write(`\nWrote ${shown.join(' and ')} in ${formatDuration(results.durationSeconds)}.\n`);
  }
  // A failing optional backend is reported, not fatal; a run that measured nothing it was asked to is.
  let code = results.failures.length > 0 && results.speed.length === 0 ? 1 : 0;
  if (base !== null) {
    const comparison = compareResults(base, results, options.threshold);
    report.write(`\nCompared with ${options.compare} (threshold ${(options.threshold * 100).toFixed(0)}%):\n\n${comparisonText(comparison)}\n`);
    if (comparison.failed) code = 1;
  }
  return code;
}

/** With `--compare`, measure what the base file measured unless the command line says otherwise. */
function alignWith(options: BenchOptions, base: BenchResults): BenchOptions {
  return {
    ...options,
    workloads: options.explicit.has('workloads') ? options.workloads : base.options.workloads.map((w) => w.name),
    cells: options.explicit.has('cells') ? options.cells : base.options.cells,
    passes: options.explicit.has('passes') ? options.passes : base.options.passes,
    backends: options.explicit.has('backends') ? options.backends : base.backends.filter((b) => b.available).map((b) => b.id),
  };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  const sink = (stream: NodeJS.WriteStream): ProgressSink => ({ write: (t) => void stream.write(t), isTTY: stream.isTTY === true });
  main(process.argv.slice(2), { stdout: sink(process.stdout), stderr: sink(process.stderr), cwd: process.cwd() }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`gated-bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
