import type { RecurrentLayerCell } from '@gated/core';
import {
  gruResetBeforeBackwardGates,
  gruResetBeforeBackwardReset,
  gruResetBeforeGates,
  gruResetBeforeOutput,
  gruStep,
  gruStepBackward,
  lstmStep,
  lstmStepBackward,
} from './recurrent';

/**
 * The memory and the matrix product a whole-layer kernel runs on: one `Float32Array` heap that every
 * offset indexes. The `js` kernel set backs it with a plain array and its float64-accumulating matmul;
 * the WebAssembly sets with the module's linear memory and its SIMD sgemm, so that the time loop's
 * buffers are read and written in place by both the gate math and the products.
 */
export interface LayerWorkspace {
  /** The heap; read it again after {@link LayerWorkspace.reserve}, which may replace it. */
  readonly heap: Float32Array;
  /**
   * Makes the heap at least `floats` long (contents up to the old length are kept), with room for
   * `packingFloats` of packed operands besides it, so that no product needs to grow memory (and
   * replace the heap) in the middle of a layer.
   */
  reserve(floats: number, packingFloats: number): void;
  /**
   * `heap[c : c + m·n] = op(A)·op(B)`, all contiguous row-major: A is `[m, k]` (stored `[k, m]` when
   * `transA`), B is `[k, n]` (stored `[n, k]` when `transB`). `reuseB` promises that this B region
   * holds the same values as at the last call with the same `b`, `k`, `n`, `transB` and `reuseB`
   * since the last {@link LayerWorkspace.reserve} (a weight matrix multiplied at every step), so an
   * implementation may keep it packed. `accumulate`: `C += op(A)·op(B)` instead of `C =`.
   */
  matmul(a: number, b: number, c: number, m: number, n: number, k: number, transA: boolean, transB: boolean, reuseB?: boolean, accumulate?: boolean): void;
}

/** Host-side inputs of one layer and direction (see core's `RecurrentLayerKernelArgs`). */
export interface LayerProblem {
  readonly cell: RecurrentLayerCell;
  readonly seqLen: number;
  readonly batch: number;
  readonly hiddenSize: number;
  readonly weightHh: Float32Array;
  readonly biasHh: Float32Array | null;
  readonly mask: Float32Array | null;
}

/** The input form of a layer (core's `RecurrentLayerInput`): the projection `x·W_ihᵀ + b_ih` runs inside. */
export interface LayerInput {
  /** `[seqLen, batch, inputSize]`. */
  readonly x: Float32Array;
  /** `[G·H, inputSize]`. */
  readonly weightIh: Float32Array;
  readonly biasIh: Float32Array | null;
  readonly inputSize: number;
}

/** The gradients of one layer and direction (core's `RecurrentLayerBackwardResult`, as host arrays). */
export interface LayerGradients {
  readonly gradGx: Float32Array | null;
  readonly gradX: Float32Array | null;
  readonly gradWeightIh: Float32Array | null;
  readonly gradBiasIh: Float32Array | null;
  readonly gradH0: Float32Array;
  readonly gradC0: Float32Array | null;
  readonly gradWeightHh: Float32Array;
  readonly gradBiasHh: Float32Array | null;
}

/** Gate blocks of each cell. */
export function gateCount(cell: RecurrentLayerCell): number {
  return cell === 'lstm' ? 4 : 3;
}

/**
 * Sizes of what the forward keeps for the backward, in order. `gru`: previous hidden states
 * `[T, B, H]` and `r | z | n | gh_n` `[T, B, 4H]`; `gruResetBefore`: previous hidden states,
 * `r | z | n` `[T, B, 3H]` and `r ⊙ h` `[T, B, H]`; `lstm`: previous hidden and cell states and
 * `i | f | g | o | tanh(c')` `[T, B, 5H]`.
 */
export function savedShapes(p: LayerProblem): number[][] {
  const { seqLen: T, batch: B, hiddenSize: H } = p;
  switch (p.cell) {
    case 'gru':
      return [
        [T, B, H],
        [T, B, 4 * H],
      ];
    case 'gruResetBefore':
      return [
        [T, B, H],
        [T, B, 3 * H],
        [T, B, H],
      ];
    case 'lstm':
      return [
        [T, B, H],
        [T, B, H],
        [T, B, 5 * H],
      ];
    default: {
      const unreachable: never = p.cell;
      throw new Error(`unknown recurrent cell ${String(unreachable)}`);
    }
  }
}

/** A bump allocator of 16-byte-aligned heap regions (aligned for the SIMD kernels). */
class Regions {
  size = 0;
  take(floats: number): number {
    const at = this.size;
    this.size += (floats + 3) & ~3;
    return at;
  }
}

/**
 * An upper bound (floats) of the packed operands one layer call needs: the weights kept packed, plus
 * the largest transient product (the products over all steps pack `[T·B, H]` or `[T·B, I]`).
 */
function packingBound(p: LayerProblem, inputSize: number): number {
  const GH = gateCount(p.cell) * p.hiddenSize;
  const rows = p.seqLen * p.batch;
  const I = inputSize;
  return 2 * (GH + 8) * (GH + 8) + (p.hiddenSize + 8) * rows + (I + 8) * (rows + 2 * GH + 8) + 4 * (rows + GH + I) + 256;
}

/** Column sums of `heap[at : at + rows·width]` in float64, rounded once. */
function columnSums(heap: Float32Array, at: number, rows: number, width: number, out: Float32Array, outFrom = 0): void {
  const sums = new Float64Array(width);
  for (let i = 0; i < rows; i++) for (let j = 0; j < width; j++) sums[j] += heap[at + i * width + j];
  for (let j = 0; j < width; j++) out[outFrom + j] = sums[j];
}

function valid(mask: Float32Array | null, index: number): boolean {
  return mask === null || mask[index] !== 0;
}

/** `heap[at + b·width + j] += bias[j]` for every row. */
function addBiasRows(heap: Float32Array, at: number, rows: number, bias: Float32Array, biasFrom: number, width: number, stride: number): void {
  for (let b = 0; b < rows; b++) {
    const o = at + b * stride;
    for (let j = 0; j < width; j++) heap[o + j] += bias[biasFrom + j];
  }
}

/**
 * The forward of one layer and direction over all steps.
 *
 * @remarks For every step: one product `h_{t−1}·W_hhᵀ` (two for the reset-before GRU, whose candidate
 * multiplies `r ⊙ h`), the cell's fused gate math from `recurrent.ts` (the same functions the per-step
 * kernels run), then a per-row selection by the mask: a padded row keeps its state and emits 0.
 * Gate values a padded row computes from its (unread-by-contract, possibly NaN) inputs are selected
 * away, never multiplied in.
 *
 * @param gx - `[T, B, G·H]` input projection, or `null` with `input`.
 * @param input - the input form: `gx = x·W_ihᵀ + b_ih` is computed first, as one product over all steps.
 * @param allocate - returns a new zeroed array of `size` floats owned by the caller (backend storage).
 * @returns The packed output `[T + 1 (+1), B, H]` and the saved arrays of {@link savedShapes}.
 */
export function recurrentLayerForward(
  ws: LayerWorkspace,
  p: LayerProblem,
  gx: Float32Array | null,
  input: LayerInput | null,
  h0: Float32Array,
  c0: Float32Array | null,
  keepForBackward: boolean,
  allocate: (size: number) => Float32Array,
): { packed: Float32Array; saved: Float32Array[] } {
  const { cell, seqLen: T, batch: B, hiddenSize: H, mask } = p;
  const G = gateCount(cell);
  const GH = G * H;
  const BH = B * H;
  const lstm = cell === 'lstm';
  const resetBefore = cell === 'gruResetBefore';
  const S = cell === 'gru' ? 4 * H : lstm ? 5 * H : 3 * H;
  const r = new Regions();
  const gxAt = r.take(T * B * GH);
  const wAt = r.take(GH * H);
  const hsAt = r.take((T + 1) * BH);
  const csAt = lstm ? r.take((T + 1) * BH) : -1;
  const gatesAt = r.take(T * B * S);
  const rhAt = resetBefore ? r.take(T * BH) : -1;
  const ghAt = r.take(B * GH);
  const hNewAt = r.take(BH);
  const cNewAt = lstm ? r.take(BH) : -1;
  const I = input?.inputSize ?? 0;
  const xAt = input === null ? -1 : r.take(T * B * I);
  const wIhAt = input === null ? -1 : r.take(GH * I);
  ws.reserve(r.size, packingBound(p, I));
  const heap = ws.heap;
  if (input === null) heap.set(gx as Float32Array, gxAt);
  else {
    heap.set(input.x, xAt);
    heap.set(input.weightIh, wIhAt);
    ws.matmul(xAt, wIhAt, gxAt, T * B, GH, I, false, true);
    if (input.biasIh !== null) addBiasRows(heap, gxAt, T * B, input.biasIh, 0, GH, GH);
  }
  heap.set(p.weightHh, wAt);
  heap.set(h0, hsAt);
  if (lstm) heap.set(c0 as Float32Array, csAt);
  const bias = p.biasHh;
  const packed = allocate((T + (lstm ? 2 : 1)) * BH);
  const view = (at: number, size: number) => heap.subarray(at, at + size);
  const gh = view(ghAt, B * GH);
  const hNew = view(hNewAt, BH);
  const cNew = lstm ? view(cNewAt, BH) : hNew;

  for (let t = 0; t < T; t++) {
    const hAt = hsAt + t * BH;
    if (resetBefore) {
      const h = view(hAt, BH);
      const gxt = view(gxAt + t * B * GH, B * GH);
      const gates = view(gatesAt + t * B * S, B * S);
      ws.matmul(hAt, wAt, ghAt, B, 2 * H, H, false, true, true);
      if (bias !== null) addBiasRows(heap, ghAt, B, bias, 0, 2 * H, 2 * H);
      const rh = view(rhAt + t * BH, BH);
      gruResetBeforeGates(gxt, gh, h, B, H, gates, rh);
      ws.matmul(rhAt + t * BH, wAt + 2 * H * H, ghAt, B, H, H, false, true, true);
      if (bias !== null) addBiasRows(heap, ghAt, B, bias, 2 * H, H, H);
      gruResetBeforeOutput(gxt, gh, h, B, H, hNew, gates);
    } else {
      const gxt = view(gxAt + t * B * GH, B * GH);
      const gates = view(gatesAt + t * B * S, B * S);
      ws.matmul(hAt, wAt, ghAt, B, GH, H, false, true, true);
      if (bias !== null) addBiasRows(heap, ghAt, B, bias, 0, GH, GH);
      if (lstm) lstmStep(gxt, gh, view(csAt + t * BH, BH), B, H, hNew, cNew, gates);
      else gruStep(gxt, gh, view(hAt, BH), B, H, hNew, gates);
    }
    const next = hAt + BH;
    if (mask === null) {
      heap.copyWithin(next, hNewAt, hNewAt + BH);
      packed.set(hNew, t * BH);
      if (lstm) heap.copyWithin(csAt + (t + 1) * BH, cNewAt, cNewAt + BH);
      continue;
    }
    // Selection, row by row: the state of a padded row is carried, its output is exactly 0.
    for (let b = 0; b < B; b++) {
      const o = b * H;
      const out = t * BH + o;
      if (valid(mask, t * B + b)) {
        for (let j = 0; j < H; j++) {
          heap[next + o + j] = hNew[o + j];
          packed[out + j] = hNew[o + j];
        }
        if (lstm) for (let j = 0; j < H; j++) heap[csAt + (t + 1) * BH + o + j] = cNew[o + j];
      } else {
        for (let j = 0; j < H; j++) heap[next + o + j] = heap[hAt + o + j];
        // `r ⊙ h` is the operand of dW_hn; a padded row's value came from unread input, so it is cleared.
        if (resetBefore) heap.fill(0, rhAt + t * BH + o, rhAt + t * BH + o + H);
        if (lstm) for (let j = 0; j < H; j++) heap[csAt + (t + 1) * BH + o + j] = heap[csAt + t * BH + o + j];
      }
    }
  }
  packed.set(view(hsAt + T * BH, BH), T * BH);
  if (lstm) packed.set(view(csAt + T * BH, BH), (T + 1) * BH);
  const saved: Float32Array[] = [];
  if (keepForBackward) {
    const keep = (at: number, size: number) => {
      const a = allocate(size);
      a.set(view(at, size));
      saved.push(a);
    };
    keep(hsAt, T * BH);
    if (lstm) keep(csAt, T * BH);
    keep(gatesAt, T * B * S);
    if (resetBefore) keep(rhAt, T * BH);
  }
  return { packed, saved };
}

/**
 * Backpropagation through time for {@link recurrentLayerForward}.
 *
 * @remarks Steps run from last to first; a valid row gets `dh_t = dy_t + dh` (and `dc` for the LSTM)
 * and the cell's fused step backward; a padded row gets `dgx = dgh = 0` (written, not computed) and
 * passes `dh`, `dc` to the previous step unchanged. The gradients of the hidden pre-activations of
 * all steps are kept, so `dW_hh = Σ_t dgh_tᵀ·h_{t−1}` is one product over `T·B` rows after the loop
 * and `db_hh` one column sum.
 *
 * The input form continues through the projection with two more products over all steps, `dX =
 * dgx·W_ih` and `dW_ih = dgxᵀ·x`, and the column sum `db_ih`.
 *
 * @returns `gradGx` `[T, B, G·H]` (or, for the input form, `gradX` `[T, B, I]`, `gradWeightIh` `[G·H, I]`
 * and `gradBiasIh`), `gradH0`, `gradC0` (LSTM) `[B, H]`, `gradWeightHh` `[G·H, H]` and `gradBiasHh`
 * `[G·H]` (when the layer has `b_hh`).
 */
export function recurrentLayerBackward(
  ws: LayerWorkspace,
  p: LayerProblem,
  input: LayerInput | null,
  saved: readonly Float32Array[],
  gradPacked: Float32Array,
  allocate: (size: number) => Float32Array,
): LayerGradients {
  const { cell, seqLen: T, batch: B, hiddenSize: H, mask } = p;
  const G = gateCount(cell);
  const GH = G * H;
  const BH = B * H;
  const lstm = cell === 'lstm';
  const resetBefore = cell === 'gruResetBefore';
  const S = cell === 'gru' ? 4 * H : lstm ? 5 * H : 3 * H;
  const r = new Regions();
  const wAt = r.take(GH * H);
  const hsAt = r.take(T * BH);
  const csAt = lstm ? r.take(T * BH) : -1;
  const gatesAt = r.take(T * B * S);
  const rhAt = resetBefore ? r.take(T * BH) : -1;
  // dgh of every step: `[T·B, G·H]` (reset-before: `[T·B, 2H]` for r, z and `[T·B, H]` for n, so that
  // each block of dW_hh is one contiguous product).
  const dghAt = r.take(T * B * (resetBefore ? 2 * H : GH));
  const danAt = resetBefore ? r.take(T * BH) : -1;
  const dgxStepAt = r.take(B * GH);
  const dhAt = r.take(BH);
  const dcAt = lstm ? r.take(BH) : -1;
  const dTotAt = r.take(BH);
  const directAt = r.take(BH);
  const viaAt = r.take(BH);
  const drhAt = resetBefore ? r.take(BH) : -1;
  const dWAt = r.take(GH * H);
  // dgx of every step, [T·B, G·H].
  const dgxAt = r.take(T * B * GH);
  const I = input?.inputSize ?? 0;
  const xAt = input === null ? -1 : r.take(T * B * I);
  const wIhAt = input === null ? -1 : r.take(GH * I);
  const dXAt = input === null ? -1 : r.take(T * B * I);
  const dWIhAt = input === null ? -1 : r.take(GH * I);
  ws.reserve(r.size, packingBound(p, I));
  const heap = ws.heap;
  heap.set(p.weightHh, wAt);
  heap.set(saved[0], hsAt);
  if (lstm) {
    heap.set(saved[1], csAt);
    heap.set(saved[2], gatesAt);
  } else {
    heap.set(saved[1], gatesAt);
    if (resetBefore) heap.set(saved[2], rhAt);
  }
  const view = (at: number, size: number) => heap.subarray(at, at + size);
  heap.set(gradPacked.subarray(T * BH, (T + 1) * BH), dhAt);
  if (lstm) heap.set(gradPacked.subarray((T + 1) * BH, (T + 2) * BH), dcAt);
  const dgxStep = view(dgxStepAt, B * GH);
  const dTot = view(dTotAt, BH);
  const direct = view(directAt, BH);
  const dc = lstm ? view(dcAt, BH) : direct;
  const dcPrev = view(viaAt, BH);

  for (let t = T - 1; t >= 0; t--) {
    for (let i = 0; i < BH; i++) dTot[i] = gradPacked[t * BH + i] + heap[dhAt + i];
    if (lstm) {
      // dgx = dgh for the LSTM: one buffer, written straight into the dgh of all steps.
      const dgAt = dghAt + t * B * GH;
      lstmStepBackward(dTot, dc, view(csAt + t * BH, BH), view(gatesAt + t * B * S, B * S), B, H, view(dgAt, B * GH), dcPrev);
      if (mask === null) {
        heap.copyWithin(dcAt, viaAt, viaAt + BH);
      } else {
        for (let b = 0; b < B; b++) {
          if (valid(mask, t * B + b)) heap.copyWithin(dcAt + b * H, viaAt + b * H, viaAt + (b + 1) * H);
          else heap.fill(0, dgAt + b * GH, dgAt + (b + 1) * GH);
        }
      }
      heap.copyWithin(dgxStepAt, dgAt, dgAt + B * GH);
      ws.matmul(dgAt, wAt, directAt, B, H, GH, false, false, true);
    } else if (resetBefore) {
      const h = view(hsAt + t * BH, BH);
      const gates = view(gatesAt + t * B * S, B * S);
      const dan = view(danAt + t * BH, BH);
      gruResetBeforeBackwardGates(dTot, h, gates, B, H, dgxStep, dan, direct);
      for (let b = 0; b < B; b++) if (!valid(mask, t * B + b)) dan.fill(0, b * H, (b + 1) * H);
      ws.matmul(danAt + t * BH, wAt + 2 * H * H, drhAt, B, H, H, false, false, true);
      gruResetBeforeBackwardReset(view(drhAt, BH), h, gates, B, H, dgxStep, direct);
      const dRz = view(dghAt + t * B * 2 * H, B * 2 * H);
      for (let b = 0; b < B; b++) {
        const ok = valid(mask, t * B + b);
        for (let j = 0; j < 2 * H; j++) dRz[b * 2 * H + j] = ok ? dgxStep[b * GH + j] : 0;
      }
      ws.matmul(dghAt + t * B * 2 * H, wAt, directAt, B, H, 2 * H, false, false, true, true);
    } else {
      const dgAt = dghAt + t * B * GH;
      gruStepBackward(dTot, view(hsAt + t * BH, BH), view(gatesAt + t * B * S, B * S), B, H, dgxStep, view(dgAt, B * GH), direct);
      if (mask !== null) for (let b = 0; b < B; b++) if (!valid(mask, t * B + b)) heap.fill(0, dgAt + b * GH, dgAt + (b + 1) * GH);
      ws.matmul(dgAt, wAt, directAt, B, H, GH, false, false, true, true);
    }
    // `direct` now holds the whole gradient reaching h_{t−1} through a valid row.
    heap.set(dgxStep, dgxAt + t * B * GH);
    if (mask === null) {
      heap.copyWithin(dhAt, directAt, directAt + BH);
      continue;
    }
    for (let b = 0; b < B; b++) {
      if (valid(mask, t * B + b)) {
        for (let j = 0; j < H; j++) heap[dhAt + b * H + j] = direct[b * H + j];
      } else {
        // A padded row: its gx gradient is written 0 (what the step computed there is dropped) and
        // dh passes through unchanged.
        heap.fill(0, dgxAt + t * B * GH + b * GH, dgxAt + t * B * GH + (b + 1) * GH);
      }
    }
  }

  const gradWeightHh = allocate(GH * H);
  const gradBiasHh = p.biasHh === null ? null : allocate(GH);
  if (resetBefore) {
    ws.matmul(dghAt, hsAt, dWAt, 2 * H, H, T * B, true, false);
    ws.matmul(danAt, rhAt, dWAt + 2 * H * H, H, H, T * B, true, false);
  } else {
    ws.matmul(dghAt, hsAt, dWAt, GH, H, T * B, true, false);
  }
  gradWeightHh.set(view(dWAt, GH * H));
  if (gradBiasHh !== null) {
    if (resetBefore) {
      columnSums(heap, dghAt, T * B, 2 * H, gradBiasHh);
      columnSums(heap, danAt, T * B, H, gradBiasHh, 2 * H);
    } else {
      columnSums(heap, dghAt, T * B, GH, gradBiasHh);
    }
  }
  const take = (at: number, size: number) => {
    const out = allocate(size);
    out.set(view(at, size));
    return out;
  };
  let gradX: Float32Array | null = null;
  let gradWeightIh: Float32Array | null = null;
  let gradBiasIh: Float32Array | null = null;
  if (input !== null) {
    heap.set(input.x, xAt);
    heap.set(input.weightIh, wIhAt);
    ws.matmul(dgxAt, wIhAt, dXAt, T * B, I, GH, false, false);
    ws.matmul(dgxAt, xAt, dWIhAt, GH, I, T * B, true, false);
    gradX = take(dXAt, T * B * I);
    gradWeightIh = take(dWIhAt, GH * I);
    if (input.biasIh !== null) {
      gradBiasIh = allocate(GH);
      columnSums(heap, dgxAt, T * B, GH, gradBiasIh);
    }
  }
  return {
    gradGx: input === null ? take(dgxAt, T * B * GH) : null,
    gradX,
    gradWeightIh,
    gradBiasIh,
    gradH0: take(dhAt, BH),
    gradC0: lstm ? take(dcAt, BH) : null,
    gradWeightHh,
    gradBiasHh,
  };
}
