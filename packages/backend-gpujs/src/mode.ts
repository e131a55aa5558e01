import { BackendError } from '@gated/core';
import { GPU } from 'gpu.js';

/**
 * The gpu.js execution modes this backend can run on.
 *
 * @remarks
 * - `headlessgl`: WebGL 1 in Node through the `gl` package (needs an X display, e.g. `xvfb-run -a`).
 * - `webgl2` / `webgl`: a browser's WebGL context.
 * - `webgpu`: WGSL compute shaders; gpu.js only offers it with asynchronous kernels, which this
 *   backend does not support yet (asking for it is an error that says so).
 * - `webasm`: WebAssembly with f32 SIMD on the CPU, in Node and browsers.
 * - `cpu`: gpu.js's JavaScript kernels (float64 arithmetic, float32 storage).
 */
export type GpujsMode = 'headlessgl' | 'webgl2' | 'webgl' | 'webgpu' | 'webasm' | 'cpu';

/** Every {@link GpujsMode}, most capable first. */
export const GPUJS_MODES: readonly GpujsMode[] = ['headlessgl', 'webgl2', 'webgl', 'webgpu', 'webasm', 'cpu'];

/** Modes whose kernels keep their outputs in device textures. */
export function isTextureMode(mode: GpujsMode): boolean {
  return mode === 'headlessgl' || mode === 'webgl2' || mode === 'webgl';
}

/** Whether `mode` can run here, and if not, why. */
export interface ModeAvailability {
  readonly mode: GpujsMode;
  readonly available: boolean;
  /** Why the mode cannot run here; absent when it can. */
  readonly reason?: string;
}

/** Thrown when a caller asks for a mode that cannot run in this environment. Never a silent fallback. */
export class GpujsModeUnavailableError extends BackendError {
  constructor(
    readonly mode: GpujsMode,
    readonly reason: string,
  ) {
    super(`gpu.js mode '${mode}' is not available here: ${reason}`);
  }
}

function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === 'string';
}

function headlessGlReason(): string {
  if (!isNode()) return "headless-gl runs only in Node; in a browser ask for 'webgl2' or 'webgl'";
  const env = (globalThis as { process?: { env?: Record<string, string | undefined>; platform?: string } }).process;
  if (env?.platform === 'linux' && !env.env?.DISPLAY) {
    return 'no X display (DISPLAY is unset): run the process under `xvfb-run -a`';
  }
  return (
    "the optional 'gl' package could not create a context: it is not installed, its native build failed " +
    '(see packages/backend-gpujs/README.md for the build requirements), or the display refused a GL context'
  );
}

/**
 * Tells whether `mode` can run in this environment, without creating kernels.
 *
 * @remarks The answer comes from gpu.js's own feature checks (a throwaway context for the GL modes),
 * so a `true` means gpu.js will accept the mode; the backend still checks single-precision support.
 */
export function probeMode(mode: GpujsMode): ModeAvailability {
  switch (mode) {
    case 'cpu':
      return { mode, available: true };
    case 'webasm':
      return GPU.isWebAssemblySupported
        ? { mode, available: true }
        : { mode, available: false, reason: 'WebAssembly is not supported by this JavaScript engine' };
    case 'headlessgl':
      if (!GPU.isHeadlessGLSupported) return { mode, available: false, reason: headlessGlReason() };
      return GPU.isSinglePrecisionSupported
        ? { mode, available: true }
        : { mode, available: false, reason: 'the GL context has no OES_texture_float: single precision is impossible' };
    case 'webgl2':
      return GPU.isWebGL2Supported
        ? { mode, available: true }
        : { mode, available: false, reason: 'no WebGL2 context (not a browser, or WebGL2 is disabled)' };
    case 'webgl':
      return GPU.isWebGLSupported
        ? { mode, available: true }
        : { mode, available: false, reason: 'no WebGL context (not a browser, or WebGL is disabled)' };
    case 'webgpu':
      return {
        mode,
        available: false,
        reason:
          'gpu.js runs webgpu kernels only asynchronously (every call returns a Promise), which this backend ' +
          'does not support yet; see packages/backend-gpujs/NOTES.md',
      };
    default:
      return { mode, available: false, reason: `unknown mode '${String(mode)}' (expected one of ${GPUJS_MODES.join(', ')})` };
  }
}

/** The modes that can run here, most capable first. */
export function availableModes(): GpujsMode[] {
  return GPUJS_MODES.filter((mode) => probeMode(mode).available);
}
