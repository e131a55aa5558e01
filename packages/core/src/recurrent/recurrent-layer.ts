import type { Backend, RecurrentLayerCell, RecurrentLayerKernelArgs, TensorRef } from '../backend/backend';
import { ShapeError, ValueError, formatShape } from '../errors';
import { isGradEnabled } from '../autograd/grad-mode';
import { fromStorage, type Tensor } from '../tensor/tensor';
import { tensor } from '../tensor/creation';
import { backendOf, record } from '../ops/record';
import { reshape, slice, stack } from '../ops/shape';
import { where } from '../ops/indexing';
import { add } from '../ops/binary';
import { matmulTransposed } from '../ops/matmul';
import type { RecurrentCell } from './cells';

/**
 * The input side of one layer and direction, for {@link recurrentLayer} to project itself: `gx =
 * x·W_ihᵀ + b_ih`.
 */
export interface RecurrentLayerInputArgs {
  /** The layer's input, time-major: `[seqLen, batch, inputSize]`. */
  readonly x: Tensor;
  /** `W_ih`: `[gateCount·hiddenSize, inputSize]`. */
  readonly weightIh: Tensor;
  /** `b_ih`: `[gateCount·hiddenSize]`, or `null`. */
  readonly biasIh: Tensor | null;
}

/** Inputs of one layer and direction of a recurrent network, time-major. */
export interface RecurrentLayerArgs {
  /**
   * Input projection for every step, `x·W_ihᵀ + b_ih`: `[seqLen, batch, gateCount·hiddenSize]`. Give
   * either this or {@link RecurrentLayerArgs.input}.
   */
  readonly gx?: Tensor;
  /**
   * The input and its weights instead of `gx`: the same numbers, and on a backend with a whole-layer
   * kernel the projection runs inside it (no `gx` tensor is made, `b_ih` is folded into the gate math).
   */
  readonly input?: RecurrentLayerInputArgs;
  /** Initial hidden state: `[batch, hiddenSize]`. */
  readonly h0: Tensor;
  /** Initial cell state `[batch, hiddenSize]` for a cell with one, else `null`. */
  readonly c0: Tensor | null;
  /** `W_hh`: `[gateCount·hiddenSize, hiddenSize]`. */
  readonly weightHh: Tensor;
  /** `b_hh`: `[gateCount·hiddenSize]`, or `null`. */
  readonly biasHh: Tensor | null;
  /**
   * Per-step validity, `[seqLen, batch]` row-major, `1` where step `t < length[b]`. Where it is `0`
   * the state is carried unchanged and the output is exactly `0`. `null`: every step is valid.
   */
  readonly mask: Float32Array | null;
}

/**
 * `args.gx`, or the projection `x·W_ihᵀ + b_ih` of `args.input` as recorded ops; a `ValueError`
 * unless exactly one of the two is given, a `ShapeError` for an input that does not fit its weights.
 */
function projection(name: string, args: RecurrentLayerArgs, gateSize: number): Tensor {
  const { gx, input } = args;
  if ((gx === undefined) === (input === undefined)) {
    throw new ValueError(`${name}: give exactly one of gx (the input projection) and input ({ x, weightIh, biasIh }), got ${gx === undefined ? 'neither' : 'both'}`);
  }
  if (gx !== undefined) return gx;
  const { x, weightIh, biasIh } = checkInput(name, input as RecurrentLayerInputArgs, gateSize);
  const [T, B, I] = x.shape;
  let projected = matmulTransposed(reshape(x, [T * B, I]), weightIh, false, true);
  if (biasIh !== null) projected = add(projected, biasIh);
  return reshape(projected, [T, B, gateSize]);
}

/** `input` when `x` is `[seqLen, batch, inputSize]` with `W_ih` `[gateSize, inputSize]` and `b_ih` `[gateSize]` or null; else a `ShapeError`. */
function checkInput(name: string, input: RecurrentLayerInputArgs, gateSize: number): RecurrentLayerInputArgs {
  const { x, weightIh, biasIh } = input;
  const fits =
    x.rank === 3 && weightIh.rank === 2 && weightIh.shape[0] === gateSize && weightIh.shape[1] === x.shape[2] && (biasIh === null || (biasIh.rank === 1 && biasIh.shape[0] === gateSize));
  if (!fits) {
    throw new ShapeError(
      `${name}: input x must be [seqLen, batch, inputSize] with weightIh [${gateSize}, inputSize] and biasIh [${gateSize}] or null, got x ${formatShape(x.shape)}, weightIh ${formatShape(weightIh.shape)}, biasIh ${biasIh === null ? 'null' : formatShape(biasIh.shape)}`,
    );
  }
  return input;
}

/** Outputs of one layer and direction. */
export interface RecurrentLayerResult {
  /** Hidden state after every step (`0` where masked): `[seqLen, batch, hiddenSize]`. */
  readonly output: Tensor;
  /** Last valid hidden state of each sequence: `[batch, hiddenSize]`. */
  readonly h: Tensor;
  /** Last valid cell state, or `null`. */
  readonly c: Tensor | null;
}

/** A `ShapeError` unless `gx` is `[seqLen, batch, gateCount·hiddenSize]` for `h0` `[batch, hiddenSize]`. */
function checkLayerShapes(cell: RecurrentCell, gxShape: readonly number[], h0: Tensor): void {
  const H = h0.shape[1];
  if (gxShape.length !== 3 || gxShape[2] !== cell.gateCount * H || h0.shape[0] !== gxShape[1]) {
    throw new ShapeError(
      `${cell.name}: gx must be [seqLen, ${h0.shape[0]}, ${cell.gateCount * H}] for h0 ${formatShape(h0.shape)}, got ${formatShape(gxShape)}`,
    );
  }
}

/**
 * Runs one layer and direction of a recurrent network over all steps with raw backend kernels and
 * records ONE autograd node for the whole sequence, whose backward is a hand-written backpropagation
 * through time.
 *
 * @remarks
 * Forward, for `t = 0 … T−1`: `gh_t = h_{t−1}·W_hhᵀ + b_hh` and one (fused, where the backend has it)
 * cell step; with a mask, `h_t = m_t ? h'_t : h_{t−1}` and `y_t = m_t ? h'_t : 0`.
 *
 * Backward, for `t = T−1 … 0`: the cell's step backward gives `dgx_t`, `dgh_t` and `dh_{t−1}`. All
 * `dgx_t` form the gradient of `gx` (autograd then continues through the input projection as normal
 * ops); `dW_hh = Σ_t dgh_tᵀ·h_{t−1}` is ONE matmul over the stacked steps and `db_hh` one reduction.
 * Masked rows get `dh' = 0`, so padded input steps get exactly zero gradient.
 *
 * The node's output is the packed tensor `[seqLen + 1 (+1), batch, hiddenSize]` (outputs, `h_T`,
 * and `c_T` for a cell with cell state); the returned tensors are slices of it.
 */
export function recurrentLayer(cell: RecurrentCell, args: RecurrentLayerArgs): RecurrentLayerResult {
  const { h0, c0, weightHh, biasHh, mask } = args;
  const H = h0.shape[1];
  const GH = cell.gateCount * H;
  if (cell.hasCellState !== (c0 !== null)) {
    throw new ShapeError(`${cell.name}: a cell state c0 is ${cell.hasCellState ? 'required' : 'not accepted'} by this cell`);
  }
  const hasLayerKernel = (backend: Backend) => cell.layerKernel !== undefined && backend.recurrentLayer !== undefined && backend.recurrentLayerBackward !== undefined;
  const others = [h0, weightHh, ...(c0 === null ? [] : [c0]), ...(biasHh === null ? [] : [biasHh])];
  if (args.input !== undefined && args.gx === undefined) {
    // With a whole-layer kernel the projection runs inside it: the node's inputs are x, W_ih (and
    // b_ih) instead of gx.
    const { x, weightIh, biasIh } = checkInput(cell.name, args.input, GH);
    const inputs = [x, ...others, weightIh, ...(biasIh === null ? [] : [biasIh])];
    const backend = backendOf(cell.name, ...inputs);
    if (hasLayerKernel(backend)) {
      checkLayerShapes(cell, [x.shape[0], x.shape[1], GH], h0);
      return wholeLayer(cell, backend, args, inputs, isGradEnabled() && inputs.some((t) => t.requiresGrad));
    }
  }
  const gx = projection(cell.name, args, GH);
  const inputs = [gx, ...others];
  const backend = backendOf(cell.name, ...inputs);
  const [T, B] = gx.shape;
  checkLayerShapes(cell, gx.shape, h0);
  const needsGrad = isGradEnabled() && inputs.some((t) => t.requiresGrad);
  if (hasLayerKernel(backend)) return wholeLayer(cell, backend, { ...args, gx, input: undefined }, inputs, needsGrad);
  const stateShape = [B, H];
  const gxRef = { storage: gx.storage(cell.name), shape: gx.shape };
  const w = weightHh.storage(cell.name);
  const b = biasHh === null ? null : biasHh.storage(cell.name);
  const maskRef = (t: number): TensorRef | null => (mask === null ? null : { storage: backend.upload(mask.subarray(t * B, (t + 1) * B)), shape: [B, 1] });
  const zero = backend.fill(1, 0);
  const zeroRef = { storage: zero, shape: [] };

  // Per-step tensors the backward needs; listed in the node's `saved` so scopes keep them alive.
  const hPrev: Tensor[] = [];
  const cPrev: Tensor[] = [];
  const savedSteps: Tensor[][] = [];
  const operands: Tensor[] = [];
  const outputs: unknown[] = [];
  let h = h0.storage(cell.name);
  let c = c0 === null ? null : c0.storage(cell.name);
  let ownsH = false;
  let ownsC = false;
  try {
    for (let t = 0; t < T; t++) {
      const gxt = backend.slice(gxRef, [t, 0, 0], [1, B, GH]);
      const res = cell.step(backend, { gx: gxt, h, c, weightHh: w, biasHh: b, batch: B, hiddenSize: H });
      backend.dispose(gxt);
      const m = maskRef(t);
      let hNext = res.h;
      let cNext = res.c;
      if (m === null) {
        outputs.push(backend.binaryScalar('mul', res.h, 1, B * H, false));
      } else {
        outputs.push(backend.where(m, { storage: res.h, shape: stateShape }, zeroRef, stateShape));
        hNext = backend.where(m, { storage: res.h, shape: stateShape }, { storage: h, shape: stateShape }, stateShape);
        backend.dispose(res.h);
        if (res.c !== null && c !== null) {
          cNext = backend.where(m, { storage: res.c, shape: stateShape }, { storage: c, shape: stateShape }, stateShape);
          backend.dispose(res.c);
        }
        backend.dispose(m.storage);
      }
      if (needsGrad) {
        // The previous states become saved tensors (the initial ones are the node's inputs already).
        hPrev.push(ownsH ? fromStorage(backend, h, stateShape) : h0);
        if (c !== null) cPrev.push(ownsC ? fromStorage(backend, c, stateShape) : (c0 as Tensor));
        savedSteps.push(res.saved.map((x) => fromStorage(backend, x.storage, x.shape)));
        if (res.operand !== undefined) operands.push(fromStorage(backend, res.operand, [B, GH]));
      } else {
        if (ownsH) backend.dispose(h);
        if (ownsC && c !== null) backend.dispose(c);
        for (const x of res.saved) backend.dispose(x.storage);
        if (res.operand !== undefined) backend.dispose(res.operand);
      }
      h = hNext;
      c = cNext;
      ownsH = true;
      ownsC = true;
    }
  } finally {
    backend.dispose(zero);
  }

  // Packed output: [T rows of outputs | h_T | c_T].
  const last = [backend.binaryScalar('mul', h, 1, B * H, false)];
  if (c !== null) last.push(backend.binaryScalar('mul', c, 1, B * H, false));
  if (ownsH) backend.dispose(h);
  if (ownsC && c !== null) backend.dispose(c);
  const rows = [...outputs, ...last];
  const packedShape = [rows.length, B, H];
  const packed = backend.concat(
    rows.map((storage) => ({ storage, shape: [1, B, H] })),
    0,
    packedShape,
  );
  for (const s of rows) backend.dispose(s);

  const saved = [...hPrev, ...cPrev, ...savedSteps.flat(), ...operands];
  const hPrevCount = hPrev.length;
  const cPrevCount = cPrev.length;
  const savedPerStep = savedSteps.length === 0 ? 0 : savedSteps[0].length;
  const out = record({
    name: `${cell.name}Layer`,
    backend,
    storage: packed,
    shape: packedShape,
    inputs,
    saved,
    // Everything saved but the initial states (which are inputs) was made here for the backward alone.
    temporaries: saved.filter((t) => t !== h0 && t !== c0),
    attrs: { cell: cell.name, seqLen: T, batch: B, hiddenSize: H },
    backward: needsGrad
      ? (g, { inputs, saved }) => {
          // Unpack what the forward declared: [hPrev…, cPrev…, per-step saved…, operands…].
          const hPrev = saved.slice(0, hPrevCount);
          const cPrev = saved.slice(hPrevCount, hPrevCount + cPrevCount);
          const stepsStart = hPrevCount + cPrevCount;
          const savedSteps = Array.from({ length: T }, (_, t) => saved.slice(stepsStart + t * savedPerStep, stepsStart + (t + 1) * savedPerStep));
          const operands = saved.slice(stepsStart + T * savedPerStep);
          const [, h0, weightHh] = inputs;
          const grads = backwardThroughTime(cell, backend, g, { T, B, H, GH, mask, hPrev, cPrev, savedSteps, operands, weightHh, h0 });
          const result: (Tensor | null)[] = [grads.dgx, grads.dh0, grads.dW];
          if (c0 !== null) result.push(grads.dc0);
          if (biasHh !== null) result.push(grads.db);
          return result;
        }
      : null,
  });
  const output = slice(out, [0, 0, 0], [T, B, H]);
  const hT = reshape(slice(out, [T, 0, 0], [1, B, H]), stateShape);
  const cT = c0 === null ? null : reshape(slice(out, [T + 1, 0, 0], [1, B, H]), stateShape);
  return { output, h: hT, c: cT };
}

/**
 * The whole-layer path of {@link recurrentLayer}: one backend call for the forward of all steps and one
 * for their backward, recorded as the same single node with the same packed output.
 *
 * @param inputs - the node's inputs: `[gx, h0, W_hh, c0?, b_hh?]`, or for the `input` form
 * `[x, h0, W_hh, c0?, b_hh?, W_ih, b_ih?]`.
 */
function wholeLayer(cell: RecurrentCell, backend: Backend, args: RecurrentLayerArgs, inputs: readonly Tensor[], needsGrad: boolean): RecurrentLayerResult {
  const kind = cell.layerKernel as RecurrentLayerCell;
  const { h0, c0, biasHh, mask } = args;
  const direct = args.input ?? null;
  const [T, B] = inputs[0].shape;
  const H = h0.shape[1];
  const GH = cell.gateCount * H;
  const inputSize = direct === null ? 0 : direct.x.shape[2];
  const name = cell.name;
  const hasC = c0 !== null;
  const hasBias = biasHh !== null;
  const hasBiasIh = direct !== null && direct.biasIh !== null;
  // Positions in `inputs` (see above).
  const at = { c0: 3, biasHh: hasC ? 4 : 3, weightIh: 3 + (hasC ? 1 : 0) + (hasBias ? 1 : 0) };
  const kernelArgs = (layer: readonly Tensor[], op: string): RecurrentLayerKernelArgs => ({
    cell: kind,
    gx: direct === null ? layer[0].storage(op) : null,
    input:
      direct === null
        ? null
        : { x: layer[0].storage(op), weightIh: layer[at.weightIh].storage(op), biasIh: hasBiasIh ? layer[at.weightIh + 1].storage(op) : null, inputSize },
    h0: layer[1].storage(op),
    c0: hasC ? layer[at.c0].storage(op) : null,
    weightHh: layer[2].storage(op),
    biasHh: hasBias ? layer[at.biasHh].storage(op) : null,
    mask,
    seqLen: T,
    batch: B,
    hiddenSize: H,
    keepForBackward: needsGrad,
  });
  const forward = (backend.recurrentLayer as NonNullable<Backend['recurrentLayer']>)(kernelArgs(inputs, name));
  // What the backward keeps is declared as the node's saved tensors, so scopes and disposal see it.
  const kept = forward.saved.map((x) => fromStorage(backend, x.storage, x.shape));
  const packedShape = [T + (hasC ? 2 : 1), B, H];
  const out = record({
    name: `${name}Layer`,
    backend,
    storage: forward.packed,
    shape: packedShape,
    inputs,
    saved: kept,
    // Backend-private activations: freed as soon as the backward has run (or at once without grad).
    temporaries: kept,
    attrs: { cell: name, kernel: kind, seqLen: T, batch: B, hiddenSize: H, inputSize },
    backward: needsGrad
      ? (g, { inputs: layer, saved }) => {
          const op = `${name} backward`;
          const grads = (backend.recurrentLayerBackward as NonNullable<Backend['recurrentLayerBackward']>)({
            ...kernelArgs(layer, op),
            saved: saved.map((x) => x.storage(op)),
            gradPacked: g.storage(op),
          });
          const own = (storage: unknown, shape: number[]) => {
            if (storage === null || storage === undefined) throw new Error(`${op}: backend '${backend.name}' returned no gradient of shape ${formatShape(shape)}`);
            return fromStorage(backend, storage, shape);
          };
          const result: (Tensor | null)[] = [
            direct === null ? own(grads.gradGx, [T, B, GH]) : own(grads.gradX, [T, B, inputSize]),
            own(grads.gradH0, [B, H]),
            own(grads.gradWeightHh, [GH, H]),
          ];
          if (hasC) result.push(own(grads.gradC0, [B, H]));
          if (hasBias) result.push(own(grads.gradBiasHh, [GH]));
          if (direct !== null) {
            result.push(own(grads.gradWeightIh, [GH, inputSize]));
            if (hasBiasIh) result.push(own(grads.gradBiasIh, [GH]));
          }
          return result;
        }
      : null,
  });
  const output = slice(out, [0, 0, 0], [T, B, H]);
  const hT = reshape(slice(out, [T, 0, 0], [1, B, H]), [B, H]);
  const cT = hasC ? reshape(slice(out, [T + 1, 0, 0], [1, B, H]), [B, H]) : null;
  return { output, h: hT, c: cT };
}

interface BpttState {
  readonly T: number;
  readonly B: number;
  readonly H: number;
  readonly GH: number;
  readonly mask: Float32Array | null;
  readonly hPrev: readonly Tensor[];
  readonly cPrev: readonly Tensor[];
  readonly savedSteps: readonly (readonly Tensor[])[];
  readonly operands: readonly Tensor[];
  readonly weightHh: Tensor;
  readonly h0: Tensor;
}

function backwardThroughTime(
  cell: RecurrentCell,
  backend: Backend,
  g: Tensor,
  s: BpttState,
): { dgx: Tensor; dh0: Tensor; dc0: Tensor | null; dW: Tensor; db: Tensor } {
  const { T, B, H, GH, mask } = s;
  const stateShape = [B, H];
  const ref = (storage: unknown) => ({ storage, shape: stateShape });
  const gStorage = { storage: g.storage(`${cell.name} backward`), shape: g.shape };
  const row = (t: number) => backend.slice(gStorage, [t, 0, 0], [1, B, H]);
  const w = s.weightHh.storage(`${cell.name} backward`);
  const zero = backend.fill(1, 0);
  const zeroRef = { storage: zero, shape: [] };
  const hasC = cell.hasCellState;
  let dh = row(T);
  let dc: unknown = hasC ? row(T + 1) : null;
  const dgx: unknown[] = new Array(T);
  const dgh: unknown[] = new Array(T);
  try {
    for (let t = T - 1; t >= 0; t--) {
      const dOut = row(t);
      const dTotal = backend.binary('add', ref(dOut), ref(dh), stateShape);
      backend.dispose(dOut);
      let dhStep = dTotal;
      let dcStep = dc;
      let keepH: unknown = null;
      let keepC: unknown = null;
      if (mask !== null) {
        const m = { storage: backend.upload(mask.subarray(t * B, (t + 1) * B)), shape: [B, 1] };
        // A masked step emitted a constant 0 and carried its state: its output gradient is dropped and
        // the state gradient passes to the previous step untouched.
        dhStep = backend.where(m, ref(dTotal), zeroRef, stateShape);
        keepH = backend.where(m, zeroRef, ref(dh), stateShape);
        backend.dispose(dTotal);
        if (hasC) {
          dcStep = backend.where(m, ref(dc), zeroRef, stateShape);
          keepC = backend.where(m, zeroRef, ref(dc), stateShape);
        }
        backend.dispose(m.storage);
      }
      const res = cell.stepBackward(backend, {
        dh: dhStep,
        dc: dcStep,
        h: s.hPrev[t].storage(`${cell.name} backward`),
        c: hasC ? s.cPrev[t].storage(`${cell.name} backward`) : null,
        saved: s.savedSteps[t].map((x) => x.storage(`${cell.name} backward`)),
        weightHh: w,
        batch: B,
        hiddenSize: H,
      });
      backend.dispose(dhStep);
      if (dcStep !== dc && dcStep !== null) backend.dispose(dcStep);
      backend.dispose(dh);
      if (dc !== null) backend.dispose(dc);
      dgx[t] = res.dgx;
      dgh[t] = res.dgh;
      if (keepH !== null) {
        dh = backend.binary('add', ref(res.dh), ref(keepH), stateShape);
        backend.dispose(res.dh);
        backend.dispose(keepH);
      } else {
        dh = res.dh;
      }
      if (hasC) {
        if (keepC !== null) {
          dc = backend.binary('add', ref(res.dc), ref(keepC), stateShape);
          backend.dispose(res.dc);
          backend.dispose(keepC);
        } else {
          dc = res.dc;
        }
      }
    }
  } finally {
    backend.dispose(zero);
  }

  const stepRows = (list: unknown[], width: number) => list.map((storage) => ({ storage, shape: [B, width] }));
  const dgxAll = backend.concat(stepRows(dgx, GH), 0, [T * B, GH]);
  const dghAll = backend.concat(stepRows(dgh, GH), 0, [T * B, GH]);
  for (const x of dgx) backend.dispose(x);
  for (const x of dgh) backend.dispose(x);
  let dW: unknown;
  if (s.operands.length === 0) {
    // dW_hh = Σ_t dgh_tᵀ · h_{t−1}: one [GH, T·B] × [T·B, H] matmul.
    const hAll = backend.concat(
      s.hPrev.slice(0, T).map((x) => ({ storage: x.storage(`${cell.name} backward`), shape: stateShape })),
      0,
      [T * B, H],
    );
    dW = backend.matMul({ storage: dghAll, shape: [T * B, GH] }, { storage: hAll, shape: [T * B, H] }, true, false, [GH, H]);
    backend.dispose(hAll);
  } else {
    // Per-gate operands: dW_hh[g] = Σ_t dgh_t[:, g]ᵀ · operand_t[:, g], one batched matmul over gates.
    const G = GH / H;
    const uAll = backend.concat(
      s.operands.map((x) => ({ storage: x.storage(`${cell.name} backward`), shape: [B, GH] })),
      0,
      [T * B, GH],
    );
    const perm = [1, 0, 2];
    const dghG = backend.permute({ storage: dghAll, shape: [T * B, G, H] }, perm);
    const uG = backend.permute({ storage: uAll, shape: [T * B, G, H] }, perm);
    dW = backend.matMul({ storage: dghG, shape: [G, T * B, H] }, { storage: uG, shape: [G, T * B, H] }, true, false, [G, H, H]);
    for (const x of [uAll, dghG, uG]) backend.dispose(x);
  }
  const db = backend.reduce('sum', { storage: dghAll, shape: [T * B, GH] }, [0]);
  backend.dispose(dghAll);
  return {
    dgx: fromStorage(backend, dgxAll, [T, B, GH]),
    dh0: fromStorage(backend, dh, stateShape),
    dc0: hasC ? fromStorage(backend, dc, stateShape) : null,
    dW: fromStorage(backend, dW, [GH, H]),
    db: fromStorage(backend, db, [GH]),
  };
}

/**
 * The same layer composed step by step from recorded core ops (thousands of small graph nodes): the
 * reference that {@link recurrentLayer} must equal, in values and in gradients.
 */
export function recurrentLayerReference(cell: RecurrentCell, args: RecurrentLayerArgs): RecurrentLayerResult {
  const { h0, c0, weightHh, biasHh, mask } = args;
  const gx = projection(cell.name, args, cell.gateCount * h0.shape[1]);
  const [T, B, GH] = gx.shape;
  const backend = gx.backend;
  let h = h0;
  let c = c0;
  const outputs: Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const gxt = reshape(slice(gx, [t, 0, 0], [1, B, GH]), [B, GH]);
    const next = cell.referenceStep({ gx: gxt, h, c, weightHh, biasHh });
    if (mask === null) {
      outputs.push(next.h);
      h = next.h;
      c = next.c;
    } else {
      const m = tensor(mask.subarray(t * B, (t + 1) * B), [B, 1], { backend });
      outputs.push(where(m, next.h, 0));
      h = where(m, next.h, h);
      c = c === null || next.c === null ? null : where(m, next.c, c);
    }
  }
  return { output: stack(outputs, 0), h, c };
}
