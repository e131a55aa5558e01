import type { Backend } from '../backend/backend';
import { resolveBackend } from '../backend/default';
import { ShapeError, ValueError, formatShape } from '../errors';
import { Module } from '../nn/module';
import { reshape } from '../ops/shape';
import { defaultGenerator, type Generator } from '../random';
import { isTensor, type Tensor } from '../tensor/tensor';
import { checkOptions, describeValue, type OptionSpec } from '../options';
import { uniform, zeros } from '../tensor/creation';
import type { RecurrentCell } from './cells';
import { recurrentLayer, recurrentLayerReference } from './recurrent-layer';

/** Options every single-step recurrent cell module takes (PyTorch's `nn.GRUCell` / `nn.LSTMCell`). */
export interface RecurrentCellOptions {
  /** Features of the input (`input_size`). */
  inputSize: number;
  /** Features of the hidden state (`hidden_size`). */
  hiddenSize: number;
  /** Whether the cell has `bias_ih` and `bias_hh`. @defaultValue true */
  bias?: boolean;
  /** The generator for the initial weights. @defaultValue the default generator (`manualSeed`) */
  generator?: Generator;
  /** The backend that holds the parameters. @defaultValue the one set with `setBackend` */
  backend?: Backend;
}

/** The keys of {@link RecurrentCellOptions}, with their types, for {@link checkOptions}. */
export const RECURRENT_CELL_OPTION_SPEC: OptionSpec = {
  inputSize: 'number',
  hiddenSize: 'number',
  bias: 'boolean',
  generator: 'generator',
  backend: 'backend',
};

/**
 * What a single-step cell module (`GRUCell`, `LSTMCell`) shares, as PyTorch's `RNNCellBase`: option
 * checks, the parameters `weight_ih` `[G·H, I]`, `weight_hh` `[G·H, H]`, `bias_ih`, `bias_hh` `[G·H]`
 * (G = the cell's gate count) with `U(−1/√H, 1/√H)` init, the input and state shape checks, and one
 * step through the same fused step and single-node backward as the sequence layers.
 *
 * @remarks Subclasses give the {@link RecurrentCell} and shape `forward`'s arguments and result.
 */
export abstract class RecurrentCellBase extends Module {
  /** Features of the input. */
  readonly inputSize: number;
  /** Features of the hidden state. */
  readonly hiddenSize: number;
  /** Whether the cell has biases. */
  readonly bias: boolean;
  /** Use the op-by-op reference composition instead of the fused step (for tests). @defaultValue false */
  useReference = false;
  /** `[G·hiddenSize, inputSize]`, one block of rows per gate in the cell's gate order. */
  readonly weight_ih: Tensor;
  /** `[G·hiddenSize, hiddenSize]`, one block of rows per gate. */
  readonly weight_hh: Tensor;
  /** `[G·hiddenSize]`, or `null` without bias. */
  readonly bias_ih: Tensor | null;
  /** `[G·hiddenSize]`, or `null` without bias. */
  readonly bias_hh: Tensor | null;

  /**
   * @param name - the module name for messages, e.g. `GRUCell`.
   * @param extraOptions - the subclass's own option keys (e.g. GRUCell's `resetAfter`), accepted
   *   besides {@link RecurrentCellOptions}; any other key is an `OptionsError`.
   * @throws ValueError when an option has the wrong type or value (`OptionsError` for an unknown key or a wrong type).
   */
  protected constructor(
    protected readonly name: string,
    protected readonly cell: RecurrentCell,
    rawOptions: RecurrentCellOptions,
    extraOptions: OptionSpec = {},
  ) {
    super();
    const options = checkOptions(rawOptions, { where: `new ${name}(options)`, spec: { ...RECURRENT_CELL_OPTION_SPEC, ...extraOptions }, required: ['inputSize', 'hiddenSize'] });
    for (const key of ['inputSize', 'hiddenSize'] as const) {
      const v = options[key];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ValueError(`${name}: ${key} must be a positive integer, got ${String(v)}`);
    }
    this.inputSize = options.inputSize;
    this.hiddenSize = options.hiddenSize;
    this.bias = options.bias ?? true;
    const backend = resolveBackend(options.backend);
    const generator = options.generator ?? defaultGenerator;
    const G = cell.gateCount * this.hiddenSize;
    const k = 1 / Math.sqrt(this.hiddenSize);
    const init = (shape: number[]) => uniform(shape, -k, k, { generator, backend });
    this.weight_ih = this.registerParameter('weight_ih', init([G, this.inputSize]));
    this.weight_hh = this.registerParameter('weight_hh', init([G, this.hiddenSize]));
    this.bias_ih = this.registerParameter('bias_ih', this.bias ? init([G]) : null);
    this.bias_hh = this.registerParameter('bias_hh', this.bias ? init([G]) : null);
  }

  /**
   * Checks `x` (`[batch, inputSize]` or unbatched `[inputSize]`) and returns whether it is batched
   * and the state shape that goes with it (`[batch, hiddenSize]` or `[hiddenSize]`).
   *
   * @throws ValueError when `x` is not a Tensor; ShapeError when its shape is wrong.
   */
  protected checkInput(x: Tensor): { batched: boolean; stateShape: number[] } {
    if (!isTensor(x)) throw new ValueError(`${this.name}: input must be a Tensor, got ${typeof x}`);
    if ((x.rank !== 1 && x.rank !== 2) || x.shape[x.rank - 1] !== this.inputSize) {
      throw new ShapeError(`${this.name}: input must be [batch, ${this.inputSize}] or unbatched [${this.inputSize}], got ${formatShape(x.shape)}`);
    }
    const batched = x.rank === 2;
    return { batched, stateShape: batched ? [x.shape[0], this.hiddenSize] : [this.hiddenSize] };
  }

  /**
   * Checks one state tensor named `key` against `stateShape` (from {@link RecurrentCellBase.checkInput}).
   *
   * @throws ValueError when `s` is not a Tensor; ShapeError when its shape is wrong.
   */
  protected checkState(key: string, s: unknown, x: Tensor, stateShape: readonly number[]): void {
    if (!isTensor(s)) throw new ValueError(`${this.name}: ${key} must be a Tensor ${formatShape(stateShape)}, got ${describeValue(s)}`);
    if (s.rank !== stateShape.length || s.shape.some((d, i) => d !== stateShape[i])) {
      throw new ShapeError(`${this.name}: ${key} must be ${formatShape(stateShape)} for input ${formatShape(x.shape)}, got ${formatShape(s.shape)}`);
    }
  }

  /**
   * One step on checked arguments: projects `x`, runs the cell over one time step (the fused step
   * unless {@link RecurrentCellBase.useReference}), and returns `h` (and `c` for a cell with a cell
   * state) shaped like the state. Missing states start at zeros.
   */
  protected step(x: Tensor, h: Tensor | null, c: Tensor | null): { h: Tensor; c: Tensor | null } {
    const H = this.hiddenSize;
    const batched = x.rank === 2;
    const B = batched ? x.shape[0] : 1;
    const state = (t: Tensor | null) => (t === null ? zeros([B, H], { backend: x.backend }) : reshape(t, [B, H]));
    const layer = this.useReference ? recurrentLayerReference : recurrentLayer;
    const result = layer(this.cell, {
      input: { x: reshape(x, [1, B, this.inputSize]), weightIh: this.weight_ih, biasIh: this.bias_ih },
      h0: state(h),
      c0: this.cell.hasCellState ? state(c) : null,
      weightHh: this.weight_hh,
      biasHh: this.bias_hh,
      mask: null,
    });
    const shaped = (t: Tensor) => (batched ? t : reshape(t, [H]));
    return { h: shaped(result.h), c: result.c === null ? null : shaped(result.c) };
  }
}
