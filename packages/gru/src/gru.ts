import {
  GRU_CELL,
  GRU_RESET_BEFORE_CELL,
  RecurrentBase,
  ValueError,
  type RecurrentForwardOptions,
  type RecurrentOptions,
  type Tensor,
} from '@gated/core';

/** Options of {@link GRU}: PyTorch's `nn.GRU` arguments, camel-cased, plus `resetAfter`. */
export interface GRUOptions extends RecurrentOptions {
  /**
   * Where the reset gate acts. `true`: after the hidden matmul, `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))`
   * (PyTorch, cuDNN, Keras default). `false`: before it, `n = tanh(W_in x + W_hn (r ⊙ h) + b_in + b_hn)`
   * (the original paper, Keras `reset_after=False`, tfjs, brain.js).
   * @defaultValue true
   */
  resetAfter?: boolean;
}

/** Options of one {@link GRU.forward} call. */
export type GRUForwardOptions = RecurrentForwardOptions;

/** What {@link GRU.forward} returns, as PyTorch's `(output, h_n)`. */
export interface GRUResult {
  /**
   * The last layer's hidden state at every step, both directions concatenated:
   * `[seqLen, batch, numDirections·hiddenSize]`, `[batch, seqLen, numDirections·hiddenSize]` with
   * `batchFirst`, `[seqLen, numDirections·hiddenSize]` unbatched. Exactly `0` at steps past a
   * sequence's length.
   */
  readonly output: Tensor;
  /**
   * Every layer's and direction's final hidden state: `[numLayers·numDirections, batch, hiddenSize]`
   * (`[numLayers·numDirections, hiddenSize]` unbatched; never batch-first), ordered `l0, l0_reverse, l1, …`.
   * With `lengths`, each sequence's state at its own last step.
   */
  readonly hN: Tensor;
}

/** @internal The GRU-only option keys, accepted by `GRU` and `GRUCell` besides the shared ones. */
export const GRU_EXTRA_OPTIONS = { resetAfter: 'boolean' } as const;

/** @internal Validates the GRU-only option before the base constructor runs. */
export function gruCellFor(layer: string, resetAfter: unknown) {
  if (resetAfter !== undefined && typeof resetAfter !== 'boolean') {
    throw new ValueError(`${layer}: resetAfter must be a boolean, got ${String(resetAfter)}`);
  }
  return resetAfter === false ? GRU_RESET_BEFORE_CELL : GRU_CELL;
}

/**
 * A multi-layer gated recurrent unit network with PyTorch's `nn.GRU` semantics and parameter names:
 * stacked layers, bidirectional, batch-first or unbatched input, and variable-length batches without
 * packing (`lengths`).
 *
 * @remarks
 * Per layer and direction, with gate order r, z, n in `weight_ih_l{k}` `[3·hiddenSize, in]` and
 * `weight_hh_l{k}` `[3·hiddenSize, hiddenSize]`:
 *
 * ```
 * r_t = σ(W_ir x_t + b_ir + W_hr h_{t−1} + b_hr)
 * z_t = σ(W_iz x_t + b_iz + W_hz h_{t−1} + b_hz)
 * n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t−1} + b_hn))      (resetAfter: true)
 * n_t = tanh(W_in x_t + b_in + W_hn (r_t ⊙ h_{t−1}) + b_hn)      (resetAfter: false)
 * h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}
 * ```
 *
 * Some texts write `h_t = (1 − z) ⊙ h_{t−1} + z ⊙ ñ`; that is the same model with `z ↔ 1 − z`.
 * Layer `k > 0` takes the previous layer's output (times a dropout mask in training when
 * `dropout > 0`). Weights are initialised from `U(−1/√hiddenSize, 1/√hiddenSize)`.
 *
 * The fast path projects the input of all steps with one matmul per layer and direction and records
 * ONE autograd node per layer and direction whose backward is a hand-written BPTT.
 *
 * @example
 * ```ts
 * import { setBackend, randn } from '@gated/core';
 * import { CpuBackend } from '@gated/backend-cpu';
 * import { GRU } from '@gated/gru';
 *
 * setBackend(new CpuBackend());
 * const gru = new GRU({ inputSize: 8, hiddenSize: 16, numLayers: 2, bidirectional: true, batchFirst: true });
 * const x = randn([4, 10, 8]);                                   // [batch, seqLen, inputSize]
 * const { output, hN } = gru.forward(x, undefined, { lengths: [10, 7, 3, 9] });
 * output.shape; // [4, 10, 32]
 * hN.shape;     // [4, 4, 16]  ([numLayers·2, batch, hiddenSize])
 * ```
 */
export class GRU extends RecurrentBase {
  /** Whether the reset gate acts after the hidden matmul (PyTorch) or before it (original paper). */
  readonly resetAfter: boolean;

  constructor(options: GRUOptions) {
    super(gruCellFor('GRU', options?.resetAfter), options, GRU_EXTRA_OPTIONS);
    this.resetAfter = options.resetAfter ?? true;
  }

  /**
   * Runs the network over a sequence.
   *
   * @param input - `[seqLen, batch, inputSize]`, `[batch, seqLen, inputSize]` with `batchFirst`, or unbatched `[seqLen, inputSize]`.
   * @param h0 - initial states, one Tensor `[numLayers·numDirections, batch, hiddenSize]` (`[numLayers·numDirections, hiddenSize]` unbatched); zeros when omitted or `null`. Any other value is an error.
   * @param options - `lengths` for variable-length batches; an unknown key (e.g. `length`) is an `OptionsError`.
   * @throws ShapeError when a shape is wrong, ValueError for invalid `lengths` or an `h0` that is not a Tensor, OptionsError for an unknown option.
   */
  forward(input: Tensor, h0?: Tensor | null, options?: GRUForwardOptions | null): GRUResult {
    const { output, state } = this.run(input, { h: h0 ?? null }, options);
    return { output, hN: state.h };
  }
}
