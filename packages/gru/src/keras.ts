import { ShapeError, ValueError, isTensor, type Tensor } from '@gated/core';
import type { GRU } from './gru';
import type { GRUCell } from './gru-cell';

/** A weight array as Keras stores it: a tensor, or plain `{ shape, data }` (e.g. parsed JSON of `layer.get_weights()`). */
export type KerasArray = Tensor | { readonly shape: readonly number[]; readonly data: ArrayLike<number> };

/** The weights of one Keras `layers.GRU` (or `GRUCell`), in `layer.get_weights()` order. */
export interface KerasGruWeights {
  /** `[inputSize, 3·units]`, column blocks z, r, h. */
  readonly kernel: KerasArray;
  /** `[units, 3·units]`, column blocks z, r, h. */
  readonly recurrentKernel: KerasArray;
  /** `[2, 3·units]` (`reset_after=True`: input bias row, recurrent bias row) or `[3·units]` (`reset_after=False`); absent with `use_bias=False`. */
  readonly bias?: KerasArray | null;
}

/** Which layer and direction of a {@link GRU} to read or write. */
export interface KerasLayerSelection {
  /** Layer index. @defaultValue 0 */
  layer?: number;
  /** The reverse direction of a bidirectional GRU (Keras `Bidirectional`'s `backward_layer`). @defaultValue false */
  reverse?: boolean;
}

/** Plain `{ shape, data }` arrays keyed by PyTorch parameter name, ready for `loadStateDict`. */
export type PlainStateDict = Record<string, { shape: number[]; data: Float32Array }>;

// Keras column block k holds PyTorch row block KERAS_TO_TORCH[k]: z ← 1, r ← 0, h(n) ← 2.
// The map is its own inverse, so it converts in both directions.
const KERAS_TO_TORCH = [1, 0, 2] as const;

function plain(a: KerasArray): { shape: readonly number[]; data: ArrayLike<number> } {
  return isTensor(a) ? { shape: a.shape, data: a.dataSync() } : a;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** `[rows·3, cols]` PyTorch blocks (r, z, n) → Keras `[cols, 3·rows]` blocks (z, r, h); `H` is the block height. */
function torchToKeras(w: ArrayLike<number>, H: number, cols: number): Float32Array {
  const out = new Float32Array(3 * H * cols);
  for (let k = 0; k < 3; k++) {
    const src = KERAS_TO_TORCH[k];
    for (let j = 0; j < H; j++) for (let i = 0; i < cols; i++) out[i * 3 * H + k * H + j] = w[(src * H + j) * cols + i];
  }
  return out;
}

function kerasToTorch(w: ArrayLike<number>, H: number, cols: number): Float32Array {
  const out = new Float32Array(3 * H * cols);
  for (let k = 0; k < 3; k++) {
    const dst = KERAS_TO_TORCH[k];
    for (let j = 0; j < H; j++) for (let i = 0; i < cols; i++) out[(dst * H + j) * cols + i] = w[i * 3 * H + k * H + j];
  }
  return out;
}

function reorderVector(v: ArrayLike<number>, H: number, offset = 0): Float32Array {
  const out = new Float32Array(3 * H);
  for (let k = 0; k < 3; k++) for (let j = 0; j < H; j++) out[KERAS_TO_TORCH[k] * H + j] = v[offset + k * H + j];
  return out;
}

/**
 * Converts Keras GRU weights to a PyTorch-named state dict for one layer and direction (keys
 * `weight_ih_l{k}[_reverse]`, … or the cell's `weight_ih`, … when `suffix` is `''`).
 *
 * @remarks
 * PyTorch stores `weight_ih` as `[3H, in]` row blocks (r, z, n); Keras stores `kernel` as
 * `[in, 3H]` column blocks (z, r, h): `kernel = concat([W_iz, W_ir, W_in]).T`. A `[2, 3H]` bias
 * (`reset_after=True`) is `[b_ih; b_hh]` reordered; a `[3H]` bias (`reset_after=False`) is the sum
 * `b_ih + b_hh`, loaded as `b_ih` with `b_hh = 0`, which is exact because in the reset-before
 * formulation `b_hn` sits outside `r ⊙ ·`. The update `h' = z ⊙ h + (1 − z) ⊙ ĥ` is the same in both.
 *
 * @param resetAfter - the target GRU's formulation; must agree with the bias layout.
 * @throws ShapeError for inconsistent shapes, ValueError when the bias layout does not fit `resetAfter`.
 */
export function kerasGruToStateDict(weights: KerasGruWeights, resetAfter: boolean, suffix = '_l0'): PlainStateDict {
  const kernel = plain(weights.kernel);
  const recurrent = plain(weights.recurrentKernel);
  if (recurrent.shape.length !== 2 || recurrent.shape[1] !== 3 * recurrent.shape[0]) {
    throw new ShapeError(`Keras GRU: recurrent_kernel must be [units, 3·units], got [${recurrent.shape.join(', ')}]`);
  }
  const H = recurrent.shape[0];
  if (kernel.shape.length !== 2 || kernel.shape[1] !== 3 * H) {
    throw new ShapeError(`Keras GRU: kernel must be [inputSize, ${3 * H}], got [${kernel.shape.join(', ')}]`);
  }
  const I = kernel.shape[0];
  const out: PlainStateDict = {
    [`weight_ih${suffix}`]: { shape: [3 * H, I], data: kerasToTorch(kernel.data, H, I) },
    [`weight_hh${suffix}`]: { shape: [3 * H, H], data: kerasToTorch(recurrent.data, H, H) },
  };
  if (weights.bias !== undefined && weights.bias !== null) {
    const bias = plain(weights.bias);
    if (sameShape(bias.shape, [2, 3 * H])) {
      if (!resetAfter) throw new ValueError('Keras GRU: a [2, 3·units] bias comes from reset_after=True; load it into a GRU with resetAfter: true');
      out[`bias_ih${suffix}`] = { shape: [3 * H], data: reorderVector(bias.data, H, 0) };
      out[`bias_hh${suffix}`] = { shape: [3 * H], data: reorderVector(bias.data, H, 3 * H) };
    } else if (sameShape(bias.shape, [3 * H])) {
      if (resetAfter) throw new ValueError('Keras GRU: a [3·units] bias comes from reset_after=False; load it into a GRU with resetAfter: false');
      out[`bias_ih${suffix}`] = { shape: [3 * H], data: reorderVector(bias.data, H) };
      out[`bias_hh${suffix}`] = { shape: [3 * H], data: new Float32Array(3 * H) };
    } else {
      throw new ShapeError(`Keras GRU: bias must be [2, ${3 * H}] (reset_after=True) or [${3 * H}] (reset_after=False), got [${bias.shape.join(', ')}]`);
    }
  }
  return out;
}

function selection(module: GRU | GRUCell, options: KerasLayerSelection): string {
  if (!('numLayers' in module)) return '';
  const layer = options.layer ?? 0;
  if (!Number.isInteger(layer) || layer < 0 || layer >= module.numLayers) {
    throw new ValueError(`Keras GRU: layer must be an integer in [0, ${module.numLayers - 1}], got ${layer}`);
  }
  if (options.reverse && !module.bidirectional) throw new ValueError('Keras GRU: reverse: true needs a bidirectional GRU');
  return `_l${layer}${options.reverse ? '_reverse' : ''}`;
}

/**
 * Loads Keras `layers.GRU` weights into one layer and direction of a {@link GRU} (or a {@link GRUCell}),
 * in place. Other parameters are left as they are.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { GRU, loadKerasGruWeights, type KerasArray } from '@gated/gru';
 *
 * // Written in Python from `kernel, recurrent_kernel, bias = keras_layer.get_weights()`
 * // as a JSON list of { "shape": [...], "data": [...] }.
 * const [kernel, recurrentKernel, bias] = JSON.parse(readFileSync('keras-gru.json', 'utf8')) as KerasArray[];
 * const gru = new GRU({ inputSize: 3, hiddenSize: 4, batchFirst: true }); // reset_after=True in Keras
 * loadKerasGruWeights(gru, { kernel, recurrentKernel, bias });
 * ```
 */
export function loadKerasGruWeights(module: GRU | GRUCell, weights: KerasGruWeights, options: KerasLayerSelection = {}): void {
  const suffix = selection(module, options);
  const state = kerasGruToStateDict(weights, module.resetAfter, suffix);
  if (!module.bias && `bias_ih${suffix}` in state) throw new ValueError('Keras GRU: the weights have a bias but the module was built with bias: false');
  if (module.bias && !(`bias_ih${suffix}` in state)) throw new ValueError('Keras GRU: the module has biases but the weights have none (use_bias=False); build it with bias: false');
  module.loadStateDict(state, { strict: false });
}

/**
 * Exports one layer and direction of a {@link GRU} (or a {@link GRUCell}) in Keras `layers.GRU` layout:
 * `kernel` `[inputSize, 3H]`, `recurrentKernel` `[H, 3H]`, `bias` `[2, 3H]` (`resetAfter: true`) or
 * `[3H]` (`resetAfter: false`, `b_ih + b_hh` rounded to float32). Set them in Python with
 * `layer.set_weights([kernel, recurrent_kernel, bias])`.
 */
export function exportKerasGruWeights(module: GRU | GRUCell, options: KerasLayerSelection = {}): { kernel: { shape: number[]; data: Float32Array }; recurrentKernel: { shape: number[]; data: Float32Array }; bias: { shape: number[]; data: Float32Array } | null } {
  const suffix = selection(module, options);
  const state = module.stateDict();
  const wIh = state[`weight_ih${suffix}`];
  const wHh = state[`weight_hh${suffix}`];
  const H = wHh.shape[1];
  const I = wIh.shape[1];
  const kernel = { shape: [I, 3 * H], data: torchToKeras(wIh.dataSync(), H, I) };
  const recurrentKernel = { shape: [H, 3 * H], data: torchToKeras(wHh.dataSync(), H, H) };
  const bIh = state[`bias_ih${suffix}`];
  const bHh = state[`bias_hh${suffix}`];
  if (bIh === undefined || bHh === undefined) return { kernel, recurrentKernel, bias: null };
  const toKeras = (v: ArrayLike<number>) => torchToKeras(v, H, 1);
  if (module.resetAfter) {
    const data = new Float32Array(6 * H);
    data.set(toKeras(bIh.dataSync()), 0);
    data.set(toKeras(bHh.dataSync()), 3 * H);
    return { kernel, recurrentKernel, bias: { shape: [2, 3 * H], data } };
  }
  const a = bIh.dataSync();
  const b = bHh.dataSync();
  return { kernel, recurrentKernel, bias: { shape: [3 * H], data: toKeras(Float32Array.from(a, (v, i) => v + b[i])) } };
}
