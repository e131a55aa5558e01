import { RELAXED_MODULE_BASE64, SIMD_MODULE_BASE64 } from './modules.generated';

/** The exports of the generated kernel module (see `scripts/wasm-kernels.mjs`). */
interface KernelExports {
  readonly memory: WebAssembly.Memory;
  pack_b(b: number, sp: number, sj: number, k: number, n: number, dst: number): void;
  gemm(m: number, n: number, k: number, a: number, si: number, sp: number, pb: number, c: number, ldc: number, accumulate: number, pa: number, tile: number): void;
  sigmoid(x: number, y: number, count: number): void;
  tanh(x: number, y: number, count: number): void;
  gru_forward(gx: number, gh: number, bias: number, h: number, hNext: number, saved: number, batch: number, hiddenSize: number): void;
  gru_backward(dh: number, h: number, saved: number, dgx: number, dgh: number, dhDirect: number, batch: number, hiddenSize: number): void;
  lstm_forward(gx: number, gh: number, bias: number, c: number, hNext: number, cNext: number, saved: number, batch: number, hiddenSize: number): void;
  lstm_backward(dh: number, dc: number, c: number, saved: number, dgates: number, dcPrev: number, batch: number, hiddenSize: number): void;
}

const PAGE_BYTES = 65536;
/** Bytes at the start of memory for the kernels' own scratch (the 4×8 edge tile). */
export const SCRATCH_BYTES = 256;

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(text.length));
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

let simdBytes: Uint8Array<ArrayBuffer> | null = null;
let relaxedBytes: Uint8Array<ArrayBuffer> | null = null;
const moduleBytes = (relaxed: boolean): Uint8Array<ArrayBuffer> => {
  if (relaxed) return (relaxedBytes ??= decode(RELAXED_MODULE_BASE64));
  return (simdBytes ??= decode(SIMD_MODULE_BASE64));
};

/**
 * Whether this engine accepts the SIMD128 module and the relaxed-SIMD module
 * (`WebAssembly.validate`; an engine without relaxed SIMD rejects that whole module).
 */
export function wasmSupport(): { readonly simd: boolean; readonly relaxed: boolean } {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') return { simd: false, relaxed: false };
  return { simd: WebAssembly.validate(moduleBytes(false)), relaxed: WebAssembly.validate(moduleBytes(true)) };
}

/**
 * One instance of the kernel module with its own linear memory: the sgemm (pack + register-blocked
 * f32x4 micro-kernel), vectorised sigmoid / tanh and the fused gate math of the GRU and LSTM steps.
 * Memory grows on demand and is kept for reuse. Addresses below are float indices into memory.
 */
export class WasmKernels {
  readonly #exports: KernelExports;

  private constructor(exports: KernelExports) {
    this.#exports = exports;
  }

  /**
   * Compiles and instantiates the module synchronously. Browsers refuse synchronous compilation of
   * modules over 4 KB on the main thread (a `RangeError`); {@link WasmKernels.instantiate} works
   * everywhere.
   */
  static create(relaxed: boolean): WasmKernels {
    const module = new WebAssembly.Module(moduleBytes(relaxed));
    const instance = new WebAssembly.Instance(module, {});
    return new WasmKernels(instance.exports as unknown as KernelExports);
  }

  /** Compiles and instantiates the module asynchronously (allowed on a browser's main thread). */
  static async instantiate(relaxed: boolean): Promise<WasmKernels> {
    const { instance } = await WebAssembly.instantiate(moduleBytes(relaxed), {});
    return new WasmKernels(instance.exports as unknown as KernelExports);
  }

  /** The whole memory as floats; a new view after every {@link WasmKernels.ensure} that grows it. */
  get f32(): Float32Array {
    return new Float32Array(this.#exports.memory.buffer);
  }

  /** Bytes of memory now. */
  get byteLength(): number {
    return this.#exports.memory.buffer.byteLength;
  }

  /** Grows memory to at least `bytes`. */
  ensure(bytes: number): void {
    const memory = this.#exports.memory;
    const have = memory.buffer.byteLength;
    if (have < bytes) memory.grow(Math.ceil((bytes - have) / PAGE_BYTES));
  }

  /** Packs B (element `(p, j)` at float index `b + p·sp + j·sj`) into 8-column panels at byte `dst`. */
  packB(b: number, sp: number, sj: number, k: number, n: number, dst: number): void {
    this.#exports.pack_b(4 * b, sp, sj, k, n, dst);
  }

  /** Bytes {@link WasmKernels.packB} writes for a `[k, n]` B. */
  static packedBBytes(k: number, n: number): number {
    return 32 * k * Math.ceil(n / 8);
  }

  /**
   * `C[m, n] (+)= A·B` with B packed at byte `pb`; A element `(i, p)` at float index `a + i·si + p·sp`;
   * C at float index `c` with row stride `ldc`; `pa` is scratch of `16·k` bytes for the A panel.
   */
  gemm(m: number, n: number, k: number, a: number, si: number, sp: number, pb: number, c: number, ldc: number, accumulate: boolean, pa: number): void {
    this.#exports.gemm(m, n, k, 4 * a, si, sp, pb, 4 * c, ldc, accumulate ? 1 : 0, pa, 0);
  }

  /** `y = σ(x)` over `count` floats (a multiple of 4). */
  sigmoid(x: number, y: number, count: number): void {
    this.#exports.sigmoid(4 * x, 4 * y, count);
  }

  /** `y = tanh(x)` over `count` floats (a multiple of 4). */
  tanh(x: number, y: number, count: number): void {
    this.#exports.tanh(4 * x, 4 * y, count);
  }

  /** The GRU step's gate math (`gruStep` of `kernels/recurrent.ts`, with `b_hh` added to `gh`); `hiddenSize % 4 = 0`. */
  gruForward(gx: number, gh: number, bias: number, h: number, batch: number, hiddenSize: number, hNext: number, saved: number): void {
    this.#exports.gru_forward(4 * gx, 4 * gh, 4 * bias, 4 * h, 4 * hNext, 4 * saved, batch, hiddenSize);
  }

  /** The GRU step backward's gate math (`gruStepBackward`); `hiddenSize % 4 = 0`. */
  gruBackward(dh: number, h: number, saved: number, batch: number, hiddenSize: number, dgx: number, dgh: number, dhDirect: number): void {
    this.#exports.gru_backward(4 * dh, 4 * h, 4 * saved, 4 * dgx, 4 * dgh, 4 * dhDirect, batch, hiddenSize);
  }

  /** The LSTM step's gate math (`lstmStep`, with `b_hh` added to `gh`); `hiddenSize % 4 = 0`. */
  lstmForward(gx: number, gh: number, bias: number, c: number, batch: number, hiddenSize: number, hNext: number, cNext: number, saved: number): void {
    this.#exports.lstm_forward(4 * gx, 4 * gh, 4 * bias, 4 * c, 4 * hNext, 4 * cNext, 4 * saved, batch, hiddenSize);
  }

  /** The LSTM step backward's gate math (`lstmStepBackward`); `hiddenSize % 4 = 0`. */
  lstmBackward(dh: number, dc: number, c: number, saved: number, batch: number, hiddenSize: number, dgates: number, dcPrev: number): void {
    this.#exports.lstm_backward(4 * dh, 4 * dc, 4 * c, 4 * saved, 4 * dgates, 4 * dcPrev, batch, hiddenSize);
  }
}
