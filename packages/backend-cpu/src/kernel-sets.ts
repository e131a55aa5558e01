import { ValueError } from '@gated/core';

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
}

const OPTION_KEYS = ['kernels'] as const;

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
  return options as CpuBackendOptions;
}
