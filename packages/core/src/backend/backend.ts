/**
 * The contract between `@gated/core` and a compute backend.
 *
 * A backend owns storage (opaque handles to float32 buffers, on the host or on a device) and runs
 * a small set of primitive kernels over it. Everything else (ops, broadcasting rules, shape checks,
 * autograd, layers) is composed once in core. Backends never see gradients: a backward pass is just
 * more forward kernels issued by core.
 *
 * Core validates every argument before it calls a kernel, so a kernel may trust its inputs: shapes
 * agree, axes are normalised and in range, outputs are freshly allocated, contiguous and row-major.
 */

/** A tensor shape: the size of each dimension, outermost first. `[]` is a scalar. */
export type Shape = readonly number[];

/** The version of the {@link Backend} contract this build of core speaks. */
export const BACKEND_SPECIFICATION_VERSION = 'v1' as const;

/** Element-wise functions of one argument that every backend implements. */
export type UnaryOp =
  | 'neg'
  | 'abs'
  | 'sign'
  | 'exp'
  | 'log'
  | 'log1p'
  | 'sqrt'
  | 'reciprocal'
  | 'square'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'gelu'
  | 'erf';

/**
 * Element-wise functions of two arguments. Comparisons return `1` where true and `0` where false.
 * `maximum` / `minimum` propagate NaN like PyTorch's `torch.maximum`.
 */
export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'pow'
  | 'maximum'
  | 'minimum'
  | 'eq'
  | 'ne'
  | 'lt'
  | 'le'
  | 'gt'
  | 'ge';

/** Reductions over a set of axes. `max` and `min` ignore nothing: a NaN in the input gives NaN. */
export type ReduceOp = 'sum' | 'max' | 'min';

/** A storage handle together with the logical shape core holds for it. */
export interface TensorRef<S = unknown> {
  readonly storage: S;
  readonly shape: Shape;
}

/** Memory accounting a backend reports, so that leaks are testable. */
export interface MemoryInfo {
  /** Storages allocated and neither disposed nor reclaimed by the garbage collector. */
  readonly liveStorages: number;
  /** Bytes held by those storages. */
  readonly liveBytes: number;
}

/** Arguments of the optional fused GRU step (PyTorch's `resetAfter` formulation). */
export interface GruStepArgs<S = unknown> {
  /** Input projection for this step, `x·W_ihᵀ + b_ih`: `[batch, 3·hiddenSize]`, gate order r, z, n. */
  readonly gx: S;
  /** Hidden projection for this step, `h·W_hhᵀ + b_hh`: `[batch, 3·hiddenSize]`, gate order r, z, n. */
  readonly gh: S;
  /** Previous hidden state: `[batch, hiddenSize]`. */
  readonly h: S;
  readonly batch: number;
  readonly hiddenSize: number;
}

/** Result of a fused GRU step. */
export interface GruStepResult<S = unknown> {
  /**
   * Next hidden state `h' = (1 − z) ⊙ n + z ⊙ h`, evaluated as `n + z ⊙ (h − n)` (the rounding of
   * PyTorch's `aten/src/ATen/native/RNN.cpp`): `[batch, hiddenSize]`.
   */
  readonly h: S;
  /**
   * What the backward step needs, packed `[batch, 4·hiddenSize]` as `r | z | n | ghn` where
   * `ghn = (h·W_hhᵀ + b_hh)[n-slice]`. The layout is part of the contract so that a fused forward
   * and the composed backward (or the reverse) interoperate.
   */
  readonly saved: S;
}

/** Arguments of the optional fused GRU step backward. */
export interface GruStepBackwardArgs<S = unknown> {
  /** Gradient of the loss with respect to the step's output `h'`: `[batch, hiddenSize]`. */
  readonly dh: S;
  /** The previous hidden state the forward step received: `[batch, hiddenSize]`. */
  readonly h: S;
  /** The `saved` storage the forward step returned: `[batch, 4·hiddenSize]`. */
  readonly saved: S;
  readonly batch: number;
  readonly hiddenSize: number;
}

/** Result of a fused GRU step backward. */
export interface GruStepBackwardResult<S = unknown> {
  /** Gradient with respect to `gx`: `[batch, 3·hiddenSize]`. */
  readonly dgx: S;
  /** Gradient with respect to `gh`: `[batch, 3·hiddenSize]` (differs from `dgx` in the n-slice). */
  readonly dgh: S;
  /** The part of the gradient with respect to `h` that flows directly, `dh' ⊙ z`: `[batch, hiddenSize]`. */
  readonly dhDirect: S;
}

/** Arguments of the optional fused LSTM step (PyTorch gate order i, f, g, o). */
export interface LstmStepArgs<S = unknown> {
  /** Input projection for this step, `x·W_ihᵀ + b_ih`: `[batch, 4·hiddenSize]`. */
  readonly gx: S;
  /** Hidden projection for this step, `h·W_hhᵀ + b_hh`: `[batch, 4·hiddenSize]`. */
  readonly gh: S;
  /** Previous cell state: `[batch, hiddenSize]`. */
  readonly c: S;
  readonly batch: number;
  readonly hiddenSize: number;
}

/** Result of a fused LSTM step. */
export interface LstmStepResult<S = unknown> {
  /** Next hidden state `h' = o ⊙ tanh(c')`: `[batch, hiddenSize]`. */
  readonly h: S;
  /** Next cell state `c' = f ⊙ c + i ⊙ g`: `[batch, hiddenSize]`. */
  readonly c: S;
  /** Packed `[batch, 5·hiddenSize]` as `i | f | g | o | tanh(c')`. */
  readonly saved: S;
}

/** Arguments of the optional fused LSTM step backward. */
export interface LstmStepBackwardArgs<S = unknown> {
  /** Gradient with respect to `h'`: `[batch, hiddenSize]`. */
  readonly dh: S;
  /** Gradient with respect to `c'` from later steps: `[batch, hiddenSize]`. */
  readonly dc: S;
  /** The previous cell state the forward step received: `[batch, hiddenSize]`. */
  readonly c: S;
  /** The `saved` storage the forward step returned. */
  readonly saved: S;
  readonly batch: number;
  readonly hiddenSize: number;
}

/** Result of a fused LSTM step backward. */
export interface LstmStepBackwardResult<S = unknown> {
  /** Gradient with respect to the pre-activation gates (equal for `gx` and `gh`): `[batch, 4·hiddenSize]`. */
  readonly dgates: S;
  /** Gradient with respect to the previous cell state: `[batch, hiddenSize]`. */
  readonly dcPrev: S;
}

/**
 * The cells a whole-layer kernel ({@link Backend.recurrentLayer}) may be asked to run; the formulas are
 * those of core's cells (`GRU_CELL`, `GRU_RESET_BEFORE_CELL`, `LSTM_CELL`), which define the numbers.
 *
 * - `gru`: PyTorch's GRU (gate order r, z, n; reset gate applied after the hidden matmul).
 * - `gruResetBefore`: the GRU of Cho et al. 2014 / Keras `reset_after=False` (`(r ⊙ h)·W_hnᵀ`).
 * - `lstm`: PyTorch's LSTM (gate order i, f, g, o).
 */
export type RecurrentLayerCell = 'gru' | 'gruResetBefore' | 'lstm';

/**
 * The input side of one layer and direction, for a whole-layer kernel that computes the input
 * projection `x·W_ihᵀ + b_ih` itself (see {@link RecurrentLayerKernelArgs.input}).
 */
export interface RecurrentLayerInput<S = unknown> {
  /** The layer's input, time-major `[seqLen, batch, inputSize]` (core has already zeroed padded steps). */
  readonly x: S;
  /** `W_ih`: `[gateCount·hiddenSize, inputSize]`. */
  readonly weightIh: S;
  /** `b_ih`: `[gateCount·hiddenSize]`, or `null`. */
  readonly biasIh: S | null;
  readonly inputSize: number;
}

/** Arguments of the optional whole-layer recurrent kernel: one layer and one direction, all steps. */
export interface RecurrentLayerKernelArgs<S = unknown> {
  /** Which cell's formulas to run. */
  readonly cell: RecurrentLayerCell;
  /**
   * Input projection of every step, `x·W_ihᵀ + b_ih`: `[seqLen, batch, gateCount·hiddenSize]`; `null`
   * when {@link RecurrentLayerKernelArgs.input} is given instead. Exactly one of the two is set.
   */
  readonly gx: S | null;
  /**
   * The input and its weights, for the kernel to compute the projection itself (core's RNN modules
   * pass this form: it saves writing and re-reading `gx`, and lets the kernel fold `b_ih` into the gate
   * math); `null` when `gx` is given. The numbers must equal `gx = x·W_ihᵀ + b_ih` run through the
   * `gx` form.
   */
  readonly input: RecurrentLayerInput<S> | null;
  /** Initial hidden state: `[batch, hiddenSize]`. */
  readonly h0: S;
  /** Initial cell state `[batch, hiddenSize]` for `lstm`, else `null`. */
  readonly c0: S | null;
  /** `W_hh`: `[gateCount·hiddenSize, hiddenSize]`. */
  readonly weightHh: S;
  /** `b_hh`: `[gateCount·hiddenSize]`, or `null`. */
  readonly biasHh: S | null;
  /**
   * Per-step validity `[seqLen, batch]` (row-major, host memory), `1` where step `t < length[b]`;
   * `null` when every step is valid. Padding is never read: where `mask[t, b] = 0` the state is
   * carried by selection (never by multiplying with 0, since `0 · NaN = NaN`) and the output is 0.
   */
  readonly mask: Float32Array | null;
  readonly seqLen: number;
  readonly batch: number;
  readonly hiddenSize: number;
  /** Whether to return what {@link Backend.recurrentLayerBackward} needs (false: inference). */
  readonly keepForBackward: boolean;
}

/** Result of the whole-layer recurrent kernel. */
export interface RecurrentLayerKernelResult<S = unknown> {
  /**
   * Packed `[seqLen + 1 (+ 1 for lstm), batch, hiddenSize]`: the output of every step (exactly `0`
   * where masked), then the last valid hidden state, then (lstm) the last valid cell state.
   */
  readonly packed: S;
  /**
   * What the backward needs, in a layout private to the backend (core keeps these storages alive
   * as saved tensors and hands them back unchanged); empty when `keepForBackward` is false.
   */
  readonly saved: readonly TensorRef<S>[];
}

/** Arguments of the whole-layer backward (backpropagation through time). */
export interface RecurrentLayerBackwardArgs<S = unknown> extends RecurrentLayerKernelArgs<S> {
  /** The `saved` storages the forward returned, in order. */
  readonly saved: readonly S[];
  /** Gradient with respect to the packed output, same shape as `packed`. */
  readonly gradPacked: S;
}

/** Gradients of the whole-layer kernel. */
export interface RecurrentLayerBackwardResult<S = unknown> {
  /**
   * Gradient with respect to `gx`: `[seqLen, batch, gateCount·hiddenSize]`, exactly `0` where the
   * step is masked (even where `gx` there is NaN or infinite); `null` for the `input` form.
   */
  readonly gradGx: S | null;
  /** The `input` form: gradient with respect to `x`, `[seqLen, batch, inputSize]` (exactly `0` at masked steps); else `null`. */
  readonly gradX: S | null;
  /** The `input` form: gradient with respect to `W_ih`, `[gateCount·hiddenSize, inputSize]`; else `null`. */
  readonly gradWeightIh: S | null;
  /** The `input` form with `b_ih`: gradient with respect to `b_ih`, `[gateCount·hiddenSize]`; else `null`. */
  readonly gradBiasIh: S | null;
  /** Gradient with respect to `h0`: `[batch, hiddenSize]`. */
  readonly gradH0: S;
  /** Gradient with respect to `c0` (lstm), else `null`. */
  readonly gradC0: S | null;
  /** Gradient with respect to `W_hh`: `[gateCount·hiddenSize, hiddenSize]`. */
  readonly gradWeightHh: S;
  /** Gradient with respect to `b_hh` `[gateCount·hiddenSize]`, or `null` without bias. */
  readonly gradBiasHh: S | null;
}

/**
 * A compute backend. Implement the required primitives; the fused recurrent kernels are optional,
 * and core falls back to a composition of primitives (same numbers, more kernel launches) when a
 * backend leaves them out.
 *
 * @typeParam S - the backend's storage handle type.
 */
export interface Backend<S = unknown> {
  /** Version of this contract the backend implements; core refuses a backend that speaks another. */
  readonly specificationVersion: typeof BACKEND_SPECIFICATION_VERSION;
  /** A short name for messages and benchmarks, e.g. `cpu` or `gpujs:headlessgl`. */
  readonly name: string;
  /** Whether {@link Backend.readSync} is available (false for a device that only reads back asynchronously). */
  readonly supportsSyncRead: boolean;

  // ---- storage --------------------------------------------------------------------------------
  /** Copies `values` into new storage. The backend must not keep a reference to `values`. */
  upload(values: Float32Array): S;
  /** Allocates storage of `size` elements, every one equal to `value`. */
  fill(size: number, value: number): S;
  /** Reads storage back to the host. The returned array is the caller's to keep. */
  read(storage: S): Promise<Float32Array>;
  /** Reads storage back synchronously; throws where {@link Backend.supportsSyncRead} is false. */
  readSync(storage: S): Float32Array;
  /** Frees storage. Core calls it once per storage, when the last tensor sharing it is released. */
  dispose(storage: S): void;
  /**
   * What core must hand back to {@link Backend.reclaim} when every tensor holding `storage` became
   * unreachable without being disposed, or `null` when the garbage collector reclaims the storage by
   * itself (a host typed array), in which case core keeps nothing for it.
   *
   * @remarks Core keeps the token, never the storage, until the collector reports the tensors gone;
   * so the token must not reference the storage, or a host copy of it, or they could not be collected
   * until finalizers run (which a synchronous training loop never lets happen). A device backend
   * returns a small object naming its device resource. A backend without this method has its storage
   * kept by core and passed to {@link Backend.dispose} when its tensors are collected.
   */
  finalizationToken?(storage: S): object | null;
  /** Frees what a token from {@link Backend.finalizationToken} names (called from a finalizer). */
  reclaim?(token: object): void;
  /** Live storage accounting. */
  memory(): MemoryInfo;

  // ---- element-wise ----------------------------------------------------------------------------
  /** `out[i] = op(x[i])`; `size` elements. */
  unary(op: UnaryOp, x: S, size: number): S;
  /** NumPy-broadcasting `op(a, b)`; `outShape` is the broadcast of both shapes. */
  binary(op: BinaryOp, a: TensorRef<S>, b: TensorRef<S>, outShape: Shape): S;
  /** `op(x, scalar)`, or `op(scalar, x)` when `scalarFirst`; `size` elements. */
  binaryScalar(op: BinaryOp, x: S, scalar: number, size: number, scalarFirst: boolean): S;
  /** NumPy-broadcasting `condition != 0 ? a : b`. */
  where(condition: TensorRef<S>, a: TensorRef<S>, b: TensorRef<S>, outShape: Shape): S;

  // ---- reductions ------------------------------------------------------------------------------
  /**
   * Reduces `x` over `axes` (sorted, unique, in range, possibly empty). The output has the reduced
   * axes removed; core reshapes for `keepDims`. Reducing a size-0 axis gives the op's identity
   * (`0` for sum, `-Infinity` / `Infinity` for max / min).
   */
  reduce(op: ReduceOp, x: TensorRef<S>, axes: readonly number[]): S;

  // ---- linear algebra --------------------------------------------------------------------------
  /**
   * Batched matrix product. `a` is `[...batchA, m, k]` (or `[..., k, m]` when `transposeA`), `b` is
   * `[...batchB, k, n]` (or `[..., n, k]` when `transposeB`); both have rank ≥ 2 and their batch
   * dimensions broadcast to the leading dimensions of `outShape = [...batch, m, n]`.
   */
  matMul(a: TensorRef<S>, b: TensorRef<S>, transposeA: boolean, transposeB: boolean, outShape: Shape): S;

  // ---- layout ----------------------------------------------------------------------------------
  /** `out = x.permute(perm)` materialised contiguously. */
  permute(x: TensorRef<S>, perm: readonly number[]): S;
  /** The contiguous block `x[begin[0] : begin[0] + size[0], ...]`. */
  slice(x: TensorRef<S>, begin: readonly number[], size: readonly number[]): S;
  /** Zero padding: `padding[d] = [before, after]` elements added on axis `d`. */
  pad(x: TensorRef<S>, padding: readonly (readonly [number, number])[]): S;
  /** Concatenation along `axis`; every input has `outShape`'s size on the other axes. */
  concat(inputs: readonly TensorRef<S>[], axis: number, outShape: Shape): S;

  // ---- indexing --------------------------------------------------------------------------------
  /**
   * Selects entries of `x` along `axis` with the integer-valued 1-D `indices` (length `count`, each
   * in `[0, x.shape[axis])`, checked by core): output shape is `x.shape` with `shape[axis] = count`.
   */
  gather(x: TensorRef<S>, indices: S, count: number, axis: number): S;
  /**
   * The adjoint of {@link Backend.gather}: a zero tensor of `outShape` into which each slice of
   * `updates` along `axis` is added at position `indices[i]` (repeated indices accumulate).
   */
  scatterAdd(updates: TensorRef<S>, indices: S, count: number, axis: number, outShape: Shape): S;

  // ---- optional fused recurrent kernels ----------------------------------------------------------
  /** Fused GRU step; core's composed `gruStepComposed` is the reference it must match. */
  gruStep?(args: GruStepArgs<S>): GruStepResult<S>;
  /** Fused GRU step backward; must match core's `gruStepBackwardComposed`. */
  gruStepBackward?(args: GruStepBackwardArgs<S>): GruStepBackwardResult<S>;
  /** Fused LSTM step; must match core's `lstmStepComposed`. */
  lstmStep?(args: LstmStepArgs<S>): LstmStepResult<S>;
  /** Fused LSTM step backward; must match core's `lstmStepBackwardComposed`. */
  lstmStepBackward?(args: LstmStepBackwardArgs<S>): LstmStepBackwardResult<S>;

  // ---- optional whole-layer recurrent kernel ------------------------------------------------------
  /**
   * Runs one layer and one direction of a recurrent network over all steps in one call (cuDNN's
   * whole-sequence RNN call): the per-step hidden product, the gate math and the state updates.
   * Core's per-step `recurrentLayer` path defines the numbers it must match. Core uses it only when
   * the backend has both this and {@link Backend.recurrentLayerBackward}.
   */
  recurrentLayer?(args: RecurrentLayerKernelArgs<S>): RecurrentLayerKernelResult<S>;
  /**
   * Backpropagation through time for {@link Backend.recurrentLayer}: the gradients of `gx` (or of `x`,
   * `W_ih` and `b_ih` for the `input` form), `h0`, `c0`, `W_hh` and `b_hh` (the weight gradients as one
   * product and the bias gradients as one reduction over all steps).
   */
  recurrentLayerBackward?(args: RecurrentLayerBackwardArgs<S>): RecurrentLayerBackwardResult<S>;
}

/**
 * The name of an optional kernel of the {@link Backend} contract: a method a backend may leave out,
 * core then running its composed default instead.
 *
 * @remarks A backend's conformance test declares which of these it implements
 * (`ConformanceOptions.kernels` in `@gated/core/testing`): the cases of a declared kernel run, and a
 * declared kernel the backend lacks, or an implemented one it does not declare, fails.
 */
export type OptionalKernel = Exclude<{ [K in keyof Backend]-?: undefined extends Backend[K] ? K : never }[keyof Backend], OptionalMemoryHook>;

/** The optional methods of {@link Backend} that manage memory rather than compute: not kernels. */
export type OptionalMemoryHook = 'finalizationToken' | 'reclaim';

// Keyed by OptionalKernel, so adding an optional method to Backend fails to compile until it is listed here.
const optionalKernels: { readonly [K in OptionalKernel]: true } = {
  gruStep: true,
  gruStepBackward: true,
  lstmStep: true,
  lstmStepBackward: true,
  recurrentLayer: true,
  recurrentLayerBackward: true,
};

/** Every {@link OptionalKernel}, in the order the contract lists them. */
export const OPTIONAL_KERNELS: readonly OptionalKernel[] = Object.keys(optionalKernels) as OptionalKernel[];
