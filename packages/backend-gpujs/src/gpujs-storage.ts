import { DisposedError } from '@gated/core';
/**
 * The part of a gpu.js `Texture` that a storage needs. Declared here rather than imported so that
 * the published types do not load gpu.js's declarations, which need the DOM library (`lib: ["dom"]`)
 * that a Node project does not have.
 */
export interface DeviceTexture {
  /** Frees the texture on the device. */
  delete(): void;
}

/** What a storage holds: a device texture in the GL modes, a host array in `cpu` and `webasm`. */
export type DeviceData = DeviceTexture | Float32Array;

/**
 * A {@link GpujsBackend} storage handle: `size` float32 values, kept on the device between kernels.
 *
 * @remarks Every tensor is stored flat (a 1-D kernel output of `size` elements) whatever its logical
 * shape; kernels do the index arithmetic. Core treats storage as opaque; the wrapper lets the backend
 * count live memory and makes a use after `dispose` fail loudly.
 */
export class GpujsStorage {
  #data: DeviceData | null;

  /** @internal Created by a `GpujsBackend`. */
  constructor(
    data: DeviceData,
    /** The number of float32 elements. */
    readonly size: number,
    /** Device bytes held (a texture is padded to a rectangle of texels). */
    readonly bytes: number,
  ) {
    this.#data = data;
  }

  /** Whether the storage was disposed. */
  get isDisposed(): boolean {
    return this.#data === null;
  }

  /** The texture or array, for kernels. Throws a `DisposedError` naming `op` once disposed. */
  data(op: string): DeviceData {
    if (this.#data === null) throw new DisposedError(`gpujs ${op}: storage was disposed`);
    return this.#data;
  }

  /** @internal Frees the texture; returns false when it was already disposed. */
  release(): boolean {
    const data = this.#data;
    if (data === null) return false;
    this.#data = null;
    if (!(data instanceof Float32Array)) data.delete();
    return true;
  }
}
