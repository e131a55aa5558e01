import { matMul } from './matmul';
import type { LayerWorkspace } from './recurrent-layer';

/**
 * The `js` kernel set's {@link LayerWorkspace}: a growing `Float32Array` reused by every layer call of
 * one backend, and the float64-accumulating matmul of `matmul.ts`.
 */
export class JsWorkspace implements LayerWorkspace {
  heap = new Float32Array(0);

  /** Grows the heap to at least `floats` elements, keeping its contents (this matmul packs nothing in the heap). */
  reserve(floats: number): void {
    if (this.heap.length >= floats) return;
    const next = new Float32Array(floats);
    next.set(this.heap);
    this.heap = next;
  }

  #sum = new Float32Array(0);

  /** `heap[c : c + m·n] (+)= op(A)·op(B)` over contiguous row-major blocks of the heap. */
  matmul(a: number, b: number, c: number, m: number, n: number, k: number, transA: boolean, transB: boolean, _reuseB = false, accumulate = false): void {
    const heap = this.heap;
    if (accumulate) {
      if (this.#sum.length < m * n) this.#sum = new Float32Array(m * n);
      const product = this.#sum.subarray(0, m * n);
      matMul(heap.subarray(a, a + m * k), transA ? [k, m] : [m, k], heap.subarray(b, b + k * n), transB ? [n, k] : [k, n], transA, transB, product, [m, n]);
      for (let i = 0; i < m * n; i++) heap[c + i] += product[i];
      return;
    }
    matMul(
      heap.subarray(a, a + m * k),
      transA ? [k, m] : [m, k],
      heap.subarray(b, b + k * n),
      transB ? [n, k] : [k, n],
      transA,
      transB,
      heap.subarray(c, c + m * n),
      [m, n],
    );
  }
}
