import {
  LSTM_CELL,
  Module,
  ShapeError,
  ValueError,
  add,
  defaultGenerator,
  getBackend,
  isTensor,
  matmulTransposed,
  recurrentLayer,
  recurrentLayerReference,
  reshape,
  uniform,
  zeros,
  type Backend,
  type Generator,
  type Tensor,
} from '@gated/core';

/** Options of {@link LSTMCell}: PyTorch's `nn.LSTMCell` arguments, camel-cased. */
export interface LSTMCellOptions {
  /** Features of the input (`input_size`). */
  inputSize: number;
  /** Features of the hidden and cell state (`hidden_size`). */
  hiddenSize: number;
  /** Whether the cell has `bias_ih` and `bias_hh`. @defaultValue true */
  bias?: boolean;
  /** The generator for the initial weights. @defaultValue the default generator (`manualSeed`) */
  generator?: Generator;
  /** The backend that holds the parameters. @defaultValue the one set with `setBackend` */
  backend?: Backend;
}

/** The state of an {@link LSTMCell}: hidden `h` and cell `c`, each `[batch, hiddenSize]` (`[hiddenSize]` unbatched). */
export interface LSTMCellState {
  readonly h: Tensor;
  readonly c: Tensor;
}

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/**
 * One LSTM step, as PyTorch's `nn.LSTMCell`: parameters `weight_ih` `[4·hiddenSize, inputSize]`,
 * `weight_hh` `[4·hiddenSize, hiddenSize]`, `bias_ih`, `bias_hh` `[4·hiddenSize]`, gate order i, f, g, o.
 *
 * @remarks
 * `i = σ(W_ii x + b_ii + W_hi h + b_hi)`, `f = σ(W_if x + b_if + W_hf h + b_hf)`,
 * `g = tanh(W_ig x + b_ig + W_hg h + b_hg)`, `o = σ(W_io x + b_io + W_ho h + b_ho)`,
 * `c' = f ⊙ c + i ⊙ g`, `h' = o ⊙ tanh(c')`.
 * It runs the same fused step and single-node backward as {@link LSTM}, over one step.
 *
 * @example
 * ```ts
 * import { setBackend, randn } from '@gated/core';
 * import { CpuBackend } from '@gated/backend-cpu';
 * import { LSTMCell } from '@gated/lstm';
 *
 * setBackend(new CpuBackend());
 * const cell = new LSTMCell({ inputSize: 3, hiddenSize: 4 });
 * let state = cell.forward(randn([2, 3]));      // { h, c }, each [batch, hiddenSize] = [2, 4]
 * state = cell.forward(randn([2, 3]), state);   // feed the state back for the next step
 * ```
 */
export class LSTMCell extends Module {
  /** Features of the input. */
  readonly inputSize: number;
  /** Features of the hidden and cell state. */
  readonly hiddenSize: number;
  /** Whether the cell has biases. */
  readonly bias: boolean;
  /** Use the op-by-op reference composition instead of the fused step (for tests). @defaultValue false */
  useReference = false;
  /** `[4·hiddenSize, inputSize]`, rows i, f, g, o. */
  readonly weight_ih: Tensor;
  /** `[4·hiddenSize, hiddenSize]`, rows i, f, g, o. */
  readonly weight_hh: Tensor;
  /** `[4·hiddenSize]`, or `null` without bias. */
  readonly bias_ih: Tensor | null;
  /** `[4·hiddenSize]`, or `null` without bias. */
  readonly bias_hh: Tensor | null;

  constructor(options: LSTMCellOptions) {
    super();
    if (options === null || typeof options !== 'object') throw new ValueError(`LSTMCell: options must be an object, got ${String(options)}`);
    for (const key of ['inputSize', 'hiddenSize'] as const) {
      const v = options[key];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ValueError(`LSTMCell: ${key} must be a positive integer, got ${String(v)}`);
    }
    if (options.bias !== undefined && typeof options.bias !== 'boolean') throw new ValueError(`LSTMCell: bias must be a boolean, got ${String(options.bias)}`);
    this.inputSize = options.inputSize;
    this.hiddenSize = options.hiddenSize;
    this.bias = options.bias ?? true;
    const backend = options.backend ?? getBackend();
    const generator = options.generator ?? defaultGenerator;
    const H = this.hiddenSize;
    const k = 1 / Math.sqrt(H);
    const init = (shape: number[]) => uniform(shape, -k, k, { generator, backend });
    this.weight_ih = this.registerParameter('weight_ih', init([4 * H, this.inputSize]));
    this.weight_hh = this.registerParameter('weight_hh', init([4 * H, H]));
    this.bias_ih = this.registerParameter('bias_ih', this.bias ? init([4 * H]) : null);
    this.bias_hh = this.registerParameter('bias_hh', this.bias ? init([4 * H]) : null);
  }

  /**
   * One step: `x` `[batch, inputSize]` (or unbatched `[inputSize]`), `state` `{ h, c }` each
   * `[batch, hiddenSize]` (`[hiddenSize]`), zeros when omitted. Returns the next `{ h, c }`, shaped
   * like the state.
   *
   * @throws ShapeError when `x`, `h` or `c` has the wrong shape; ValueError when `state` is not `{ h, c }`.
   */
  forward(x: Tensor, state?: LSTMCellState | null): LSTMCellState {
    const H = this.hiddenSize;
    if (!isTensor(x)) throw new ValueError(`LSTMCell: input must be a Tensor, got ${typeof x}`);
    if ((x.rank !== 1 && x.rank !== 2) || x.shape[x.rank - 1] !== this.inputSize) {
      throw new ShapeError(`LSTMCell: input must be [batch, ${this.inputSize}] or unbatched [${this.inputSize}], got ${shapeText(x.shape)}`);
    }
    const batched = x.rank === 2;
    const B = batched ? x.shape[0] : 1;
    const expected = batched ? [B, H] : [H];
    if (state !== undefined && state !== null) {
      if (typeof state !== 'object' || isTensor(state) || !isTensor(state.h) || !isTensor(state.c)) {
        throw new ValueError(`LSTMCell: state must be { h, c } with two Tensors, got ${isTensor(state) ? 'a single Tensor' : typeof state}`);
      }
      for (const key of ['h', 'c'] as const) {
        const s = state[key];
        if (s.rank !== expected.length || s.shape.some((d, i) => d !== expected[i])) {
          throw new ShapeError(`LSTMCell: ${key} must be ${shapeText(expected)} for input ${shapeText(x.shape)}, got ${shapeText(s.shape)}`);
        }
      }
    }
    const x2 = reshape(x, [B, this.inputSize]);
    const h0 = state ? reshape(state.h, [B, H]) : zeros([B, H], { backend: x.backend });
    const c0 = state ? reshape(state.c, [B, H]) : zeros([B, H], { backend: x.backend });
    let gx = matmulTransposed(x2, this.weight_ih, false, true);
    if (this.bias_ih !== null) gx = add(gx, this.bias_ih);
    const layer = this.useReference ? recurrentLayerReference : recurrentLayer;
    const result = layer(LSTM_CELL, { gx: reshape(gx, [1, B, 4 * H]), h0, c0, weightHh: this.weight_hh, biasHh: this.bias_hh, mask: null });
    const c = result.c as Tensor;
    return batched ? { h: result.h, c } : { h: reshape(result.h, [H]), c: reshape(c, [H]) };
  }
}
