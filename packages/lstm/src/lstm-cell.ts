import { LSTM_CELL, RecurrentCellBase, readStatePair, type RecurrentCellOptions, type Tensor } from '@gated/core';

/** Options of {@link LSTMCell}: PyTorch's `nn.LSTMCell` arguments, camel-cased. */
export type LSTMCellOptions = RecurrentCellOptions;

/** The state of an {@link LSTMCell}: hidden `h` and cell `c`, each `[batch, hiddenSize]` (`[hiddenSize]` unbatched). */
export interface LSTMCellState {
  readonly h: Tensor;
  readonly c: Tensor;
}

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
export class LSTMCell extends RecurrentCellBase {
  /** @throws ValueError when an option has the wrong type or value. */
  constructor(options: LSTMCellOptions) {
    super('LSTMCell', LSTM_CELL, options);
  }

  /**
   * One step: `x` `[batch, inputSize]` (or unbatched `[inputSize]`), `state` `{ h, c }` (what the
   * previous step returned) or PyTorch's tuple `[h, c]`, each `[batch, hiddenSize]` (`[hiddenSize]`),
   * zeros when omitted or `null`. Returns the next `{ h, c }`, shaped like the state.
   *
   * @throws ShapeError when `x`, `h` or `c` has the wrong shape; ValueError when `state` is in another
   * form (a single Tensor, `{ h0, c0 }`, `{ h }` alone).
   */
  forward(x: Tensor, state?: LSTMCellState | readonly [h: Tensor, c: Tensor] | null): LSTMCellState {
    const { stateShape } = this.checkInput(x);
    const pair = readStatePair('LSTMCell.forward(x, state)', state, ['h', 'c'], true);
    if (pair !== null) {
      this.checkState('h', pair[0], x, stateShape);
      this.checkState('c', pair[1], x, stateShape);
    }
    const next = this.step(x, pair?.[0] ?? null, pair?.[1] ?? null);
    return { h: next.h, c: next.c as Tensor };
  }
}
