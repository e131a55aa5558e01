/**
 * The browser check's page script: `new CpuBackend()` (synchronous compilation, which a browser's
 * main thread refuses for a module over 4 KB) and `await CpuBackend.create(...)` for `js` and `auto`,
 * then {@link runLayerCheck} on each created backend; the result is `window.__result`.
 */
import { CpuBackend } from '@gated/backend-cpu';
import { runLayerCheck, type LayerCheckValues } from './layer-check-scenario';

/** What the page publishes; plain data for `page.evaluate`. */
export interface LayerCheckPageResult {
  /** `new CpuBackend().kernels` on the main thread, or `null` when it threw. */
  readonly syncKernels: string | null;
  /** The runs on `await CpuBackend.create({ kernels: 'js' })` and `await CpuBackend.create()`. */
  readonly runs: LayerCheckValues[];
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
  try {
    syncKernels = new CpuBackend().kernels;
    for (const kernels of ['js', 'auto'] as const) runs.push(runLayerCheck(await CpuBackend.create({ kernels })));
    return { syncKernels, runs, error: null };
  } catch (error) {
    return { syncKernels, runs, error: error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error) };
  }
}

void run().then((result) => {
  window.__result = result;
  const status = document.getElementById('status');
  if (status !== null) status.textContent = result.error === null ? `done: ${result.runs.map((r) => r.kernels).join(', ')}` : `failed: ${result.error}`;
});
