import { RecurrentCellBase, type RecurrentCellOptions, type Tensor } from '@gated/core';
import { GRU_EXTRA_OPTIONS, gruCellFor } from './gru';

/** Options of {@link GRUCell}: PyTorch's `nn.GRUCell` arguments, camel-cased, plus `resetAfter`. */
export interface GRUCellOptions extends RecurrentCellOptions {
  /** Reset gate after (PyTorch) or before (original paper) the hidden matmul; see {@link GRUOptions.resetAfter}. @defaultValue true */
  resetAfter?: boolean;
}

/**
 * One GRU step, as PyTorch's `nn.GRUCell`: parameters `weight_ih` `[3·hiddenSize, inputSize]`,
 * `weight_hh` `[3·hiddenSize, hiddenSize]`, `bias_ih`, `bias_hh` `[3·hiddenSize]`, gate order r, z, n.
 *
 * @remarks
 * `r = σ(W_ir x + b_ir + W_hr h + b_hr)`, `z = σ(W_iz x + b_iz + W_hz h + b_hz)`,
 * `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))` (with `resetAfter: false`:
 * `n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)`), `h' = (1 − z) ⊙ n + z ⊙ h`.
 * It runs the same fused step and single-node backward as {@link GRU}, over one step.
 *
 * @example
 * ```ts
 * import { setBackend, randn } from '@gated/core';
 * import { CpuBackend } from '@gated/backend-cpu';
 * import { GRUCell } from '@gated/gru';
 *
 * setBackend(new CpuBackend());
 * const cell = new GRUCell({ inputSize: 3, hiddenSize: 4 });
 * let h = cell.forward(randn([2, 3]));          // [batch, hiddenSize] = [2, 4]
 * h = cell.forward(randn([2, 3]), h);           // feed the state back for the next step
 * ```
 */
export class GRUCell extends RecurrentCellBase {
  /** Reset gate after (true) or before (false) the hidden matmul. */
  readonly resetAfter: boolean;

  /** @throws ValueError when an option has the wrong type or value. */
  constructor(options: GRUCellOptions) {
    super('GRUCell', gruCellFor('GRUCell', options?.resetAfter), options, GRU_EXTRA_OPTIONS);
    this.resetAfter = options.resetAfter ?? true;
  }

  /**
   * One step: `x` `[batch, inputSize]` (or unbatched `[inputSize]`), `h` `[batch, hiddenSize]`
   * (`[hiddenSize]`), zeros when omitted or `null`; any other value (an array, `{ h }`) is an error.
   * Returns the next hidden state, shaped like `h`.
   *
   * @throws ShapeError when `x` or `h` has the wrong shape; ValueError when one is not a Tensor.
   */
  forward(x: Tensor, h?: Tensor | null): Tensor {
    const { stateShape } = this.checkInput(x);
    if (h !== undefined && h !== null) this.checkState('h', h, x, stateShape);
    return this.step(x, h ?? null, null).h;
  }
}
