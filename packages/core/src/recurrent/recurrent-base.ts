import type { Backend } from '../backend/backend';
import { resolveBackend } from '../backend/default';
import { ShapeError, ValueError, formatShape } from '../errors';
import { isTensor, type Tensor } from '../tensor/tensor';
import { tensor, uniform, zeros } from '../tensor/creation';
import { defaultGenerator, type Generator } from '../random';
import { Module } from '../nn/module';
import { mul } from '../ops/binary';
import { concat, permute, reshape, slice, squeeze, stack, unsqueeze } from '../ops/shape';
import { indexSelect, where } from '../ops/indexing';
import { computeUntraced, recordComputed } from '../ops/record';
import { checkOptions, describeValue, type OptionSpec } from '../options';
import type { RecurrentCell } from './cells';
import { recurrentLayer, recurrentLayerReference, type RecurrentLayerArgs, type RecurrentLayerResult } from './recurrent-layer';

export * from './cells';
export * from './recurrent-layer';
export * from './recurrent-cell-base';

/** Options shared by every recurrent layer (PyTorch's `RNNBase` arguments, camel-cased). */
export interface RecurrentOptions {
  /** Features per input step (`input_size`). */
  inputSize: number;
  /** Features of the hidden state (`hidden_size`). */
  hiddenSize: number;
  /** Stacked layers (`num_layers`). @defaultValue 1 */
  numLayers?: number;
  /** Whether the layers have `b_ih` and `b_hh` (`bias`). @defaultValue true */
  bias?: boolean;
  /** Input and output are `[batch, seqLen, features]` instead of `[seqLen, batch, features]` (`batch_first`); states never are. @defaultValue false */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of every layer but the last, in training mode only (`dropout`). @defaultValue 0 */
  dropout?: number;
  /** Run a second, reversed direction per layer and concatenate (`bidirectional`). @defaultValue false */
  bidirectional?: boolean;
  /** The generator for the initial weights and the dropout masks. @defaultValue the default generator (`manualSeed`) */
  generator?: Generator;
  /** The backend that holds the parameters. @defaultValue the one set with `setBackend` */
  backend?: Backend;
}

/** Options of one {@link RecurrentBase.run} call. */
export interface RecurrentForwardOptions {
  /**
   * Valid length of each sequence, `batch` integers in `[0, seqLen]`. Steps at and after a sequence's
   * length output exactly `0`, leave the state unchanged and get zero gradient; the reverse direction
   * starts at each sequence's own last step. Equal to PyTorch's `pack_padded_sequence(...,
   * enforce_sorted=False)` followed by `pad_packed_sequence`, without packing.
   * @defaultValue every sequence has length `seqLen`
   */
  lengths?: readonly number[] | Int32Array;
}

/** States passed between calls: `h` (and `c` for a cell with cell state), each `[numLayers·numDirections, batch, hiddenSize]`. */
export interface RecurrentState {
  readonly h: Tensor;
  readonly c: Tensor | null;
}

/** What {@link RecurrentBase.run} returns. */
export interface RecurrentRunResult {
  /** `[seqLen, batch, numDirections·hiddenSize]` (`[batch, seqLen, …]` with `batchFirst`, `[seqLen, …]` unbatched). */
  readonly output: Tensor;
  /** Final states, shaped like the initial ones. */
  readonly state: RecurrentState;
}

/** The keys of {@link RecurrentOptions}, with their types, for {@link checkOptions}. */
export const RECURRENT_OPTION_SPEC: OptionSpec = {
  inputSize: 'number',
  hiddenSize: 'number',
  numLayers: 'number',
  bias: 'boolean',
  batchFirst: 'boolean',
  dropout: 'number',
  bidirectional: 'boolean',
  generator: 'generator',
  backend: 'backend',
};

/** The keys of {@link RecurrentForwardOptions}, with their types. */
export const RECURRENT_FORWARD_OPTION_SPEC: OptionSpec = { lengths: 'numbers' };

function assertPositiveInteger(layer: string, name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ValueError(`${layer}: ${name} must be a positive integer, got ${String(value)}`);
  }
}

/**
 * The machinery every recurrent layer shares, as PyTorch's `RNNBase`: parameter creation and naming
 * per layer and direction, input layouts (`batchFirst`, unbatched), `lengths` masking, initial
 * states, stacking layers and directions with inter-layer dropout, and the time loop with one autograd
 * node per layer and direction ({@link recurrentLayer}). A subclass supplies a {@link RecurrentCell}.
 *
 * @remarks
 * Parameters per layer `k` and direction (suffix `_reverse` for the second): `weight_ih_l{k}`
 * `[G·H, inputSize]` (layer 0) or `[G·H, D·H]`, `weight_hh_l{k}` `[G·H, H]`, `bias_ih_l{k}` and
 * `bias_hh_l{k}` `[G·H]`, with `G` the cell's gate count, all drawn from `U(−1/√H, 1/√H)` in that
 * order (PyTorch's `reset_parameters`).
 *
 * The forward fast path: for every layer and direction, ONE matmul projects all steps,
 * `gx = x·W_ihᵀ + b_ih` (`[seqLen·batch, G·H]`); then each step does only `h·W_hhᵀ + b_hh` and one
 * fused cell step.
 */
export abstract class RecurrentBase extends Module {
  /** Features per input step. */
  readonly inputSize: number;
  /** Features of the hidden state. */
  readonly hiddenSize: number;
  /** Stacked layers. */
  readonly numLayers: number;
  /** Whether the layers have biases. */
  readonly bias: boolean;
  /** Whether input and output are batch-first. */
  readonly batchFirst: boolean;
  /** Inter-layer dropout probability. */
  readonly dropout: number;
  /** Whether each layer runs both directions. */
  readonly bidirectional: boolean;
  /** The cell's step definition. */
  readonly cell: RecurrentCell;
  /**
   * Run the op-by-op reference composition instead of the fused time loop (slow; for tests and for
   * checking a new backend). Both give the same numbers.
   * @defaultValue false
   */
  useReference = false;
  /** The backend holding the parameters. */
  readonly backend: Backend;
  /** The generator for dropout masks. */
  readonly generator: Generator;

  /**
   * @param extraOptions - the subclass's own option keys (e.g. GRU's `resetAfter`), accepted besides
   *   {@link RecurrentOptions}; any other key is an `OptionsError`.
   */
  constructor(cell: RecurrentCell, rawOptions: RecurrentOptions, extraOptions: OptionSpec = {}) {
    super();
    const name = cell.name;
    const options = checkOptions(rawOptions, { where: `new ${name}(options)`, spec: { ...RECURRENT_OPTION_SPEC, ...extraOptions }, required: ['inputSize', 'hiddenSize'] });
    assertPositiveInteger(name, 'inputSize', options.inputSize);
    assertPositiveInteger(name, 'hiddenSize', options.hiddenSize);
    const numLayers = options.numLayers ?? 1;
    assertPositiveInteger(name, 'numLayers', numLayers);
    const dropout = options.dropout ?? 0;
    if (typeof dropout !== 'number' || !Number.isFinite(dropout) || dropout < 0 || dropout >= 1) {
      throw new ValueError(`${name}: dropout must be a finite number in [0, 1), got ${String(dropout)}`);
    }
    this.cell = cell;
    this.inputSize = options.inputSize;
    this.hiddenSize = options.hiddenSize;
    this.numLayers = numLayers;
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = dropout;
    this.bidirectional = options.bidirectional ?? false;
    this.backend = resolveBackend(options.backend);
    this.generator = options.generator ?? defaultGenerator;
    const H = this.hiddenSize;
    const GH = cell.gateCount * H;
    const bound = 1 / Math.sqrt(H);
    const init = (shape: number[]) => uniform(shape, -bound, bound, { generator: this.generator, backend: this.backend });
    for (let layer = 0; layer < numLayers; layer++) {
      const layerInput = layer === 0 ? this.inputSize : this.numDirections * H;
      for (let direction = 0; direction < this.numDirections; direction++) {
        const suffix = this.suffix(layer, direction);
        this.registerParameter(`weight_ih${suffix}`, init([GH, layerInput]));
        this.registerParameter(`weight_hh${suffix}`, init([GH, H]));
        this.registerParameter(`bias_ih${suffix}`, this.bias ? init([GH]) : null);
        this.registerParameter(`bias_hh${suffix}`, this.bias ? init([GH]) : null);
      }
    }
  }

  /** 2 when bidirectional, else 1. */
  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** The parameter-name suffix of a layer and direction: `_l0`, `_l1_reverse`, ... */
  protected suffix(layer: number, direction: number): string {
    return `_l${layer}${direction === 1 ? '_reverse' : ''}`;
  }

  /** The parameters of one layer and direction. */
  layerParameters(layer: number, direction = 0): { weightIh: Tensor; weightHh: Tensor; biasIh: Tensor | null; biasHh: Tensor | null } {
    const p = this.stateDict();
    const suffix = this.suffix(layer, direction);
    return { weightIh: p[`weight_ih${suffix}`], weightHh: p[`weight_hh${suffix}`], biasIh: p[`bias_ih${suffix}`] ?? null, biasHh: p[`bias_hh${suffix}`] ?? null };
  }

  /**
   * Runs the whole network: `input` `[seqLen, batch, inputSize]` (`[batch, seqLen, inputSize]` with
   * `batchFirst`, or unbatched `[seqLen, inputSize]`), optional initial states
   * `[numLayers·numDirections, batch, hiddenSize]` (`[numLayers·numDirections, hiddenSize]` unbatched).
   */
  protected run(input: Tensor, state: { h?: Tensor | null; c?: Tensor | null }, rawOptions?: RecurrentForwardOptions | null): RecurrentRunResult {
    const name = this.cell.name;
    const options = checkOptions(rawOptions, { where: `${name}.forward(input, state, options)`, spec: RECURRENT_FORWARD_OPTION_SPEC });
    const H = this.hiddenSize;
    const LD = this.numLayers * this.numDirections;
    if (!isTensor(input)) throw new ValueError(`${name}: input must be a Tensor, got ${typeof input}`);
    const layoutText = this.batchFirst ? '[batch, seqLen, ' : '[seqLen, batch, ';
    const expected = `${layoutText}${this.inputSize}] (batchFirst=${this.batchFirst})`;
    if (input.rank !== 2 && input.rank !== 3) {
      throw new ShapeError(`${name}: input must be ${expected} or unbatched [seqLen, ${this.inputSize}], got ${formatShape(input.shape)}`);
    }
    const batched = input.rank === 3;
    if (input.shape[input.rank - 1] !== this.inputSize) {
      throw new ShapeError(
        batched ? `${name}: input must be ${expected}, got ${formatShape(input.shape)}` : `${name}: unbatched input must be [seqLen, ${this.inputSize}], got ${formatShape(input.shape)}`,
      );
    }
    // Time-major from here on: x is [T, B, I].
    let x = batched ? (this.batchFirst ? permute(input, [1, 0, 2]) : input) : unsqueeze(input, 1);
    const [T, B] = x.shape;
    if (T < 1) throw new ShapeError(`${name}: input must have at least one step, got ${formatShape(input.shape)}`);
    const stateShape = batched ? [LD, B, H] : [LD, H];
    const initial = (value: Tensor | null | undefined, label: string): Tensor => {
      if (value === undefined || value === null) return zeros([LD, B, H], { backend: input.backend });
      if (!isTensor(value)) {
        const hint = typeof value === 'object' && 'lengths' in value ? ' (forward options such as lengths go in the third argument)' : '';
        throw new ValueError(`${name}: ${label} must be a Tensor ${formatShape(stateShape)} or null, got ${describeValue(value)}${hint}`);
      }
      if (value.rank !== stateShape.length || value.shape.some((d, i) => d !== stateShape[i])) {
        throw new ShapeError(
          `${name}: ${label} must be ${formatShape(stateShape)} ([numLayers·numDirections, ${batched ? 'batch, ' : ''}hiddenSize]; never batch-first), got ${formatShape(value.shape)}`,
        );
      }
      return batched ? value : unsqueeze(value, 1);
    };
    const h0 = initial(state.h, 'h0');
    const c0 = this.cell.hasCellState ? initial(state.c, 'c0') : null;
    const lengths = options.lengths === undefined ? null : this.checkLengths(options.lengths, T, B, batched);
    const mask = lengths === null ? null : maskOf(lengths, T, B);
    // Padding is never read: steps past a sequence's length are replaced by zeros before anything uses
    // them (a selection, not a product: 0·NaN would be NaN), so they reach no output and, through the
    // selection's gradient, get exactly zero gradient, whatever they hold (NaN and ±∞ included).
    if (mask !== null) x = where(tensor(mask, [T, B, 1], { backend: input.backend }), x, 0);
    // Reversal within each sequence's own length (padding stays in place); it is its own inverse.
    const reverseIndex = this.bidirectional ? reversalIndex(lengths, T, B) : null;

    const layerFn = this.useReference ? recurrentLayerReference : recurrentLayer;
    const finalH: Tensor[] = [];
    const finalC: Tensor[] = [];
    for (let layer = 0; layer < this.numLayers; layer++) {
      const features = x.shape[2];
      const flat = reshape(x, [T * B, features]);
      const outs: Tensor[] = [];
      for (let direction = 0; direction < this.numDirections; direction++) {
        const p = this.layerParameters(layer, direction);
        const index = layer * this.numDirections + direction;
        const source = direction === 1 ? reverseRows(flat, reverseIndex as Int32Array) : flat;
        // The input projection of every step is one product: inside the backend's whole-layer kernel
        // where it has one, else one matmul before the time loop.
        const args: RecurrentLayerArgs = {
          input: { x: reshape(source, [T, B, features]), weightIh: p.weightIh, biasIh: p.biasIh },
          h0: reshape(slice(h0, [index, 0, 0], [1, B, H]), [B, H]),
          c0: c0 === null ? null : reshape(slice(c0, [index, 0, 0], [1, B, H]), [B, H]),
          weightHh: p.weightHh,
          biasHh: p.biasHh,
          mask,
        };
        const result: RecurrentLayerResult = layerFn(this.cell, args);
        let out = result.output;
        if (direction === 1) out = reshape(reverseRows(reshape(out, [T * B, H]), reverseIndex as Int32Array), [T, B, H]);
        outs.push(out);
        finalH.push(result.h);
        if (result.c !== null) finalC.push(result.c);
      }
      x = outs.length === 1 ? outs[0] : concat(outs, 2);
      if (this.training && this.dropout > 0 && layer < this.numLayers - 1) x = this.applyDropout(x);
    }
    let output = x;
    if (!batched) output = squeeze(output, 1);
    else if (this.batchFirst) output = permute(output, [1, 0, 2]);
    const shapeState = (list: Tensor[]) => {
      const s = stack(list, 0);
      return batched ? s : squeeze(s, 1);
    };
    return { output, state: { h: shapeState(finalH), c: finalC.length > 0 ? shapeState(finalC) : null } };
  }

  private checkLengths(lengths: readonly number[] | Int32Array, T: number, B: number, batched: boolean): Int32Array {
    const name = this.cell.name;
    if (lengths === null || typeof lengths !== 'object' || typeof lengths.length !== 'number') {
      throw new ValueError(`${name}: lengths must be an array of ${B} integers, got ${String(lengths)}`);
    }
    if (lengths.length !== B) {
      throw new ShapeError(`${name}: lengths must have one entry per sequence (${B}${batched ? '' : ', unbatched input'}), got ${lengths.length}`);
    }
    const out = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      const v = lengths[b];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        throw new ValueError(`${name}: lengths[${b}] must be a non-negative integer, got ${String(v)}`);
      }
      if (v > T) throw new ValueError(`${name}: lengths[${b}] is ${v}, greater than seqLen ${T}`);
      out[b] = v;
    }
    return out;
  }

  private applyDropout(x: Tensor): Tensor {
    const keep = 1 - this.dropout;
    const values = new Float32Array(x.size);
    for (let i = 0; i < values.length; i++) values[i] = this.generator.nextFloat() < keep ? 1 / keep : 0;
    return mul(x, tensor(values, x.shape, { backend: x.backend }));
  }
}

/** `[T·B]` validity mask, time-major: `1` where `t < lengths[b]`. */
export function maskOf(lengths: Int32Array, T: number, B: number): Float32Array {
  const mask = new Float32Array(T * B);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) mask[t * B + b] = t < lengths[b] ? 1 : 0;
  return mask;
}

/**
 * The rows of `x` `[T·B, F]` in the order of `index`, an involution (applying it twice gives the
 * identity, as every {@link reversalIndex} does). Its gradient is therefore the same gather of the
 * incoming gradient, not the scatter-add of a general `indexSelect`: on a GPU backend a scatter-add
 * without atomics costs (output size × index count), which made a bidirectional backward slow.
 */
function reverseRows(x: Tensor, index: Int32Array): Tensor {
  const value = computeUntraced(() => indexSelect(x, 0, index));
  return recordComputed({ name: 'reverseSequences', value, inputs: [x], attrs: { index: Array.from(index) }, backward: (g) => [reverseRows(g, index)] });
}

/**
 * Row indices of `[T·B, …]` time-major data that reverse each sequence within its own length:
 * row `(t, b)` takes row `(len_b − 1 − t, b)` for `t < len_b` and stays in place otherwise.
 */
export function reversalIndex(lengths: Int32Array | null, T: number, B: number): Int32Array {
  const index = new Int32Array(T * B);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const len = lengths === null ? T : lengths[b];
      index[t * B + b] = (t < len ? len - 1 - t : t) * B + b;
    }
  }
  return index;
}
