import { manualSeed, noGrad, randn, scope, setBackend, sum, type Backend, type Tensor } from '@gated/core';
import type { CellSpec, RecurrentModel } from './cells';
import type { Pass } from './flops';
import { elapsedMs, summarize, type TimingSummary } from './statistics';
import type { Workload } from './workloads';

/** How many runs to time and how many to discard first. */
export interface RepetitionPlan {
  /** Untimed runs before the timed ones; the first is reported as the cold run. At least 1. */
  readonly warmup: number;
  /** Timed runs, at least. */
  readonly reps: number;
  /**
   * Keep timing (up to {@link RepetitionPlan.maxReps}) until the timed runs add up to this many
   * milliseconds, so that millisecond-long runs get enough samples for a stable median.
   */
  readonly minTotalMs: number;
  /** Upper bound on timed runs. */
  readonly maxReps: number;
}

/** The timing of one (backend, workload, cell, pass). */
export interface Measurement {
  /** The first run: kernel compilation (gpu.js), JIT warm-up and first allocations included. */
  readonly coldMs: number;
  /** `coldMs − medianMs`, at least 0: the one-off cost of the first run, reported separately. */
  readonly compileMs: number;
  /** Median, min and max of the timed runs (warm-ups excluded). */
  readonly timing: TimingSummary;
  /** Every timed run, in order, for later analysis. */
  readonly samples: readonly number[];
}

/** Called after every run (warm-up or timed). */
export type RunListener = (done: number, planned: number) => void;

/**
 * Reads one value of `t` back to the host. Every backend offers the asynchronous read; on a device
 * backend it waits for every queued kernel that `t` depends on, so a timed run ends only when the
 * device work is done. The read is part of every timed run, on every backend alike.
 */
async function readScalar(t: Tensor): Promise<number> {
  const one = t.reshape([t.size]).slice([t.size - 1], [1]);
  const value = (await one.data())[0];
  one.dispose();
  return value;
}

/**
 * One run. `forward`: inference (no graph recorded) over the whole sequence, then one value of the
 * output read back. `backward`: forward with the graph, `loss = sum(output)`, `loss.backward()`, then
 * one value of the first parameter's gradient read back (layer 0's gradients are the last the
 * backward pass produces). Everything the run allocates is freed before it returns.
 */
async function runOnce(model: RecurrentModel, input: Tensor, pass: Pass): Promise<number> {
  if (pass === 'forward') {
    const output = scope(() => noGrad(() => model.forward(input).output));
    const value = await readScalar(output);
    output.dispose();
    return value;
  }
  const firstGrad = scope(() => {
    model.zeroGrad();
    const loss = sum(model.forward(input).output);
    loss.backward();
    return model.parameters()[0].grad as Tensor;
  });
  return readScalar(firstGrad);
}

/**
 * Times every cell of `cells` on `workload` for one pass on `backend`, interleaved so that they share
 * the machine's state: builds each model and a random time-major input (seeded, so every backend and
 * revision sees the same numbers), runs each cell's warm-ups (the first is its cold run), then timed
 * rounds in which every cell runs once, in alternating order (GRU, LSTM, then LSTM, GRU, ...), so
 * that neither is always first after a GC or a slow neighbour. Each run is timed with
 * `process.hrtime.bigint()` around the complete run, read-back included; with `--expose-gc` a full
 * GC runs, untimed, before each one.
 *
 * @returns one {@link Measurement} per cell, in the order of `cells`.
 */
export async function measureCells(
  backend: Backend,
  cells: readonly CellSpec[],
  workload: Workload,
  pass: Pass,
  plan: RepetitionPlan,
  onRun: RunListener = () => {},
): Promise<Measurement[]> {
  setBackend(backend);
  manualSeed(0);
  const models = cells.map((cell) => cell.create(workload));
  const input = randn([workload.seqLen, workload.batch, workload.inputSize]);
  try {
    return await measureInterleaved(
      cells.map((cell) => `${cell.label} ${workload.name} ${pass}`),
      (k) => runOnce(models[k], input, pass),
      plan,
      onRun,
    );
  } finally {
    for (const model of models) {
      model.zeroGrad();
      for (const p of model.parameters()) p.dispose();
    }
    input.dispose();
  }
}

/**
 * The timing schedule of {@link measureCells} for any runner: each runner's warm-ups (the first is
 * its cold run), then timed rounds in which every runner runs once, in alternating order. `run(k)`
 * performs one complete run of runner `k` and resolves with one value of its result (checked finite).
 *
 * @returns one {@link Measurement} per label, in order.
 */
export async function measureInterleaved(
  labels: readonly string[],
  run: (k: number) => Promise<number>,
  plan: RepetitionPlan,
  onRun: RunListener = () => {},
): Promise<Measurement[]> {
  const warmup = Math.max(1, plan.warmup);
  const n = labels.length;
  let done = 0;
  let planned = n * (warmup + plan.reps);
  const time = async (k: number) => {
    collectGarbage();
    const start = process.hrtime.bigint();
    const value = await run(k);
    const ms = elapsedMs(start, process.hrtime.bigint());
    if (!Number.isFinite(value)) throw new Error(`${labels[k]}: non-finite result ${value}`);
    done += 1;
    planned = Math.max(planned, done);
    onRun(done, planned);
    return ms;
  };
  const cold: number[] = [];
  for (let k = 0; k < n; k++) cold.push(await time(k));
  for (let i = 1; i < warmup; i++) for (let k = 0; k < n; k++) await time(k);
  const samples: number[][] = labels.map(() => []);
  const total = labels.map(() => 0);
  const more = () => samples[0].length < plan.reps || (samples[0].length < plan.maxReps && total.some((t) => t < plan.minTotalMs));
  for (let round = 0; more(); round++) {
    if (samples[0].length >= plan.reps) planned = done + n;
    for (let j = 0; j < n; j++) {
      const k = round % 2 === 0 ? j : n - 1 - j;
      const ms = await time(k);
      samples[k].push(ms);
      total[k] += ms;
    }
  }
  return labels.map((_, k) => {
    const timing = summarize(samples[k]);
    return { coldMs: cold[k], compileMs: Math.max(0, cold[k] - timing.medianMs), timing, samples: samples[k] };
  });
}

/** Runs a full garbage collection when node was started with `--expose-gc`; returns whether it could. */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return false;
  gc();
  return true;
}
