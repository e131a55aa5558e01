import type { Backend, RecurrentLayerCell, Shape, TensorRef } from '../backend/backend';
import type { Tensor } from '../tensor/tensor';
import { add, mul, sub } from '../ops/binary';
import { matmulTransposed } from '../ops/matmul';
import { slice } from '../ops/shape';
import { sigmoid, tanh } from '../ops/unary';
import { gruStep, gruStepBackward, lstmStep, lstmStepBackward } from './steps';
import { Scratch } from './scratch';

/**
 * Raw-storage arguments of one recurrent step, as the time loop of {@link recurrentLayer} passes them.
 * All storages are contiguous and row-major; `S` is the backend's storage handle.
 */
export interface CellStepArgs<S = unknown> {
  /** Input projection of this step, `x·W_ihᵀ + b_ih`: `[batch, gateCount·hiddenSize]`. */
  readonly gx: S;
  /** Previous hidden state: `[batch, hiddenSize]`. */
  readonly h: S;
  /** Previous cell state `[batch, hiddenSize]`, or `null` for a cell without one. */
  readonly c: S | null;
  /** Recurrent weight `W_hh`: `[gateCount·hiddenSize, hiddenSize]`. */
  readonly weightHh: S;
  /** Recurrent bias `b_hh` `[gateCount·hiddenSize]`, or `null` without bias. */
  readonly biasHh: S | null;
  readonly batch: number;
  readonly hiddenSize: number;
}

/** What one recurrent step returns: the new state and what its backward needs. */
export interface CellStepResult<S = unknown> {
  /** Next hidden state: `[batch, hiddenSize]`. */
  readonly h: S;
  /** Next cell state, or `null`. */
  readonly c: S | null;
  /** Storages (with their shapes) the backward step needs; owned by the loop, which frees them. */
  readonly saved: readonly TensorRef<S>[];
  /**
   * The operand each gate block of `W_hh` multiplied, `[batch, gateCount·hiddenSize]`, when it is not
   * `h` for every block (the reset-before GRU multiplies `W_hn` by `r ⊙ h`). Absent: `h` for all.
   */
  readonly operand?: S;
}

/** Raw-storage arguments of one step backward. */
export interface CellStepBackwardArgs<S = unknown> {
  /** Gradient with respect to the step's output `h'`: `[batch, hiddenSize]`. */
  readonly dh: S;
  /** Gradient with respect to `c'`, or `null` for a cell without cell state. */
  readonly dc: S | null;
  readonly h: S;
  readonly c: S | null;
  readonly saved: readonly S[];
  readonly weightHh: S;
  readonly batch: number;
  readonly hiddenSize: number;
}

/** Gradients of one step. */
export interface CellStepBackwardResult<S = unknown> {
  /** Gradient with respect to `gx`: `[batch, gateCount·hiddenSize]`. */
  readonly dgx: S;
  /**
   * Gradient with respect to the hidden projection's pre-activation `operand·W_hhᵀ + b_hh`:
   * `[batch, gateCount·hiddenSize]`. The loop turns all steps of it into `dW_hh` and `db_hh` with one
   * matmul and one reduction.
   */
  readonly dgh: S;
  /** Total gradient with respect to the previous hidden state (the `W_hh` path included). */
  readonly dh: S;
  /** Gradient with respect to the previous cell state, or `null`. */
  readonly dc: S | null;
}

/** Tensor-level arguments of the op-by-op reference step ({@link RecurrentCell.referenceStep}). */
export interface CellReferenceArgs {
  /** `[batch, gateCount·hiddenSize]`. */
  readonly gx: Tensor;
  readonly h: Tensor;
  readonly c: Tensor | null;
  readonly weightHh: Tensor;
  readonly biasHh: Tensor | null;
}

/**
 * The cell-specific part of a recurrent layer, all that GRU and LSTM do not share: the gate count,
 * whether there is a cell state, and one step forward and backward. Everything else (parameters,
 * layouts, `lengths` masking, stacking layers and directions, the single autograd node per layer and
 * direction) lives once in {@link RecurrentBase} and {@link recurrentLayer}, as in PyTorch's `RNNBase`.
 */
export interface RecurrentCell {
  /** Layer name for messages and node names, e.g. `GRU`. */
  readonly name: string;
  /** Gate blocks stacked in `W_ih` / `W_hh` (GRU 3, LSTM 4). */
  readonly gateCount: number;
  /** Whether the cell carries a cell state `c` besides `h` (LSTM). */
  readonly hasCellState: boolean;
  /**
   * The name under which a backend's whole-layer kernel ({@link Backend.recurrentLayer}) runs this
   * cell; absent for a cell no backend knows, which then always takes the per-step path.
   */
  readonly layerKernel?: RecurrentLayerCell;
  /** One step on raw storages (the fast path). Must free every temporary it makes. */
  step(backend: Backend, args: CellStepArgs): CellStepResult;
  /** The backward of {@link RecurrentCell.step}. Must free every temporary it makes. */
  stepBackward(backend: Backend, args: CellStepBackwardArgs): CellStepBackwardResult;
  /** The same step composed from recorded core ops: the op-by-op reference that the fast path must equal. */
  referenceStep(args: CellReferenceArgs): { h: Tensor; c: Tensor | null };
}

/** `a·bᵀ` (or `a·b` with `transposeB = false`) of row-major matrices, plus an optional bias row. */
function linear(backend: Backend, tmp: Scratch, a: TensorRef, b: TensorRef, bias: TensorRef | null, transposeB: boolean): unknown {
  const m = a.shape[0];
  const n = transposeB ? b.shape[0] : b.shape[1];
  const product = backend.matMul(a, b, false, transposeB, [m, n]);
  if (bias === null) return product;
  tmp.keep(product);
  return backend.binary('add', { storage: product, shape: [m, n] }, bias, [m, n]);
}

function referenceProjection(args: CellReferenceArgs): Tensor {
  const gh = matmulTransposed(args.h, args.weightHh, false, true);
  return args.biasHh === null ? gh : add(gh, args.biasHh);
}

function columns(x: Tensor, block: number, hiddenSize: number): Tensor {
  return slice(x, [0, block * hiddenSize], [x.shape[0], hiddenSize]);
}

/**
 * The GRU cell of PyTorch, cuDNN and Keras `reset_after=True`: gate order r, z, n, the reset gate
 * applied after the hidden matmul. The step runs the backend's fused `gruStep` when it has one.
 *
 * @remarks
 * `r = σ(gx_r + gh_r)`, `z = σ(gx_z + gh_z)`, `n = tanh(gx_n + r ⊙ gh_n)`, `h' = (1 − z) ⊙ n + z ⊙ h`
 * with `gx = x·W_ihᵀ + b_ih` and `gh = h·W_hhᵀ + b_hh`.
 */
export const GRU_CELL: RecurrentCell = {
  name: 'GRU',
  gateCount: 3,
  hasCellState: false,
  layerKernel: 'gru',
  step(backend, { gx, h, weightHh, biasHh, batch, hiddenSize: H }) {
    const tmp = new Scratch(backend);
    try {
      const gh = tmp.keep(
        linear(backend, tmp, { storage: h, shape: [batch, H] }, { storage: weightHh, shape: [3 * H, H] }, biasHh === null ? null : { storage: biasHh, shape: [3 * H] }, true),
      );
      const result = gruStep(backend, { gx, gh, h, batch, hiddenSize: H });
      return { h: result.h, c: null, saved: [{ storage: result.saved, shape: [batch, 4 * H] }] };
    } finally {
      tmp.free();
    }
  },
  stepBackward(backend, { dh, h, saved, weightHh, batch, hiddenSize: H }) {
    const tmp = new Scratch(backend);
    try {
      const { dgx, dgh, dhDirect } = gruStepBackward(backend, { dh, h, saved: saved[0], batch, hiddenSize: H });
      tmp.keep(dhDirect);
      const viaWeight = tmp.keep(backend.matMul({ storage: dgh, shape: [batch, 3 * H] }, { storage: weightHh, shape: [3 * H, H] }, false, false, [batch, H]));
      const shape = [batch, H];
      const dhPrev = backend.binary('add', { storage: dhDirect, shape }, { storage: viaWeight, shape }, shape);
      return { dgx, dgh, dh: dhPrev, dc: null };
    } finally {
      tmp.free();
    }
  },
  referenceStep(args) {
    const H = args.h.shape[1];
    const gh = referenceProjection(args);
    const r = sigmoid(add(columns(args.gx, 0, H), columns(gh, 0, H)));
    const z = sigmoid(add(columns(args.gx, 1, H), columns(gh, 1, H)));
    const n = tanh(add(columns(args.gx, 2, H), mul(r, columns(gh, 2, H))));
    return { h: add(n, mul(z, sub(args.h, n))), c: null };
  },
};

/**
 * The GRU cell of the original paper (Cho et al. 2014), Keras `reset_after=False`, tfjs and brain.js:
 * the reset gate is applied to `h` before the hidden matmul of the candidate.
 *
 * @remarks
 * `r = σ(gx_r + h·W_hrᵀ + b_hr)`, `z = σ(gx_z + h·W_hzᵀ + b_hz)`,
 * `n = tanh(gx_n + (r ⊙ h)·W_hnᵀ + b_hn)`, `h' = (1 − z) ⊙ n + z ⊙ h`.
 * No fused step kernel exists for it: the per-step path composes it from primitives, and a backend
 * with a whole-layer kernel runs it there as `gruResetBefore`.
 */
export const GRU_RESET_BEFORE_CELL: RecurrentCell = {
  name: 'GRU',
  gateCount: 3,
  hasCellState: false,
  layerKernel: 'gruResetBefore',
  step(backend, { gx, h, weightHh, biasHh, batch, hiddenSize: H }) {
    const tmp = new Scratch(backend);
    try {
      const shape: Shape = [batch, H];
      const ref = (storage: unknown): TensorRef => ({ storage, shape });
      const w = { storage: weightHh, shape: [3 * H, H] };
      const wRz = { storage: tmp.keep(backend.slice(w, [0, 0], [2 * H, H])), shape: [2 * H, H] };
      const wN = { storage: tmp.keep(backend.slice(w, [2 * H, 0], [H, H])), shape: [H, H] };
      const b = biasHh === null ? null : { storage: biasHh, shape: [3 * H] };
      const bRz = b === null ? null : { storage: tmp.keep(backend.slice(b, [0], [2 * H])), shape: [2 * H] };
      const bN = b === null ? null : { storage: tmp.keep(backend.slice(b, [2 * H], [H])), shape: [H] };
      const part = (s: unknown, width: number, k: number) => tmp.keep(backend.slice({ storage: s, shape: [batch, width] }, [0, k * H], [batch, H]));
      const ghRz = tmp.keep(linear(backend, tmp, ref(h), wRz, bRz, true));
      const sum = (a: unknown, c: unknown) => tmp.keep(backend.binary('add', ref(a), ref(c), shape));
      const r = backend.unary('sigmoid', sum(part(gx, 3 * H, 0), part(ghRz, 2 * H, 0)), batch * H);
      const z = backend.unary('sigmoid', sum(part(gx, 3 * H, 1), part(ghRz, 2 * H, 1)), batch * H);
      const rh = tmp.keep(backend.binary('mul', ref(r), ref(h), shape));
      const ghN = tmp.keep(linear(backend, tmp, ref(rh), wN, bN, true));
      const n = backend.unary('tanh', sum(part(gx, 3 * H, 2), ghN), batch * H);
      const hMinusN = tmp.keep(backend.binary('sub', ref(h), ref(n), shape));
      const zTimes = tmp.keep(backend.binary('mul', ref(z), ref(hMinusN), shape));
      const hNext = backend.binary('add', ref(n), ref(zTimes), shape);
      const operand = backend.concat([ref(h), ref(h), ref(rh)], 1, [batch, 3 * H]);
      return { h: hNext, c: null, saved: [ref(r), ref(z), ref(n)], operand };
    } finally {
      tmp.free();
    }
  },
  stepBackward(backend, { dh, h, saved, weightHh, batch, hiddenSize: H }) {
    const tmp = new Scratch(backend);
    try {
      const shape: Shape = [batch, H];
      const ref = (storage: unknown): TensorRef => ({ storage, shape });
      const [r, z, n] = saved;
      const bin = (op: 'add' | 'sub' | 'mul', a: unknown, b: unknown) => tmp.keep(backend.binary(op, ref(a), ref(b), shape));
      const oneMinus = (a: unknown) => tmp.keep(backend.binaryScalar('sub', a, 1, batch * H, true));
      const w = { storage: weightHh, shape: [3 * H, H] };
      const wRz = { storage: tmp.keep(backend.slice(w, [0, 0], [2 * H, H])), shape: [2 * H, H] };
      const wN = { storage: tmp.keep(backend.slice(w, [2 * H, 0], [H, H])), shape: [H, H] };
      const dn = bin('mul', dh, oneMinus(z));
      const dz = bin('mul', dh, bin('sub', h, n));
      const dan = bin('mul', dn, oneMinus(tmp.keep(backend.unary('square', n, batch * H))));
      const daz = bin('mul', dz, bin('mul', z, oneMinus(z)));
      // n's pre-activation holds (r ⊙ h)·W_hnᵀ: its gradient reaches r ⊙ h through W_hn.
      const drh = tmp.keep(backend.matMul(ref(dan), wN, false, false, shape));
      const dar = bin('mul', bin('mul', drh, h), bin('mul', r, oneMinus(r)));
      const dgx = backend.concat([dar, daz, dan].map(ref), 1, [batch, 3 * H]);
      const dgh = backend.concat([dar, daz, dan].map(ref), 1, [batch, 3 * H]);
      const dgRz = tmp.keep(backend.concat([dar, daz].map(ref), 1, [batch, 2 * H]));
      const viaRz = tmp.keep(backend.matMul({ storage: dgRz, shape: [batch, 2 * H] }, wRz, false, false, shape));
      const dhPrev = backend.binary('add', ref(bin('add', bin('mul', dh, z), bin('mul', drh, r))), ref(viaRz), shape);
      return { dgx, dgh, dh: dhPrev, dc: null };
    } finally {
      tmp.free();
    }
  },
  referenceStep(args) {
    const H = args.h.shape[1];
    const w = args.weightHh;
    const wRz = slice(w, [0, 0], [2 * H, H]);
    const wN = slice(w, [2 * H, 0], [H, H]);
    let ghRz = matmulTransposed(args.h, wRz, false, true);
    if (args.biasHh !== null) ghRz = add(ghRz, slice(args.biasHh, [0], [2 * H]));
    const r = sigmoid(add(columns(args.gx, 0, H), columns(ghRz, 0, H)));
    const z = sigmoid(add(columns(args.gx, 1, H), columns(ghRz, 1, H)));
    let ghN = matmulTransposed(mul(r, args.h), wN, false, true);
    if (args.biasHh !== null) ghN = add(ghN, slice(args.biasHh, [2 * H], [H]));
    const n = tanh(add(columns(args.gx, 2, H), ghN));
    return { h: add(n, mul(z, sub(args.h, n))), c: null };
  },
};

/**
 * The LSTM cell of PyTorch (gate order i, f, g, o). The step runs the backend's fused `lstmStep`
 * when it has one.
 *
 * @remarks
 * `i = σ(a_i)`, `f = σ(a_f)`, `g = tanh(a_g)`, `o = σ(a_o)` with `a = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh`;
 * `c' = f ⊙ c + i ⊙ g`, `h' = o ⊙ tanh(c')`.
 */
export const LSTM_CELL: RecurrentCell = {
  name: 'LSTM',
  gateCount: 4,
  hasCellState: true,
  layerKernel: 'lstm',
  step(backend, { gx, h, c, weightHh, biasHh, batch, hiddenSize: H }) {
    const tmp = new Scratch(backend);
    try {
      const gh = tmp.keep(
        linear(backend, tmp, { storage: h, shape: [batch, H] }, { storage: weightHh, shape: [4 * H, H] }, biasHh === null ? null : { storage: biasHh, shape: [4 * H] }, true),
      );
      const result = lstmStep(backend, { gx, gh, c: c as unknown, batch, hiddenSize: H });
      return { h: result.h, c: result.c, saved: [{ storage: result.saved, shape: [batch, 5 * H] }] };
    } finally {
      tmp.free();
    }
  },
  stepBackward(backend, { dh, dc, c, saved, weightHh, batch, hiddenSize: H }) {
    const tmp = new Scratch(backend);
    try {
      const { dgates, dcPrev } = lstmStepBackward(backend, { dh, dc: dc as unknown, c: c as unknown, saved: saved[0], batch, hiddenSize: H });
      const dhPrev = backend.matMul({ storage: dgates, shape: [batch, 4 * H] }, { storage: weightHh, shape: [4 * H, H] }, false, false, [batch, H]);
      // dgx and dgh are the same gradient; the copy lets the loop free them independently.
      const dgh = backend.binaryScalar('mul', dgates, 1, batch * 4 * H, false);
      return { dgx: dgates, dgh, dh: dhPrev, dc: dcPrev };
    } finally {
      tmp.free();
    }
  },
  referenceStep(args) {
    const H = args.h.shape[1];
    const a = add(args.gx, referenceProjection(args));
    const i = sigmoid(columns(a, 0, H));
    const f = sigmoid(columns(a, 1, H));
    const g = tanh(columns(a, 2, H));
    const o = sigmoid(columns(a, 3, H));
    const c = add(mul(f, args.c as Tensor), mul(i, g));
    return { h: mul(o, tanh(c)), c };
  },
};
