import { GPU, type IKernelRunShortcut, type Texture } from 'gpu.js';
import { GpujsFallbackError, GpujsLimitError } from './errors';
import { GpujsStorage, type DeviceData, type DeviceLease, type DeviceTexture } from './gpujs-storage';
import { isTextureMode, type GpujsMode } from './mode';

/** Float32 index arithmetic in shaders is exact only for integers below 2^24. */
const FLOAT_EXACT_INTEGER_LIMIT = 2 ** 24;

/** Largest element count of one storage in the host modes (a `Float32Array` of 4 GiB). */
const HOST_ELEMENT_LIMIT = 2 ** 30;

/** Sizes that a kernel output or a storage must respect in one mode. */
export interface GpujsLimits {
  /** Largest texture side the device accepts (`MAX_TEXTURE_SIZE`); `Infinity` for host modes. */
  readonly maxTextureSize: number;
  /** Largest element count of one storage: min(maxTextureSize², 2^24) on GL, 2^30 on host modes. */
  readonly maxElements: number;
}

/** One kernel's source and output length; built once per cache key. */
export interface KernelSpec {
  readonly source: string;
  readonly size: number;
}

/**
 * @internal The per-backend gpu.js state: the `GPU` instance, the kernel cache keyed by shape
 * signature, the limits, and the storage accounting. Kernels in `kernels/*.ts` only describe sources;
 * this class builds, runs and checks them.
 */
export class GpujsRuntime {
  readonly gpu: GPU;
  readonly limits: GpujsLimits;
  readonly onDevice: boolean;
  #kernels = new Map<string, IKernelRunShortcut>();
  #specials: DeviceData | null = null;
  /** Storages holding a texture (GL modes) or a host array (host modes), and their bytes. */
  liveStorages = 0;
  liveBytes = 0;
  /** How many times a storage was spilled to the host to stay within the budget. */
  spills = 0;
  /** Device-resident leases, least recently used first (a `Set` keeps insertion order). */
  readonly #resident = new Set<DeviceLease>();
  // Host-mode storage is an ordinary typed array that the garbage collector reclaims with its
  // tensors; this registry holds only byte counts so that the live counts follow.
  readonly #collected = new FinalizationRegistry<number>((bytes) => {
    this.liveStorages -= 1;
    this.liveBytes -= bytes;
  });

  constructor(
    readonly mode: GpujsMode,
    /** Device bytes above which least recently used storages are spilled to the host (GL modes). */
    readonly memoryBudget: number = Infinity,
  ) {
    this.gpu = new GPU({ mode });
    this.onDevice = isTextureMode(mode);
    const features = (this.gpu.Kernel as unknown as { features?: { maxTextureSize?: number } } | null)?.features;
    const maxTextureSize = this.onDevice ? (features?.maxTextureSize ?? 4096) : Infinity;
    this.limits = {
      maxTextureSize,
      maxElements: this.onDevice ? Math.min(maxTextureSize * maxTextureSize, FLOAT_EXACT_INTEGER_LIMIT) : HOST_ELEMENT_LIMIT,
    };
  }

  /** Number of distinct kernels built so far (one per op and shape signature). */
  get kernelCount(): number {
    return this.#kernels.size;
  }

  /** Throws a {@link GpujsLimitError} when `size` elements cannot be stored or indexed. */
  checkSize(op: string, size: number): void {
    if (size > this.limits.maxElements) {
      const why = this.onDevice
        ? `min(MAX_TEXTURE_SIZE² = ${this.limits.maxTextureSize}², 2^24 for exact float32 indexing)`
        : 'the host-array limit';
      throw new GpujsLimitError(
        `gpujs:${this.mode} ${op}: a tensor of ${size} elements exceeds the limit of ${this.limits.maxElements} elements (${why})`,
      );
    }
  }

  /** Wraps kernel output as storage and counts it. */
  adopt(data: DeviceData, size: number): GpujsStorage {
    const bytes = this.#bytesOf(data, size);
    this.liveStorages += 1;
    this.liveBytes += bytes;
    const storage = new GpujsStorage(data, size, bytes);
    if (storage.lease !== null) this.#touch(storage.lease);
    else this.#collected.register(storage, bytes, storage);
    return storage;
  }

  /** Frees a storage and uncounts it (a second call is a no-op). */
  release(storage: GpujsStorage): void {
    if (!storage.release()) return;
    if (storage.lease === null) {
      this.#collected.unregister(storage);
      this.liveStorages -= 1;
      this.liveBytes -= storage.bytes;
    } else {
      this.reclaim(storage.lease);
    }
  }

  /**
   * Frees a lease's texture, if it still has one: after `release`, or when core reports that every
   * tensor of its storage was collected without being disposed (a spilled lease has nothing left).
   */
  reclaim(lease: DeviceLease): void {
    lease.storage = null;
    if (lease.texture === null) return;
    lease.texture.delete();
    lease.texture = null;
    this.#resident.delete(lease);
    this.liveStorages -= 1;
    this.liveBytes -= lease.bytes;
  }

  /** Storage holding a copy of `values` (a texture upload in the GL modes). */
  upload(values: Float32Array): GpujsStorage {
    this.checkSize('upload', values.length);
    if (values.length === 0 || !this.onDevice) return this.adopt(values.slice(), values.length);
    this.#makeRoom(this.#estimateBytes(values.length), new Set());
    return this.adopt(this.#uploadTexture(values), values.length);
  }

  #uploadTexture(values: Float32Array): DeviceTexture {
    const kernel = this.#kernel(`upload:${values.length}`, () => ({
      source: 'function (a) {\n  return a[this.thread.x];\n}',
      size: values.length,
    }));
    return this.#run(kernel, 'upload', [values]) as DeviceTexture;
  }

  /** Marks a lease most recently used. */
  #touch(lease: DeviceLease): void {
    this.#resident.delete(lease);
    this.#resident.add(lease);
  }

  /**
   * Spills least recently used storages (never those in `pinned`, which the next kernel reads) until
   * `incoming` more bytes fit in the budget, or nothing else can go. A storage whose tensors were all
   * collected but whose finalizer has not run yet is spilled like any other and then collected with
   * its host copy: this is what bounds device memory in a loop that never lets finalizers run.
   */
  #makeRoom(incoming: number, pinned: ReadonlySet<DeviceLease>): void {
    if (this.liveBytes + incoming <= this.memoryBudget) return;
    for (const lease of this.#resident) {
      if (this.liveBytes + incoming <= this.memoryBudget) break;
      if (pinned.has(lease) || lease.storage === null || lease.texture === null) continue;
      const storage = lease.storage;
      storage.spill(this.#readTexture(lease.texture, storage.size));
      this.reclaim(lease);
      this.spills += 1;
    }
  }

  /** Puts a spilled storage back on the device before a kernel reads it. */
  #restore(storage: GpujsStorage, pinned: ReadonlySet<DeviceLease>): void {
    const lease = storage.lease!;
    this.#makeRoom(lease.bytes, pinned);
    storage.restore(this.#uploadTexture(storage.data('restore') as Float32Array));
    this.#resident.add(lease);
    this.liveStorages += 1;
    this.liveBytes += lease.bytes;
  }

  /** Bytes a texture of `size` elements holds, at least (the texture may be padded further). */
  #estimateBytes(size: number): number {
    return size * (this.mode === 'webgl2' ? 4 : 16);
  }

  /** `[NaN, +Infinity, −Infinity]` on the device, for kernels that must produce them (see `SPECIALS`). */
  specials(): DeviceData {
    if (this.#specials === null) {
      const values = new Float32Array([NaN, Infinity, -Infinity]);
      if (this.onDevice) {
        const kernel = this.#kernel('upload:3', () => ({ source: 'function (a) {\n  return a[this.thread.x];\n}', size: 3 }));
        this.#specials = this.#run(kernel, 'specials', [values]);
      } else {
        this.#specials = values;
      }
    }
    return this.#specials;
  }

  /** Host copy of a storage's values. */
  read(storage: GpujsStorage): Float32Array {
    const data = storage.data('read');
    if (data instanceof Float32Array) return data.slice();
    if (storage.lease !== null) this.#touch(storage.lease);
    return this.#readTexture(data, storage.size);
  }

  #readTexture(texture: DeviceTexture, size: number): Float32Array {
    const values = (texture as unknown as Texture).toArray() as Float32Array;
    if (values instanceof Float32Array && values.length === size) return values.slice();
    return Float32Array.from(values as ArrayLike<number>).subarray(0, size).slice();
  }

  /**
   * Runs the kernel cached under `key` (built from `spec()` on first use) on `args` and adopts its
   * output as new storage. Arguments that are storages are unwrapped.
   */
  run(op: string, key: string, spec: () => KernelSpec, args: readonly (GpujsStorage | DeviceData | number)[]): GpujsStorage {
    const kernel = this.#kernel(key, spec);
    const size = (kernel.output as number[])[0];
    this.checkSize(op, size);
    if (this.onDevice) {
      const pinned = new Set<DeviceLease>();
      for (const a of args) if (a instanceof GpujsStorage && a.lease !== null) pinned.add(a.lease);
      for (const a of args) {
        if (!(a instanceof GpujsStorage) || a.lease === null) continue;
        a.data(op); // a disposed storage fails here, before anything moves
        if (a.onHost) this.#restore(a, pinned);
        else this.#touch(a.lease);
      }
      this.#makeRoom(this.#estimateBytes(size), pinned);
    }
    const unwrapped = args.map((a) => (a instanceof GpujsStorage ? a.data(op) : a));
    return this.adopt(this.#run(kernel, op, unwrapped), size);
  }

  /** Destroys every kernel and texture gpu.js holds for this backend. */
  destroy(): void {
    this.#kernels.clear();
    this.gpu.destroy();
  }

  #kernel(key: string, spec: () => KernelSpec): IKernelRunShortcut {
    let kernel = this.#kernels.get(key);
    if (kernel === undefined) {
      const { source, size } = spec();
      this.checkSize(key, size);
      kernel = this.gpu.createKernel(source, {
        output: [size],
        precision: 'single',
        tactic: 'precision',
        pipeline: true,
        immutable: true,
      });
      this.#kernels.set(key, kernel);
    }
    return kernel;
  }

  #run(kernel: IKernelRunShortcut, op: string, args: readonly unknown[]): DeviceData {
    const result = (kernel as unknown as (...a: unknown[]) => unknown)(...args);
    const active = (kernel as unknown as { kernel: { constructor: unknown; fallbackReason?: string | null } }).kernel;
    if (active.constructor !== this.gpu.Kernel) {
      throw new GpujsFallbackError(
        `gpujs:${this.mode} ${op}: gpu.js fell back to its CPU kernel (${active.fallbackReason ?? 'no reason given'}); ` +
          'this backend never runs in another mode than the one asked for',
      );
    }
    return result as DeviceData;
  }

  #bytesOf(data: DeviceData, size: number): number {
    if (data instanceof Float32Array) return data.byteLength;
    const texSize = (data as unknown as { size?: number[] }).size;
    if (!texSize) return size * 4;
    // WebGL1 (headlessgl, webgl) stores single precision as RGBA32F; WebGL2 renders scalars to R32F.
    const bytesPerTexel = this.mode === 'webgl2' ? 4 : 16;
    return texSize[0] * texSize[1] * bytesPerTexel;
  }
}
