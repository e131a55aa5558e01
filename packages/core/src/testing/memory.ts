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
  /**
   * The largest growth of `process.memoryUsage().arrayBuffers` (typed arrays' memory) over the
   * baseline, sampled after a full garbage collection at ten points inside the loop, in bytes.
   */
  readonly arrayBufferGrowth: number;
  /** The largest growth of the resident set size over the baseline at the same ten points, in bytes. */
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

/** Host memory after a full collection (twice: the second lets the first's freed buffers be swept). */
function hostMemory(): NodeJS.MemoryUsage {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage();
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
  const before = hostMemory();
  let peakLiveStorages = baseline.liveStorages;
  let arrayBufferGrowth = 0;
  let rssGrowth = 0;
  const hostSampleEvery = Math.max(1, Math.floor(steps / 10));
  let measuring = 0;
  for (let i = 0; i < steps; i++) {
    const started = performance.now();
    step();
    measuring += performance.now() - started;
    if (i % sampleEvery === 0) peakLiveStorages = Math.max(peakLiveStorages, backend.memory().liveStorages);
    if ((i + 1) % hostSampleEvery === 0) {
      const now = hostMemory();
      arrayBufferGrowth = Math.max(arrayBufferGrowth, now.arrayBuffers - before.arrayBuffers);
      rssGrowth = Math.max(rssGrowth, now.rss - before.rss);
    }
  }
  const afterStepsSync = backend.memory();
  peakLiveStorages = Math.max(peakLiveStorages, afterStepsSync.liveStorages);
  await settle();
  return {
    baseline,
    afterStepsSync,
    afterSteps: backend.memory(),
    peakLiveStorages,
    arrayBufferGrowth,
    rssGrowth,
    seconds: measuring / 1000,
  };
}
