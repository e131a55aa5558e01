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
 * @internal The device side of a GL-mode storage, and the token core keeps for it until the garbage
 * collector reports the storage's tensors gone. It names the texture and, while the texture is
 * resident, the storage; when the storage is spilled to the host the link is cut, so that a host copy
 * is never kept alive by the finalization registry.
 */
export class DeviceLease {
  texture: DeviceTexture | null;
  storage: GpujsStorage | null;
  /** Last use, on the runtime's clock; the least recently used storages are spilled first. */
  lastUse = 0;

  constructor(
    texture: DeviceTexture,
    /** Device bytes the texture holds. */
    readonly bytes: number,
  ) {
    this.texture = texture;
    this.storage = null;
  }
}

/**
 * A {@link GpujsBackend} storage handle: `size` float32 values, kept on the device between kernels.
 *
 * @remarks Every tensor is stored flat (a 1-D kernel output of `size` elements) whatever its logical
 * shape; kernels do the index arithmetic. Core treats storage as opaque; the wrapper lets the backend
 * count live memory and makes a use after `dispose` fail loudly. In the GL modes a storage may be
 * spilled: its values copied to a host array and its texture freed, when device memory is over the
 * backend's budget; the next kernel that reads it uploads it again.
 */
export class GpujsStorage {
  #host: Float32Array | null;
  #disposed = false;
  /** @internal The device side in the GL modes (null in the host modes). */
  readonly lease: DeviceLease | null;

  /** @internal Created by a `GpujsBackend`. */
  constructor(
    data: DeviceData,
    /** The number of float32 elements. */
    readonly size: number,
    /** Bytes held (device bytes in the GL modes: a texture is padded to a rectangle of texels). */
    readonly bytes: number,
  ) {
    if (data instanceof Float32Array) {
      this.#host = data;
      this.lease = null;
    } else {
      this.#host = null;
      this.lease = new DeviceLease(data, bytes);
      this.lease.storage = this;
    }
  }

  /** Whether the storage was disposed. */
  get isDisposed(): boolean {
    return this.#disposed;
  }

  /** Whether the values live in a host array (host modes, or a spilled GL storage). */
  get onHost(): boolean {
    return this.#host !== null;
  }

  /**
   * The texture or array, for kernels. Throws a `DisposedError` naming `op` once disposed. A spilled
   * storage has no texture: the runtime restores it before a kernel reads it.
   */
  data(op: string): DeviceData {
    if (this.#disposed) throw new DisposedError(`gpujs ${op}: storage was disposed`);
    const data = this.lease?.texture ?? this.#host;
    if (data === null) throw new DisposedError(`gpujs ${op}: storage has neither a texture nor a host copy`);
    return data;
  }

  /** @internal Moves the values to `host` and cuts the lease's link (the runtime frees the texture). */
  spill(host: Float32Array): void {
    this.#host = host;
    if (this.lease !== null) this.lease.storage = null;
  }

  /** @internal Takes the values back onto the device (`texture` holds them); drops the host copy. */
  restore(texture: DeviceTexture): void {
    if (this.lease === null) throw new DisposedError('gpujs restore: a host-mode storage has no device side');
    this.lease.texture = texture;
    this.lease.storage = this;
    this.#host = null;
  }

  /** @internal Marks the storage disposed and drops the host copy; returns false when it already was. */
  release(): boolean {
    if (this.#disposed) return false;
    this.#disposed = true;
    this.#host = null;
    if (this.lease !== null) this.lease.storage = null;
    return true;
  }
}
