/**
 * The browser check's page script: runs {@link runGruCheck} on `GpujsBackend` in the mode named by
 * the page's `?mode=` (default `webgl2`) and publishes a {@link GruCheckPageResult} as
 * `window.__result`. A mode that cannot run is reported as an error, never replaced by another.
 */
import { GPUJS_MODES, GpujsBackend, probeMode, type GpujsMode, type ModeAvailability } from '@gated/backend-gpujs';
import { runGruCheck, type GruCheckValues } from './gru-check-scenario';

/** What the page publishes; plain data, so that Playwright can return it from `page.evaluate`. */
export interface GruCheckPageResult {
  /** The mode from `?mode=`. */
  readonly requestedMode: string;
  /** `backend.mode` after creation: the mode really used; `null` when creation failed. */
  readonly mode: GpujsMode | null;
  /** `probeMode('webgl2')` and `probeMode('webgl')` (gpu.js's `isWebGL2Supported` / `isWebGLSupported`). */
  readonly probes: { readonly webgl2: ModeAvailability; readonly webgl: ModeAvailability };
  /** The browser's WebGL2 context as a page sees it, `null` when there is none. */
  readonly webgl2Context: { readonly version: string; readonly renderer: string } | null;
  /** `backend.limits.maxTextureSize`; `null` when creation failed. */
  readonly maxTextureSize: number | null;
  /** Distinct gpu.js kernels the run built. */
  readonly kernelCount: number | null;
  readonly values: GruCheckValues | null;
  /** The error's name, message and stack when anything threw. */
  readonly error: string | null;
  readonly milliseconds: number;
}

declare global {
  interface Window {
    __result?: GruCheckPageResult;
  }
}

function webgl2Context(): GruCheckPageResult['webgl2Context'] {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (gl === null) return null;
  // The unmasked renderer says which rasteriser runs the shaders (SwiftShader, ANGLE over a GPU, ...).
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = info === null ? gl.getParameter(gl.RENDERER) : gl.getParameter(info.UNMASKED_RENDERER_WEBGL);
  return { version: String(gl.getParameter(gl.VERSION)), renderer: String(renderer) };
}

function run(): GruCheckPageResult {
  const started = performance.now();
  const requestedMode = new URLSearchParams(location.search).get('mode') ?? 'webgl2';
  const probes = { webgl2: probeMode('webgl2'), webgl: probeMode('webgl') };
  const context = webgl2Context();
  const result = { requestedMode, mode: null, probes, webgl2Context: context, maxTextureSize: null, kernelCount: null, values: null };
  let backend: GpujsBackend | null = null;
  try {
    if (!(GPUJS_MODES as readonly string[]).includes(requestedMode)) {
      throw new Error(`?mode=${requestedMode} is not a gpu.js mode (expected one of ${GPUJS_MODES.join(', ')})`);
    }
    backend = GpujsBackend.create({ mode: requestedMode as GpujsMode });
    const values = runGruCheck(backend);
    return {
      ...result,
      mode: backend.mode,
      maxTextureSize: backend.limits.maxTextureSize,
      kernelCount: backend.kernelCount,
      values,
      error: null,
      milliseconds: performance.now() - started,
    };
  } catch (error) {
    const text = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
    return { ...result, mode: backend?.mode ?? null, error: text, milliseconds: performance.now() - started };
  } finally {
    backend?.destroy();
  }
}

const result = run();
window.__result = result;
const status = document.getElementById('status');
if (status !== null) status.textContent = result.error ?? `${result.values?.backend}: loss ${result.values?.loss}`;
