import {
  BACKEND_SPECIFICATION_VERSION,
  DisposedError,
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
  type RecurrentLayerBackwardArgs,
  type RecurrentLayerBackwardResult,
  type RecurrentLayerKernelArgs,
  type RecurrentLayerKernelResult,
  type ReduceOp,
  type Shape,
  type TensorRef,
  type UnaryOp,
  ValueError,
  sizeOfShape,
} from '@gated/core';
import { CpuStorage } from './cpu-storage';
import { unary } from './kernels/unary';
import { binary, binaryScalar, where } from './kernels/binary';
import { reduce } from './kernels/reduce';
import { matMul } from './kernels/matmul';
import { concat, pad, permute, slice } from './kernels/layout';
import { gather, scatterAdd } from './kernels/indexing';
import { gruStep, gruStepBackward, lstmStep, lstmStepBackward } from './kernels/recurrent';
import { recurrentLayerBackward, recurrentLayerForward, savedShapes, type LayerInput, type LayerProblem, type LayerWorkspace } from './kernels/recurrent-layer';
import { JsWorkspace } from './kernels/js-workspace';
import { MAX_AUTO_THREADS, checkCpuBackendOptions, resolveKernelSet, type CpuBackendOptions, type KernelSetName } from './kernel-sets';
import { WasmKernels } from './wasm/wasm-kernels';
import { WasmWorkspace } from './wasm/wasm-workspace';
import { wasmMatMul } from './wasm/wasm-matmul';
import { KernelThreads } from './wasm/thread-pool';
import { WasmLayer, wasmLayerRuns } from './wasm/wasm-layer';

/**
 * The CPU backend: every primitive, the fused GRU/LSTM step kernels and the whole-layer recurrent
 * kernel on `Float32Array`, with a choice of kernel sets ({@link KernelSetName}) and, for the
 * WebAssembly sets, worker threads for large layers and products.
 *
 * @remarks Kernels live as plain functions over typed arrays in `kernels/<family>.ts` (the `js` set,
 * the reference) and as a generated WebAssembly module in `wasm/` (the `wasm-simd` and
 * `wasm-relaxed` sets: the sgemm under `matMul`, and the GRU/LSTM time loops of the whole-layer
 * kernel, split by batch rows across threads); this class only allocates outputs, unwraps storage
 * and keeps the memory count. Nothing is registered on import:
 * pass an instance to `setBackend` or to a creation function's `backend` option.
 *
 * @example
 * ```ts
 * import { setBackend, tensor } from '@gated/core';
 * import { CpuBackend } from '@gated/backend-cpu';
 * setBackend(new CpuBackend());
 * const y = tensor([1, 2, 3]).mul(2).sum();
 * ```
 */
export class CpuBackend implements Backend<CpuStorage> {
  /** The {@link Backend} contract version this backend implements. */
  readonly specificationVersion = BACKEND_SPECIFICATION_VERSION;
  /** `cpu`. */
  readonly name = 'cpu';
  /** Always true: the data already lives on the host. */
  readonly supportsSyncRead = true;

  #liveStorages = 0;
  #liveBytes = 0;
  // Storage is an ordinary typed array, reclaimed by the garbage collector with the tensors that hold
  // it; this registry (which holds only byte counts) keeps `memory()` true once it has been.
  readonly #collected = new FinalizationRegistry<number>((bytes) => {
    this.#liveStorages -= 1;
    this.#liveBytes -= bytes;
  });
  readonly #workspace: LayerWorkspace;
  readonly #wasm: WasmKernels | null;
  readonly #threads: KernelThreads | null;
  readonly #layer: WasmLayer | null;

  /** The kernel set this backend runs (see {@link KernelSetName}), fixed at construction. */
  readonly kernels: KernelSetName;

  /**
   * @param options - `kernels`: the kernel set, or `auto` (the default) for the fastest this engine
   * validates; `threads`: the most threads, or `auto` (the default). An unknown key or value is a
   * `ValueError` naming it.
   */
  constructor(options?: CpuBackendOptions) {
    const checked = checkCpuBackendOptions(options);
    const requested = checked.kernels ?? 'auto';
    let kernels = resolveKernelSet(requested);
    let wasm = CpuBackend.#prepared;
    CpuBackend.#prepared = null;
    if (kernels !== 'js' && wasm === null) {
      try {
        wasm = WasmKernels.create(kernels === 'wasm-relaxed');
      } catch (error) {
        // A browser's main thread refuses to compile a module over 4 KB synchronously.
        if (requested !== 'auto') {
          throw new ValueError(
            `CpuBackend: the ${kernels} module cannot be compiled synchronously here (${String(error)}); use await CpuBackend.create({ kernels: '${kernels}' })`,
          );
        }
        kernels = 'js';
      }
    }
    this.kernels = kernels;
    this.#wasm = kernels === 'js' ? null : wasm;
    this.#workspace = this.#wasm === null ? new JsWorkspace() : new WasmWorkspace(this.#wasm);
    this.#threads = this.#wasm === null ? null : new KernelThreads(this.#wasm, checked.threads ?? 'auto', MAX_AUTO_THREADS);
    this.#layer = this.#wasm === null ? null : new WasmLayer(this.#wasm, this.#threads as KernelThreads);
  }

  /**
   * The threads the kernels run on now, the calling thread included: 1 for the `js` set, where
   * `SharedArrayBuffer` is unavailable, or with `threads: 1`; with more allowed, 1 until the worker
   * threads have started (at the first call large enough to use them, or {@link CpuBackend.startThreads}).
   */
  get threads(): number {
    return this.#threads?.running ?? 1;
  }

  /**
   * Starts the worker threads now rather than at the first large call, and resolves to the number of
   * threads then running (1 where none can start).
   *
   * @example
   * ```ts
   * const backend = new CpuBackend({ threads: 2 });
   * console.log(await backend.startThreads()); // 2 where SharedArrayBuffer and a wasm set are available
   * ```
   */
  startThreads(): Promise<number> {
    return this.#threads?.start() ?? Promise.resolve(1);
  }

  /** Ends the worker threads (they also end when the backend is garbage-collected); later calls run on the calling thread. */
  stopThreads(): void {
    this.#threads?.close();
  }

  static #prepared: WasmKernels | null = null;

  /**
   * Creates a backend, compiling the WebAssembly module asynchronously: the way to get the wasm
   * kernel sets on a browser's main thread, where `new CpuBackend()` (synchronous compilation) falls
   * back to `js` under `auto` and throws for an explicit wasm set.
   *
   * @example
   * ```ts
   * const backend = await CpuBackend.create(); // kernels: 'auto'
   * ```
   */
  static async create(options?: CpuBackendOptions): Promise<CpuBackend> {
    const kernels = resolveKernelSet(checkCpuBackendOptions(options).kernels ?? 'auto');
    const wasm = kernels === 'js' ? null : await WasmKernels.instantiate(kernels === 'wasm-relaxed');
    CpuBackend.#prepared = wasm;
    try {
      return new CpuBackend({ ...options, kernels });
    } finally {
      CpuBackend.#prepared = null;
    }
  }

  #allocate(size: number): CpuStorage {
    const values = new Float32Array(size);
    this.#liveStorages += 1;
    this.#liveBytes += values.byteLength;
    const storage = new CpuStorage(values);
    this.#collected.register(storage, values.byteLength, storage);
    return storage;
  }

  // ---- storage --------------------------------------------------------------------------------

  /** Copies `values` into new storage. */
  upload(values: Float32Array): CpuStorage {
    const storage = this.#allocate(values.length);
    storage.values('upload').set(values);
    return storage;
  }

  /** New storage of `size` elements equal to `value`. */
  fill(size: number, value: number): CpuStorage {
    const storage = this.#allocate(size);
    if (value !== 0) storage.values('fill').fill(value);
    return storage;
  }

  /** A copy of the values; rejects with a `DisposedError` once the storage is disposed. */
  async read(storage: CpuStorage): Promise<Float32Array> {
    return this.readSync(storage);
  }

  /** A copy of the values; throws a `DisposedError` once the storage is disposed. */
  readSync(storage: CpuStorage): Float32Array {
    return storage.values('read').slice();
  }

  /** Frees the storage. A second dispose of the same storage is ignored. */
  dispose(storage: CpuStorage): void {
    if (!(storage instanceof CpuStorage)) {
      throw new DisposedError(`cpu dispose: expected storage created by this backend, got ${String(storage)}`);
    }
    const bytes = storage.release();
    if (bytes < 0) return;
    this.#collected.unregister(storage);
    this.#liveStorages -= 1;
    this.#liveBytes -= bytes;
  }

  /**
   * `null`: host storage needs no finalizer, so core keeps no reference to it and the garbage
   * collector reclaims it with its tensors, also in a synchronous loop.
   */
  finalizationToken(): null {
    return null;
  }

  /**
   * Storages allocated by this backend and neither disposed nor reclaimed, and their bytes. Storage the
   * garbage collector reclaimed leaves the count when its finalizer runs, after the event loop turns.
   */
  memory(): MemoryInfo {
    return { liveStorages: this.#liveStorages, liveBytes: this.#liveBytes };
  }

  // ---- element-wise ----------------------------------------------------------------------------

  /** `out[i] = op(x[i])`. */
  unary(op: UnaryOp, x: CpuStorage, size: number): CpuStorage {
    const out = this.#allocate(size);
    unary(op, x.values(op), out.values(op), size);
    return out;
  }

  /** NumPy-broadcasting `op(a, b)`. */
  binary(op: BinaryOp, a: TensorRef<CpuStorage>, b: TensorRef<CpuStorage>, outShape: Shape): CpuStorage {
    const out = this.#allocate(sizeOfShape(outShape));
    binary(op, a.storage.values(op), a.shape, b.storage.values(op), b.shape, out.values(op), outShape);
    return out;
  }

  /** `op(x, scalar)`, or `op(scalar, x)` when `scalarFirst`. */
  binaryScalar(op: BinaryOp, x: CpuStorage, scalar: number, size: number, scalarFirst: boolean): CpuStorage {
    const out = this.#allocate(size);
    binaryScalar(op, x.values(op), scalar, out.values(op), size, scalarFirst);
    return out;
  }

  /** NumPy-broadcasting `condition ≠ 0 ? a : b`. */
  where(condition: TensorRef<CpuStorage>, a: TensorRef<CpuStorage>, b: TensorRef<CpuStorage>, outShape: Shape): CpuStorage {
    const out = this.#allocate(sizeOfShape(outShape));
    where(
      condition.storage.values('where'),
      condition.shape,
      a.storage.values('where'),
      a.shape,
      b.storage.values('where'),
      b.shape,
      out.values('where'),
      outShape,
    );
    return out;
  }

  // ---- reductions ------------------------------------------------------------------------------

  /** Sum, max or min over `axes`, which are removed from the output. */
  reduce(op: ReduceOp, x: TensorRef<CpuStorage>, axes: readonly number[]): CpuStorage {
    let size = 1;
    for (let d = 0; d < x.shape.length; d++) if (!axes.includes(d)) size *= x.shape[d];
    const out = this.#allocate(size);
    reduce(op, x.storage.values(op), x.shape, axes, out.values(op));
    return out;
  }

  // ---- linear algebra --------------------------------------------------------------------------

  /**
   * Batched `op(a) · op(b)` with broadcast batch dimensions: the wasm sgemm for a single product
   * large enough to pay for the copies (with a wasm kernel set), else the JS kernel.
   */
  matMul(a: TensorRef<CpuStorage>, b: TensorRef<CpuStorage>, transposeA: boolean, transposeB: boolean, outShape: Shape): CpuStorage {
    const out = this.#allocate(sizeOfShape(outShape));
    if (
      this.#wasm !== null &&
      wasmMatMul(this.#wasm, a.storage.values('matMul'), a.shape, b.storage.values('matMul'), b.shape, transposeA, transposeB, out.values('matMul'), outShape, { threads: this.#threads })
    ) {
      return out;
    }
    matMul(a.storage.values('matMul'), a.shape, b.storage.values('matMul'), b.shape, transposeA, transposeB, out.values('matMul'), outShape);
    return out;
  }

  // ---- layout ----------------------------------------------------------------------------------

  /** `x.permute(perm)`, contiguous. */
  permute(x: TensorRef<CpuStorage>, perm: readonly number[]): CpuStorage {
    const out = this.#allocate(sizeOfShape(x.shape));
    permute(x.storage.values('permute'), x.shape, perm, out.values('permute'));
    return out;
  }

  /** The block of `x` at `begin` with `size` elements per axis. */
  slice(x: TensorRef<CpuStorage>, begin: readonly number[], size: readonly number[]): CpuStorage {
    const out = this.#allocate(sizeOfShape(size));
    slice(x.storage.values('slice'), x.shape, begin, size, out.values('slice'));
    return out;
  }

  /** Zero padding by `padding[d] = [before, after]`. */
  pad(x: TensorRef<CpuStorage>, padding: readonly (readonly [number, number])[]): CpuStorage {
    let size = 1;
    for (let d = 0; d < x.shape.length; d++) size *= x.shape[d] + padding[d][0] + padding[d][1];
    const out = this.#allocate(size);
    pad(x.storage.values('pad'), x.shape, padding, out.values('pad'));
    return out;
  }

  /** Concatenation along `axis`. */
  concat(inputs: readonly TensorRef<CpuStorage>[], axis: number, outShape: Shape): CpuStorage {
    const out = this.#allocate(sizeOfShape(outShape));
    concat(
      inputs.map((t) => t.storage.values('concat')),
      inputs.map((t) => t.shape),
      axis,
      out.values('concat'),
      outShape,
    );
    return out;
  }

  // ---- indexing --------------------------------------------------------------------------------

  /** Selects `count` slices of `x` along `axis`. */
  gather(x: TensorRef<CpuStorage>, indices: CpuStorage, count: number, axis: number): CpuStorage {
    let size = count;
    for (let d = 0; d < x.shape.length; d++) if (d !== axis) size *= x.shape[d];
    const out = this.#allocate(size);
    try {
      gather(x.storage.values('gather'), x.shape, indices.values('gather'), count, axis, out.values('gather'));
    } catch (error) {
      this.dispose(out);
      throw error;
    }
    return out;
  }

  /** Adds slices of `updates` into a zero tensor of `outShape` at `indices` along `axis`. */
  scatterAdd(updates: TensorRef<CpuStorage>, indices: CpuStorage, count: number, axis: number, outShape: Shape): CpuStorage {
    const out = this.#allocate(sizeOfShape(outShape));
    try {
      scatterAdd(updates.storage.values('scatterAdd'), indices.values('scatterAdd'), count, axis, out.values('scatterAdd'), outShape);
    } catch (error) {
      this.dispose(out);
      throw error;
    }
    return out;
  }

  // ---- fused recurrent kernels -------------------------------------------------------------------

  /** Fused GRU step; matches core's composed step. */
  gruStep(args: GruStepArgs<CpuStorage>): GruStepResult<CpuStorage> {
    const { batch, hiddenSize } = args;
    const h = this.#allocate(batch * hiddenSize);
    const saved = this.#allocate(batch * 4 * hiddenSize);
    gruStep(
      args.gx.values('gruStep'),
      args.gh.values('gruStep'),
      args.h.values('gruStep'),
      batch,
      hiddenSize,
      h.values('gruStep'),
      saved.values('gruStep'),
    );
    return { h, saved };
  }

  /** Fused GRU step backward; matches core's composed backward. */
  gruStepBackward(args: GruStepBackwardArgs<CpuStorage>): GruStepBackwardResult<CpuStorage> {
    const { batch, hiddenSize } = args;
    const dgx = this.#allocate(batch * 3 * hiddenSize);
    const dgh = this.#allocate(batch * 3 * hiddenSize);
    const dhDirect = this.#allocate(batch * hiddenSize);
    gruStepBackward(
      args.dh.values('gruStepBackward'),
      args.h.values('gruStepBackward'),
      args.saved.values('gruStepBackward'),
      batch,
      hiddenSize,
      dgx.values('gruStepBackward'),
      dgh.values('gruStepBackward'),
      dhDirect.values('gruStepBackward'),
    );
    return { dgx, dgh, dhDirect };
  }

  /** Fused LSTM step; matches core's composed step. */
  lstmStep(args: LstmStepArgs<CpuStorage>): LstmStepResult<CpuStorage> {
    const { batch, hiddenSize } = args;
    const h = this.#allocate(batch * hiddenSize);
    const c = this.#allocate(batch * hiddenSize);
    const saved = this.#allocate(batch * 5 * hiddenSize);
    lstmStep(
      args.gx.values('lstmStep'),
      args.gh.values('lstmStep'),
      args.c.values('lstmStep'),
      batch,
      hiddenSize,
      h.values('lstmStep'),
      c.values('lstmStep'),
      saved.values('lstmStep'),
    );
    return { h, c, saved };
  }

  /** Fused LSTM step backward; matches core's composed backward. */
  lstmStepBackward(args: LstmStepBackwardArgs<CpuStorage>): LstmStepBackwardResult<CpuStorage> {
    const { batch, hiddenSize } = args;
    const dgates = this.#allocate(batch * 4 * hiddenSize);
    const dcPrev = this.#allocate(batch * hiddenSize);
    lstmStepBackward(
      args.dh.values('lstmStepBackward'),
      args.dc.values('lstmStepBackward'),
      args.c.values('lstmStepBackward'),
      args.saved.values('lstmStepBackward'),
      batch,
      hiddenSize,
      dgates.values('lstmStepBackward'),
      dcPrev.values('lstmStepBackward'),
    );
    return { dgates, dcPrev };
  }

  // ---- whole-layer recurrent kernel ---------------------------------------------------------------

  #problem(args: RecurrentLayerKernelArgs<CpuStorage>, op: string): LayerProblem {
    return {
      cell: args.cell,
      seqLen: args.seqLen,
      batch: args.batch,
      hiddenSize: args.hiddenSize,
      weightHh: args.weightHh.values(op),
      biasHh: args.biasHh === null ? null : args.biasHh.values(op),
      mask: args.mask,
    };
  }

  #input(args: RecurrentLayerKernelArgs<CpuStorage>, op: string): LayerInput | null {
    const input = args.input;
    if (input === null) return null;
    return { x: input.x.values(op), weightIh: input.weightIh.values(op), biasIh: input.biasIh === null ? null : input.biasIh.values(op), inputSize: input.inputSize };
  }

  /**
   * One layer and direction over all steps in one call: in the wasm sets the GRU and LSTM (hidden
   * size a multiple of 4) run the time loop inside the module, split by batch rows across threads;
   * everything else runs the JS loop in a workspace reused across calls.
   */
  recurrentLayer(args: RecurrentLayerKernelArgs<CpuStorage>): RecurrentLayerKernelResult<CpuStorage> {
    const op = 'recurrentLayer';
    const problem = this.#problem(args, op);
    const storages: CpuStorage[] = [];
    const allocate = (size: number) => {
      const s = this.#allocate(size);
      storages.push(s);
      return s.values(op);
    };
    const gx = args.gx === null ? null : args.gx.values(op);
    const input = this.#input(args, op);
    const h0 = args.h0.values(op);
    const c0 = args.c0 === null ? null : args.c0.values(op);
    if (this.#layer !== null && wasmLayerRuns(problem)) this.#layer.forward(problem, gx, input, h0, c0, args.keepForBackward, allocate);
    else recurrentLayerForward(this.#workspace, problem, gx, input, h0, c0, args.keepForBackward, allocate);
    const [packed, ...saved] = storages;
    const shapes = savedShapes(problem);
    return { packed, saved: saved.map((storage, i) => ({ storage, shape: shapes[i] })) };
  }

  /** Backpropagation through time of {@link CpuBackend.recurrentLayer}. */
  recurrentLayerBackward(args: RecurrentLayerBackwardArgs<CpuStorage>): RecurrentLayerBackwardResult<CpuStorage> {
    const op = 'recurrentLayerBackward';
    const problem = this.#problem(args, op);
    const storages = new Map<Float32Array, CpuStorage>();
    const allocate = (size: number) => {
      const s = this.#allocate(size);
      const values = s.values(op);
      storages.set(values, s);
      return values;
    };
    const input = this.#input(args, op);
    const saved = args.saved.map((s) => s.values(op));
    const gradPacked = args.gradPacked.values(op);
    const grads =
      this.#layer !== null && wasmLayerRuns(problem)
        ? this.#layer.backward(problem, input, saved, gradPacked, allocate)
        : recurrentLayerBackward(this.#workspace, problem, input, saved, gradPacked, allocate);
    const own = (values: Float32Array | null) => (values === null ? null : (storages.get(values) as CpuStorage));
    return {
      gradGx: own(grads.gradGx),
      gradX: own(grads.gradX),
      gradWeightIh: own(grads.gradWeightIh),
      gradBiasIh: own(grads.gradBiasIh),
      gradH0: own(grads.gradH0) as CpuStorage,
      gradC0: own(grads.gradC0),
      gradWeightHh: own(grads.gradWeightHh) as CpuStorage,
      gradBiasHh: own(grads.gradBiasHh),
    };
  }
}
