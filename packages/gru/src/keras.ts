import { ShapeError, ValueError, checkOptions, describeValue, isTensor, type Tensor } from '@gated/core';
import { GRU } from './gru';
import { GRUCell } from './gru-cell';

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

/** Options of {@link loadKerasGruWeights}. */
export interface LoadKerasGruOptions extends KerasLayerSelection {
  /**
   * Accept NaN and ±Infinity in the Keras arrays. By default a non-finite value is an error naming
   * the array and the position, and nothing is loaded.
   * @defaultValue false
   */
  allowNonFinite?: boolean;
}

const SELECTION_SPEC = { layer: 'number', reverse: 'boolean' } as const;
const WEIGHTS_SPEC = { kernel: 'any', recurrentKernel: 'any', bias: 'any' } as const;

/** Plain `{ shape, data }` arrays keyed by PyTorch parameter name, ready for `loadStateDict`. */
export type PlainStateDict = Record<string, { shape: number[]; data: Float32Array }>;

// Keras column block k holds PyTorch row block KERAS_TO_TORCH[k]: z ← 1, r ← 0, h(n) ← 2.
// The map is its own inverse, so it converts in both directions.
const KERAS_TO_TORCH = [1, 0, 2] as const;

/** A Keras array as checked host data: numbers, as many as its shape needs, finite unless allowed. */
function plain(name: string, a: unknown, allowNonFinite = false): { shape: readonly number[]; data: ArrayLike<number> } {
  let shape: readonly number[];
  let data: ArrayLike<number>;
  if (isTensor(a)) {
    shape = a.shape;
    data = a.dataSync();
  } else {
    const value = a as { shape?: unknown; data?: unknown } | null;
    if (value === null || typeof value !== 'object' || !Array.isArray(value.shape) || !value.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new ValueError(`Keras GRU: ${name} must be a Tensor or { shape, data } with a shape of non-negative integers, got ${describeValue(a)}`);
    }
    const raw = value.data;
    const numeric =
      (ArrayBuffer.isView(raw) && !(raw instanceof DataView) && !(raw instanceof BigInt64Array) && !(raw instanceof BigUint64Array)) ||
      (Array.isArray(raw) && raw.every((v) => typeof v === 'number'));
    if (!numeric) throw new ValueError(`Keras GRU: ${name}.data must be an array or typed array of numbers, got ${describeValue(raw)}`);
    shape = value.shape as number[];
    data = raw as ArrayLike<number>;
    const size = shape.reduce((x, y) => x * y, 1);
    if (data.length !== size) throw new ShapeError(`Keras GRU: ${name} of shape [${shape.join(', ')}] needs ${size} values, got ${data.length}`);
  }
  if (!allowNonFinite) {
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) throw new ValueError(`Keras GRU: ${name} holds ${data[i]} at position ${i}; expected finite values (pass allowNonFinite: true to load it anyway)`);
    }
  }
  return { shape, data };
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
 * @param suffix - the PyTorch name suffix of the layer and direction, `''` for a cell.
 * @param allowNonFinite - accept NaN and ±Infinity in the arrays (by default they are an error).
 * @throws ShapeError for inconsistent shapes, ValueError when the bias layout does not fit `resetAfter`.
 */
export function kerasGruToStateDict(weights: KerasGruWeights, resetAfter: boolean, suffix = '_l0', allowNonFinite = false): PlainStateDict {
  checkOptions(weights, { where: 'Keras GRU weights', spec: WEIGHTS_SPEC, required: ['kernel', 'recurrentKernel'] });
  if (typeof resetAfter !== 'boolean') throw new ValueError(`Keras GRU: resetAfter must be a boolean, got ${describeValue(resetAfter)}`);
  const kernel = plain('kernel', weights.kernel, allowNonFinite);
  const recurrent = plain('recurrentKernel', weights.recurrentKernel, allowNonFinite);
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
    const bias = plain('bias', weights.bias, allowNonFinite);
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

function selection(module: GRU | GRUCell, options: KerasLayerSelection, where: string, extra: Record<string, 'boolean'> = {}): string {
  if (!(module instanceof GRU) && !(module instanceof GRUCell)) throw new ValueError(`Keras GRU: expected a GRU or a GRUCell, got ${describeValue(module)}`);
  checkOptions(options, { where, spec: { ...SELECTION_SPEC, ...extra } });
  if (module instanceof GRUCell) {
    if (options?.layer !== undefined && options.layer !== 0) throw new ValueError(`Keras GRU: a GRUCell has one layer, got layer ${options.layer}`);
    if (options?.reverse) throw new ValueError('Keras GRU: a GRUCell has no reverse direction');
    return '';
  }
  options = options ?? {};
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
 * @remarks Everything is checked before anything changes, so on any error the module is unchanged:
 * the keys of `weights` and `options`, each array's data length against its shape, the shapes
 * against each other and the module, the bias layout against `resetAfter`, and that every value is
 * finite (unless `allowNonFinite`).
 * @throws ShapeError, ValueError (OptionsError for an unknown key such as `recurrent_kernel`) or the
 * module's StateDictError.
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
export function loadKerasGruWeights(module: GRU | GRUCell, weights: KerasGruWeights, options?: LoadKerasGruOptions | null): void {
  const suffix = selection(module, options ?? {}, 'loadKerasGruWeights(module, weights, options)', { allowNonFinite: 'boolean' });
  const allowNonFinite = options?.allowNonFinite ?? false;
  const state = kerasGruToStateDict(weights, module.resetAfter, suffix, allowNonFinite);
  if (!module.bias && `bias_ih${suffix}` in state) throw new ValueError('Keras GRU: the weights have a bias but the module was built with bias: false');
  if (module.bias && !(`bias_ih${suffix}` in state)) throw new ValueError('Keras GRU: the module has biases but the weights have none (use_bias=False); build it with bias: false');
  // One loadStateDict call, which checks every array before it writes any: on an error the module is unchanged.
  module.loadStateDict(state, { strict: false, allowNonFinite });
}

/**
 * Exports one layer and direction of a {@link GRU} (or a {@link GRUCell}) in Keras `layers.GRU` layout:
 * `kernel` `[inputSize, 3H]`, `recurrentKernel` `[H, 3H]`, `bias` `[2, 3H]` (`resetAfter: true`) or
 * `[3H]` (`resetAfter: false`, `b_ih + b_hh` rounded to float32). Set them in Python with
 * `layer.set_weights([kernel, recurrent_kernel, bias])`.
 */
export function exportKerasGruWeights(module: GRU | GRUCell, options?: KerasLayerSelection | null): { kernel: { shape: number[]; data: Float32Array }; recurrentKernel: { shape: number[]; data: Float32Array }; bias: { shape: number[]; data: Float32Array } | null } {
  const suffix = selection(module, options ?? {}, 'exportKerasGruWeights(module, options)');
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
