import { DisposedError } from '@gated/core';

/**
 * A {@link CpuBackend} storage handle: a `Float32Array` that the backend owns until it is disposed.
 *
 * @remarks Core treats storage as opaque; this wrapper exists so that the backend can count live
 * buffers and so that a use after `dispose` fails loudly instead of reading stale memory.
 */
export class CpuStorage {
  #values: Float32Array | null;

  /** @internal Storage is created by a `CpuBackend`; the array is taken over, not copied. */
  constructor(values: Float32Array) {
    this.#values = values;
  }

  /** Whether the storage was disposed. */
  get isDisposed(): boolean {
    return this.#values === null;
  }

  /** The number of float32 elements (0 once disposed). */
  get size(): number {
    return this.#values === null ? 0 : this.#values.length;
  }

  /**
   * The backing array, for kernels. Throws a `DisposedError` naming `op` once disposed.
   * Kernels may write only into storage they have just allocated.
   */
  values(op: string): Float32Array {
    if (this.#values === null) throw new DisposedError(`cpu ${op}: storage of ${this.constructor.name} was disposed`);
    return this.#values;
  }

  /** @internal Drops the array; returns its byte length, or -1 when it was already disposed. */
  release(): number {
    if (this.#values === null) return -1;
    const bytes = this.#values.byteLength;
    this.#values = null;
    return bytes;
  }
}
