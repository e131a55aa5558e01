import {
  BACKEND_SPECIFICATION_VERSION,
  type Backend,
  type BinaryOp,
  type GruStepArgs,
  type GruStepBackwardArgs,
  type GruStepBackwardResult,
  type GruStepResult,
  type LstmStepArgs,
  type LstmStepBackwardArgs,
  type LstmStepBackwardResult,
  type LstmStepResult,
  type MemoryInfo,
  type ReduceOp,
  type Shape,
  type TensorRef,
  type UnaryOp,
  sizeOfShape,
  ValueError,
} from '@gated/core';
import { DeviceLease, type GpujsStorage } from './gpujs-storage';
import { GpujsModeUnavailableError, probeMode, type GpujsMode } from './mode';
import { GpujsRuntime, type GpujsLimits } from './runtime';
import { unary } from './kernels/unary';
import { binary, binaryScalar, where } from './kernels/binary';
import { matMul } from './kernels/matmul';
import { reduce } from './kernels/reduce';
import { concat, pad, permute, slice } from './kernels/layout';
import { gather, scatterAdd } from './kernels/indexing';
import { gruStep, gruStepBackward, lstmStep, lstmStepBackward } from './kernels/recurrent';

/** Default of {@link GpujsBackendOptions.memoryBudget}: 512 MiB. */
export const DEFAULT_MEMORY_BUDGET = 512 * 1024 * 1024;

/** Options of {@link GpujsBackend.create}. */
export interface GpujsBackendOptions {
  /** The gpu.js mode to run in; never replaced by another one. */
  readonly mode: GpujsMode;
  /**
   * Device bytes (GL modes) above which the least recently used storages are spilled: their values
   * are copied to a host array, which the garbage collector reclaims with their tensors, and their
   * textures are freed; a kernel that reads a spilled storage uploads it again. This bounds device
   * memory in a plain synchronous loop, where tensors dropped without `dispose()` cannot be finalized.
   * `Infinity` turns spilling off. Ignored in the host modes (`cpu`, `webasm`), whose storage is an
   * ordinary typed array. @defaultValue {@link DEFAULT_MEMORY_BUDGET} (512 MiB)
   */
  readonly memoryBudget?: number;
}

const OPTION_KEYS: ReadonlySet<string> = new Set(['mode', 'memoryBudget']);

/**
 * A backend whose kernels are gpu.js kernels: GLSL fragment shaders over float textures in the GL
 * modes (`headlessgl`, `webgl2`, `webgl`), WebAssembly in `webasm`, JavaScript in `cpu`.
 *
 * @remarks Tensors stay on the device between ops: every kernel runs with `pipeline: true,
 * immutable: true`, so its output is a new texture that the next kernel reads directly, and nothing
 * comes back to the host until `read`. Each kernel is generated for one op and shape signature and
 * built once (`kernelCount` counts them). `dispose` deletes the texture, so `scope` frees device
 * memory deterministically. Numbers are float32 (`precision: 'single'`, `tactic: 'precision'`, i.e.
 * `highp`).
 *
 * @example
 * ```ts
 * import { setBackend, tensor } from '@gated/core';
 * import { GpujsBackend } from '@gated/backend-gpujs';
 * const backend = GpujsBackend.create({ mode: 'headlessgl' });
 * console.log(backend.mode); // 'headlessgl', or create() threw a GpujsModeUnavailableError
 * setBackend(backend);
 * const y = tensor([1, 2, 3]).mul(2).sum();
 * ```
 */
export class GpujsBackend implements Backend<GpujsStorage> {
  /** The {@link Backend} contract version this backend implements. */
  readonly specificationVersion = BACKEND_SPECIFICATION_VERSION;
  /** `gpujs:<mode>`, e.g. `gpujs:headlessgl`. */
  readonly name: string;
  /** True in every mode gpu.js runs synchronously (all but webgpu, which is refused). */
  readonly supportsSyncRead = true;
  readonly #runtime: GpujsRuntime;

  private constructor(runtime: GpujsRuntime) {
    this.#runtime = runtime;
    this.name = `gpujs:${runtime.mode}`;
  }

  /**
   * Creates a backend in exactly `options.mode`.
   *
   * @throws GpujsModeUnavailableError when the mode cannot run here; the message says why. There is
   * no fallback to another mode.
   */
  static create(options: GpujsBackendOptions): GpujsBackend {
    if (typeof options !== 'object' || options === null) {
      throw new ValueError(`GpujsBackend.create: options must be an object like { mode: 'headlessgl' }, got ${String(options)}`);
    }
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.has(key)) {
        const hint = key === 'memory_budget' ? " (did you mean 'memoryBudget'?)" : '';
        throw new ValueError(`GpujsBackend.create: unknown option '${key}'${hint}; expected ${[...OPTION_KEYS].map((k) => `'${k}'`).join(', ')}`);
      }
    }
    const budget = options.memoryBudget ?? DEFAULT_MEMORY_BUDGET;
    if (typeof budget !== 'number' || !(budget >= 0)) {
      throw new ValueError(`GpujsBackend.create: memoryBudget must be a number of bytes ≥ 0 (or Infinity), got ${String(options.memoryBudget)}`);
    }
    const probe = probeMode(options.mode);
    if (!probe.available) throw new GpujsModeUnavailableError(options.mode, probe.reason ?? 'unknown reason');
    return new GpujsBackend(new GpujsRuntime(options.mode, budget));
  }

  /** Device bytes above which storages are spilled to the host (see {@link GpujsBackendOptions.memoryBudget}). */
  get memoryBudget(): number {
    return this.#runtime.memoryBudget;
  }

  /** How many times a storage was spilled to the host to keep device memory within the budget. */
  get spills(): number {
    return this.#runtime.spills;
  }

  /** The gpu.js mode that really runs the kernels. */
  get mode(): GpujsMode {
    return this.#runtime.mode;
  }

  /** Size limits checked before every kernel runs. */
  get limits(): GpujsLimits {
    return this.#runtime.limits;
  }

  /** Number of kernels built so far: one per op and shape signature, reused afterwards. */
  get kernelCount(): number {
    return this.#runtime.kernelCount;
  }

  /** Frees every kernel and device resource; the backend must not be used afterwards. */
  destroy(): void {
    this.#runtime.destroy();
  }

  // ---- storage --------------------------------------------------------------------------------

  /** Copies `values` to the device. */
  upload(values: Float32Array): GpujsStorage {
    return this.#runtime.upload(values);
  }

  /** New storage of `size` elements equal to `value` (uploaded, so NaN and ±∞ are exact). */
  fill(size: number, value: number): GpujsStorage {
    this.#runtime.checkSize('fill', size);
    return this.#runtime.upload(new Float32Array(size).fill(value));
  }

  /** Reads the values back to the host. */
  async read(storage: GpujsStorage): Promise<Float32Array> {
    return this.#runtime.read(storage);
  }

  /** Reads the values back to the host synchronously. */
  readSync(storage: GpujsStorage): Float32Array {
    return this.#runtime.read(storage);
  }

  /** Deletes the storage's texture. */
  dispose(storage: GpujsStorage): void {
    this.#runtime.release(storage);
  }

  /**
   * The token core keeps until the garbage collector reports a storage's tensors gone: the texture's
   * lease in the GL modes (it never references a host copy), `null` in the host modes, whose typed
   * arrays the collector reclaims by itself.
   */
  finalizationToken(storage: GpujsStorage): object | null {
    return storage.lease;
  }

  /** Frees the texture of a storage whose tensors were collected without being disposed. */
  reclaim(token: object): void {
    if (token instanceof DeviceLease) this.#runtime.reclaim(token);
  }

  /**
   * Storages holding device memory (GL modes; spilled ones are not counted) or a host array (host
   * modes), and their bytes (textures at their padded size).
   */
  memory(): MemoryInfo {
    return { liveStorages: this.#runtime.liveStorages, liveBytes: this.#runtime.liveBytes };
  }

  // ---- element-wise ----------------------------------------------------------------------------

  unary(op: UnaryOp, x: GpujsStorage, size: number): GpujsStorage {
    if (size === 0) return this.#empty();
    return unary(this.#runtime, op, x, size);
  }

  binary(op: BinaryOp, a: TensorRef<GpujsStorage>, b: TensorRef<GpujsStorage>, outShape: Shape): GpujsStorage {
    if (a.storage.size === 0 || b.storage.size === 0) return this.#empty();
    return binary(this.#runtime, op, a, b, outShape);
  }

  binaryScalar(op: BinaryOp, x: GpujsStorage, scalar: number, size: number, scalarFirst: boolean): GpujsStorage {
    if (size === 0) return this.#empty();
    return binaryScalar(this.#runtime, op, x, scalar, size, scalarFirst);
  }

  where(condition: TensorRef<GpujsStorage>, a: TensorRef<GpujsStorage>, b: TensorRef<GpujsStorage>, outShape: Shape): GpujsStorage {
    if (condition.storage.size === 0 || a.storage.size === 0 || b.storage.size === 0) return this.#empty();
    return where(this.#runtime, condition, a, b, outShape);
  }

  // ---- reductions ------------------------------------------------------------------------------

  reduce(op: ReduceOp, x: TensorRef<GpujsStorage>, axes: readonly number[]): GpujsStorage {
    const size = sizeOfShape(x.shape.filter((_, d) => !axes.includes(d)));
    if (size === 0) return this.#empty();
    const identity = op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity;
    return reduce(this.#runtime, op, x, axes) ?? this.fill(size, identity);
  }


  // ---- linear algebra --------------------------------------------------------------------------

  matMul(a: TensorRef<GpujsStorage>, b: TensorRef<GpujsStorage>, transposeA: boolean, transposeB: boolean, outShape: Shape): GpujsStorage {
    const size = sizeOfShape(outShape);
    if (size === 0) return this.#empty();
    return matMul(this.#runtime, a, b, transposeA, transposeB, outShape) ?? this.fill(size, 0);
  }

  // ---- layout ----------------------------------------------------------------------------------

  permute(x: TensorRef<GpujsStorage>, perm: readonly number[]): GpujsStorage {
    if (x.storage.size === 0) return this.#empty();
    return permute(this.#runtime, x, perm);
  }


  slice(x: TensorRef<GpujsStorage>, begin: readonly number[], size: readonly number[]): GpujsStorage {
    if (sizeOfShape(size) === 0) return this.#empty();
    return slice(this.#runtime, x, begin, size);
  }


  pad(x: TensorRef<GpujsStorage>, padding: readonly (readonly [number, number])[]): GpujsStorage {
    const outSize = sizeOfShape(x.shape.map((n, d) => n + padding[d][0] + padding[d][1]));
    if (outSize === 0) return this.#empty();
    if (x.storage.size === 0) return this.fill(outSize, 0);
    return pad(this.#runtime, x, padding);
  }


  concat(inputs: readonly TensorRef<GpujsStorage>[], axis: number, outShape: Shape): GpujsStorage {
    if (sizeOfShape(outShape) === 0) return this.#empty();
    return concat(this.#runtime, inputs, axis, outShape);
  }


  // ---- indexing --------------------------------------------------------------------------------

  gather(x: TensorRef<GpujsStorage>, indices: GpujsStorage, count: number, axis: number): GpujsStorage {
    if (sizeOfShape(x.shape.map((n, d) => (d === axis ? count : n))) === 0) return this.#empty();
    return gather(this.#runtime, x, indices, count, axis);
  }


  scatterAdd(updates: TensorRef<GpujsStorage>, indices: GpujsStorage, count: number, axis: number, outShape: Shape): GpujsStorage {
    const size = sizeOfShape(outShape);
    if (size === 0) return this.#empty();
    if (count === 0 || updates.storage.size === 0) return this.fill(size, 0);
    return scatterAdd(this.#runtime, updates, indices, count, axis, outShape);
  }


  // ---- fused recurrent kernels -------------------------------------------------------------------

  /** Fused GRU step (`saved`, then `h'` from it: two kernels); matches core's `gruStepComposed`. */
  gruStep(args: GruStepArgs<GpujsStorage>): GruStepResult<GpujsStorage> {
    if (args.batch * args.hiddenSize === 0) return { h: this.#empty(), saved: this.#empty() };
    return gruStep(this.#runtime, args);
  }

  /** Fused GRU step backward (one kernel per result); matches core's `gruStepBackwardComposed`. */
  gruStepBackward(args: GruStepBackwardArgs<GpujsStorage>): GruStepBackwardResult<GpujsStorage> {
    if (args.batch * args.hiddenSize === 0) return { dgx: this.#empty(), dgh: this.#empty(), dhDirect: this.#empty() };
    return gruStepBackward(this.#runtime, args);
  }

  /** Fused LSTM step (`c'`, `saved`, then `h'`: three kernels); matches core's `lstmStepComposed`. */
  lstmStep(args: LstmStepArgs<GpujsStorage>): LstmStepResult<GpujsStorage> {
    if (args.batch * args.hiddenSize === 0) return { h: this.#empty(), c: this.#empty(), saved: this.#empty() };
    return lstmStep(this.#runtime, args);
  }

  /** Fused LSTM step backward (one kernel per result); matches core's `lstmStepBackwardComposed`. */
  lstmStepBackward(args: LstmStepBackwardArgs<GpujsStorage>): LstmStepBackwardResult<GpujsStorage> {
    if (args.batch * args.hiddenSize === 0) return { dgates: this.#empty(), dcPrev: this.#empty() };
    return lstmStepBackward(this.#runtime, args);
  }

  #empty(): GpujsStorage {
    return this.#runtime.adopt(new Float32Array(0), 0);
  }

}
