import { getBackend, setBackend, type Backend } from '@gated/core';
import type { GpujsMode } from '@gated/backend-gpujs';
import { CpuBackend } from '@gated/backend-cpu';
import { UsageError } from './options';

/** The `--backend` values: `cpu`, or `gpujs:<mode>` with a gpu.js mode (`headlessgl`, `webasm`, `cpu`, ...). */
export const BACKEND_HELP = 'cpu (default) or gpujs:<mode>, e.g. gpujs:webasm, gpujs:headlessgl (needs an X display), gpujs:cpu';

function loadGpujs() {
  return import('@gated/backend-gpujs');
}

/**
 * Creates the backend named by `--backend`. gpu.js is imported only when asked for, so the examples
 * run where it is not installed (it is an optional dependency).
 */
export async function createBackend(name: string): Promise<Backend> {
  if (name === 'cpu') return new CpuBackend();
  const match = /^gpujs:([a-z0-9]+)$/.exec(name);
  if (match === null) throw new UsageError(`--backend must be cpu or gpujs:<mode>, got '${name}'`);
  let gpujs: Awaited<ReturnType<typeof loadGpujs>>;
  try {
    gpujs = await loadGpujs();
  } catch (error) {
    throw new UsageError(`--backend ${name}: @gated/backend-gpujs cannot be loaded (${(error as Error).message})`);
  }
  const mode = match[1];
  if (!(gpujs.GPUJS_MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`--backend gpujs:<mode>: the mode must be one of ${gpujs.GPUJS_MODES.join(', ')}, got '${mode}'`);
  }
  return gpujs.GpujsBackend.create({ mode: mode as GpujsMode });
}

/**
 * Makes the backend named by `--backend` the default, keeping the current default when it is already
 * of that kind (an example run twice in one process, as the tests do, then shares tensors between runs).
 */
export async function useBackend(name: string): Promise<Backend> {
  let current: Backend | null = null;
  try {
    current = getBackend();
  } catch {
    // none set yet
  }
  if (current !== null && (name === 'cpu' ? current instanceof CpuBackend : current.name === name)) return current;
  const backend = await createBackend(name);
  setBackend(backend);
  return backend;
}
