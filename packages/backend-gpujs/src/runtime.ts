import { GPU, type IKernelRunShortcut, type Texture } from 'gpu.js';
import { GpujsFallbackError, GpujsLimitError } from './errors';
import { GpujsStorage, type DeviceData } from './gpujs-storage';
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
  liveStorages = 0;
  liveBytes = 0;

  constructor(readonly mode: GpujsMode) {
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
    return new GpujsStorage(data, size, bytes);
  }

  /** Frees a storage and uncounts it (a second call is a no-op). */
  release(storage: GpujsStorage): void {
    if (storage.release()) {
      this.liveStorages -= 1;
      this.liveBytes -= storage.bytes;
    }
  }

  /** Storage holding a copy of `values` (a texture upload in the GL modes). */
  upload(values: Float32Array): GpujsStorage {
    this.checkSize('upload', values.length);
    if (values.length === 0 || !this.onDevice) return this.adopt(values.slice(), values.length);
    const kernel = this.#kernel(`upload:${values.length}`, () => ({
      source: 'function (a) {\n  return a[this.thread.x];\n}',
      size: values.length,
    }));
    return this.adopt(this.#run(kernel, 'upload', [values]), values.length);
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
    const values = (data as Texture).toArray() as Float32Array;
    if (values instanceof Float32Array && values.length === storage.size) return values.slice();
    return Float32Array.from(values as ArrayLike<number>).subarray(0, storage.size).slice();
  }

  /**
   * Runs the kernel cached under `key` (built from `spec()` on first use) on `args` and adopts its
   * output as new storage. Arguments that are storages are unwrapped.
   */
  run(op: string, key: string, spec: () => KernelSpec, args: readonly (GpujsStorage | DeviceData | number)[]): GpujsStorage {
    const kernel = this.#kernel(key, spec);
    const size = (kernel.output as number[])[0];
    this.checkSize(op, size);
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
