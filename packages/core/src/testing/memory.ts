import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Backend, MemoryInfo } from '../backend/backend';

/** What {@link measureTrainingMemory} saw. */
export interface TrainingMemoryReport {
  /** Live storages and bytes after the warm-up, once finalizers have run. */
  readonly baseline: MemoryInfo;
  /** The backend's count right after the last step, before the event loop turned: what a synchronous loop holds. */
  readonly afterStepsSync: MemoryInfo;
  /** The backend's count after the steps, once the garbage collector and finalizers have run. */
  readonly afterSteps: MemoryInfo;
  /** The largest synchronous `liveStorages` seen after any step (sampled every `sampleEvery` steps). */
  readonly peakLiveStorages: number;
  /** Growth of `process.memoryUsage().arrayBuffers` (typed arrays' memory) over the steps, after a full GC, in bytes. */
  readonly arrayBufferGrowth: number;
  /** Growth of the resident set size over the steps, after a full GC, in bytes. */
  readonly rssGrowth: number;
  /** Seconds the measured steps took. */
  readonly seconds: number;
}

/** Options of {@link measureTrainingMemory}. */
export interface TrainingMemoryOptions {
  /** Steps run (and collected) before the baseline. @defaultValue 20 */
  readonly warmupSteps?: number;
  /** How often the synchronous live-storage count is sampled. @defaultValue 10 */
  readonly sampleEvery?: number;
}

let collect: (() => void) | null = null;

/** A full, synchronous garbage collection (V8's `gc()`, exposed at run time for tests). */
export function collectGarbage(): void {
  if (collect === null) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}

/** Lets the event loop turn (so that finalizers run) and collects, a few times. */
async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/**
 * Runs `step` `steps` times in ONE synchronous loop (no `await`, no `scope`: what a user writes) and
 * reports how the backend's live storages, the process's typed-array memory and its resident set
 * grew. Node only: it exposes V8's `gc()` at run time.
 */
export async function measureTrainingMemory(
  backend: Backend,
  step: () => void,
  steps: number,
  options: TrainingMemoryOptions = {},
): Promise<TrainingMemoryReport> {
  const warmupSteps = options.warmupSteps ?? 20;
  const sampleEvery = options.sampleEvery ?? 10;
  for (let i = 0; i < warmupSteps; i++) step();
  await settle();
  const baseline = backend.memory();
  const before = process.memoryUsage();
  let peakLiveStorages = baseline.liveStorages;
  const started = performance.now();
  for (let i = 0; i < steps; i++) {
    step();
    if (i % sampleEvery === 0) peakLiveStorages = Math.max(peakLiveStorages, backend.memory().liveStorages);
  }
  const seconds = (performance.now() - started) / 1000;
  const afterStepsSync = backend.memory();
  peakLiveStorages = Math.max(peakLiveStorages, afterStepsSync.liveStorages);
  collectGarbage();
  const after = process.memoryUsage();
  await settle();
  return {
    baseline,
    afterStepsSync,
    afterSteps: backend.memory(),
    peakLiveStorages,
    arrayBufferGrowth: after.arrayBuffers - before.arrayBuffers,
    rssGrowth: after.rss - before.rss,
    seconds,
  };
}
