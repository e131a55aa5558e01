/**
 * The browser check's page script: `new CpuBackend()` (synchronous compilation, which a browser's
 * main thread refuses for a module over 4 KB) and `await CpuBackend.create(...)` for `js` and `auto`,
 * then {@link runLayerCheck} on each created backend, then {@link runThreadCheck} on two and on one
 * thread (Web Workers where the page is cross-origin isolated); the result is `window.__result`.
 */
import { CpuBackend } from '@gated/backend-cpu';
import { runLayerCheck, runThreadCheck, type LayerCheckValues } from './layer-check-scenario';

/** What the page publishes; plain data for `page.evaluate`. */
export interface LayerCheckPageResult {
  /** `new CpuBackend().kernels` on the main thread, or `null` when it threw. */
  readonly syncKernels: string | null;
  /** The runs on `await CpuBackend.create({ kernels: 'js' })` and `await CpuBackend.create()`. */
  readonly runs: LayerCheckValues[];
  /** Whether the page is cross-origin isolated (SharedArrayBuffer, so worker threads). */
  readonly isolated: boolean;
  /**
   * The threads check: what `startThreads()` resolved on a backend with `threads: 2`, and the
   * numbers of {@link runThreadCheck} on it and on one with `threads: 1`.
   */
  readonly threads: { readonly started: number; readonly split: number[]; readonly single: number[] } | null;
  readonly error: string | null;
}

declare global {
  interface Window {
    __result?: LayerCheckPageResult;
  }
}

async function run(): Promise<LayerCheckPageResult> {
  let syncKernels: string | null = null;
  const runs: LayerCheckValues[] = [];
  const isolated = globalThis.crossOriginIsolated === true;
  let threads: LayerCheckPageResult['threads'] = null;
  try {
    syncKernels = new CpuBackend().kernels;
    for (const kernels of ['js', 'auto'] as const) runs.push(runLayerCheck(await CpuBackend.create({ kernels })));
    const two = await CpuBackend.create({ threads: 2 });
    const started = await two.startThreads();
    threads = { started, split: runThreadCheck(two), single: runThreadCheck(await CpuBackend.create({ threads: 1 })) };
    two.stopThreads();
    return { syncKernels, runs, isolated, threads, error: null };
  } catch (error) {
    return { syncKernels, runs, isolated, threads, error: error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error) };
  }
}

void run().then((result) => {
  window.__result = result;
  const status = document.getElementById('status');
  if (status !== null) status.textContent = result.error === null ? `done: ${result.runs.map((r) => r.kernels).join(', ')}` : `failed: ${result.error}`;
});
