import { ValueError } from '@gated/core';
import { wasmSupport } from './wasm/wasm-kernels';

/**
 * The kernel sets of {@link CpuBackend}:
 *
 * - `js`: plain JavaScript over `Float32Array` (float64 accumulation in matmul): the reference.
 * - `wasm-simd`: WebAssembly SIMD128 (`f32x4.mul` + `f32x4.add`), every current engine.
 * - `wasm-relaxed`: the same with relaxed SIMD's fused `f32x4.relaxed_madd` (Node ≥ 22, current
 *   browsers; Node 20 only with `--experimental-wasm-relaxed-simd`).
 */
export type KernelSetName = 'js' | 'wasm-simd' | 'wasm-relaxed';

/** Every kernel set name, fastest last. */
export const KERNEL_SET_NAMES: readonly KernelSetName[] = ['js', 'wasm-simd', 'wasm-relaxed'];

/** Options of `new CpuBackend(options)`. */
export interface CpuBackendOptions {
  /**
   * The kernel set to run, or `auto` for the fastest one this engine validates.
   * @defaultValue `'auto'`
   */
  readonly kernels?: KernelSetName | 'auto';
  /**
   * The most threads the WebAssembly kernels run on, the calling thread included: a positive integer,
   * or `auto` for the machine's logical processors (at most {@link MAX_AUTO_THREADS}). Threads need
   * `SharedArrayBuffer` (Node; in a browser, a cross-origin-isolated page) and a wasm kernel set;
   * elsewhere everything runs on the calling thread. Each call uses as many as its size warrants
   * (see `docs/cpu-kernels.md`); the workers start at the first call that wants them, or at
   * `await backend.startThreads()`.
   * @defaultValue `'auto'`
   */
  readonly threads?: number | 'auto';
}

/** The most threads `threads: 'auto'` uses. */
export const MAX_AUTO_THREADS = 16;

const OPTION_KEYS = ['kernels', 'threads'] as const;

/** Checks `new CpuBackend(options)`'s argument: a known key with a known value, or a `ValueError` naming it. */
export function checkCpuBackendOptions(options: unknown): CpuBackendOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ValueError(`CpuBackend: options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (!(OPTION_KEYS as readonly string[]).includes(key)) {
      throw new ValueError(`CpuBackend: unknown option '${key}'; expected one of ${OPTION_KEYS.map((k) => `'${k}'`).join(', ')}`);
    }
  }
  const kernels = (options as { kernels?: unknown }).kernels;
  if (kernels !== undefined && kernels !== 'auto' && !(KERNEL_SET_NAMES as readonly unknown[]).includes(kernels)) {
    throw new ValueError(`CpuBackend: option 'kernels' must be 'auto', ${KERNEL_SET_NAMES.map((k) => `'${k}'`).join(', ')}, got ${JSON.stringify(kernels) ?? String(kernels)}`);
  }
  const threads = (options as { threads?: unknown }).threads;
  if (threads !== undefined && threads !== 'auto' && !(typeof threads === 'number' && Number.isInteger(threads) && threads >= 1)) {
    throw new ValueError(`CpuBackend: option 'threads' must be 'auto' or a positive integer, got ${typeof threads === 'number' ? String(threads) : (JSON.stringify(threads) ?? String(threads))}`);
  }
  return options as CpuBackendOptions;
}

/** The kernel sets this engine runs, `js` first (`WebAssembly.validate` decides the wasm ones). */
export function availableKernelSets(): KernelSetName[] {
  const support = wasmSupport();
  const sets: KernelSetName[] = ['js'];
  if (support.simd) sets.push('wasm-simd');
  if (support.relaxed) sets.push('wasm-relaxed');
  return sets;
}

/**
 * The set `auto` stands for (the fastest available), or the one asked for when this engine runs it;
 * a `ValueError` that says why otherwise.
 */
export function resolveKernelSet(requested: KernelSetName | 'auto'): KernelSetName {
  const available = availableKernelSets();
  if (requested === 'auto') return available[available.length - 1];
  if (!available.includes(requested)) {
    const hint = requested === 'wasm-relaxed' ? ' (relaxed SIMD: Node ≥ 22, or Node 20 with --experimental-wasm-relaxed-simd)' : '';
    throw new ValueError(`CpuBackend: kernel set '${requested}' is not supported by this engine${hint}; available: ${available.map((k) => `'${k}'`).join(', ')}`);
  }
  return requested;
}

/** `names` as kernel set names, or a `ValueError` naming the first unknown one. */
export function checkKernelSetNames(names: readonly string[]): KernelSetName[] {
  for (const name of names) {
    if (!(KERNEL_SET_NAMES as readonly string[]).includes(name)) {
      throw new ValueError(`unknown kernel set '${name}'; expected ${KERNEL_SET_NAMES.map((k) => `'${k}'`).join(', ')}`);
    }
  }
  return names as KernelSetName[];
}
