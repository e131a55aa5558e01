import type { LayerWorkspace } from '../kernels/recurrent-layer';
import { SCRATCH_BYTES, WasmKernels, align16 as align } from './wasm-kernels';

interface PackedB {
  readonly b: number;
  readonly k: number;
  readonly n: number;
  readonly transB: boolean;
  readonly at: number;
}

/**
 * The WebAssembly sets' {@link LayerWorkspace}, for the layers the wasm time loops do not run (the
 * reset-before GRU, a hidden size that is not a multiple of 4): the heap is a view of the module's
 * memory, so the gate math (JS) and the sgemm (wasm) read and write the same buffers without copies. Weight matrices
 * multiplied at every step (`reuseB`) are packed once per layer call and kept packed.
 *
 * Memory: `[scratch | heap (floats) | packed weights … | A panel, transient packed B]`. The backend's
 * `matMul` (`wasmMatMul`) uses the same memory between layer calls: the heap holds nothing from one
 * layer call to the next (every call starts with `reserve`, which also takes a fresh view in case
 * `matMul` grew the memory).
 */
export class WasmWorkspace implements LayerWorkspace {
  /** The heap view (replaced by {@link WasmWorkspace.reserve}). */
  heap: Float32Array;
  readonly #kernels: WasmKernels;
  #floats = 0;
  #packed: PackedB[] = [];
  #packTop = 0;

  constructor(kernels: WasmKernels) {
    this.#kernels = kernels;
    this.heap = new Float32Array(0);
    this.reserve(0, 0);
  }

  /** Makes room for `floats` heap elements and `packingFloats` of packed operands; forgets every packed weight. */
  reserve(floats: number, packingFloats: number): void {
    if (floats > this.#floats) this.#floats = floats;
    this.#kernels.ensure(align(SCRATCH_BYTES + 4 * this.#floats) + 4 * packingFloats);
    this.heap = new Float32Array(this.#kernels.f32.buffer, SCRATCH_BYTES, this.#floats);
    this.#packed = [];
    this.#packTop = align(SCRATCH_BYTES + 4 * this.#floats);
  }

  /** Checks that `bytes` at byte `at` lie inside what {@link WasmWorkspace.reserve} made room for. */
  #room(at: number, bytes: number): void {
    // Growing here would detach the heap views the layer kernel holds: a broken bound is a bug.
    if (at + bytes > this.#kernels.byteLength) {
      throw new Error(`WasmWorkspace: a product needs ${at + bytes} bytes, more than the ${this.#kernels.byteLength} reserved`);
    }
  }

  #pack(b: number, k: number, n: number, transB: boolean, at: number): void {
    const base = SCRATCH_BYTES / 4 + b;
    if (transB) this.#kernels.packB(base, 1, k, k, n, at);
    else this.#kernels.packB(base, n, 1, k, n, at);
  }

  /** `heap[c : c + m·n] (+)= op(A)·op(B)` through the wasm sgemm. */
  matmul(a: number, b: number, c: number, m: number, n: number, k: number, transA: boolean, transB: boolean, reuseB = false, accumulate = false): void {
    let pb = -1;
    if (reuseB) {
      const hit = this.#packed.find((p) => p.b === b && p.k === k && p.n === n && p.transB === transB);
      if (hit !== undefined) pb = hit.at;
      else {
        pb = this.#packTop;
        const bytes = align(WasmKernels.packedBBytes(k, n));
        this.#room(pb, bytes);
        this.#pack(b, k, n, transB, pb);
        this.#packed.push({ b, k, n, transB, at: pb });
        this.#packTop += bytes;
      }
    }
    let pa = this.#packTop;
    if (pb < 0) {
      pb = pa;
      const bytes = align(WasmKernels.packedBBytes(k, n));
      this.#room(pb, bytes + 16 * k);
      this.#pack(b, k, n, transB, pb);
      pa = pb + bytes;
    } else {
      this.#room(pa, 16 * k);
    }
    const base = SCRATCH_BYTES / 4;
    this.#kernels.gemm(m, n, k, base + a, transA ? 1 : k, transA ? m : 1, pb, base + c, n, accumulate, pa);
  }
}
