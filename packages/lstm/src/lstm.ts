import { LSTM_CELL, RecurrentBase, ValueError, readStatePair, type RecurrentForwardOptions, type RecurrentOptions, type Tensor } from '@gated/core';

/** Options of {@link LSTM}: PyTorch's `nn.LSTM` arguments, camel-cased. */
export interface LSTMOptions extends RecurrentOptions {
  /**
   * PyTorch's `proj_size` (LSTM with projections). Not supported: the reference LSTM exists to be
   * compared with the GRU, which has no projection. Only `0` (or leaving it out) is accepted, so code
   * ported from PyTorch that relies on it fails loudly instead of silently computing another model.
   * @defaultValue 0
   */
  projSize?: number;
}

/**
 * Initial states of {@link LSTM.forward}, each `[numLayers·numDirections, batch, hiddenSize]`; zeros
 * when omitted. Given as `{ h0, c0 }` or as PyTorch's tuple `[h0, c0]` ({@link LSTMStateTuple}).
 */
export interface LSTMState {
  /** Initial hidden states (`h_0`). */
  readonly h0?: Tensor | null;
  /** Initial cell states (`c_0`). */
  readonly c0?: Tensor | null;
}

/** PyTorch's `(h_0, c_0)` tuple, accepted by {@link LSTM.forward} besides {@link LSTMState}. */
export type LSTMStateTuple = readonly [h0: Tensor, c0: Tensor];

/** Options of one {@link LSTM.forward} call. */
export type LSTMForwardOptions = RecurrentForwardOptions;

/** What {@link LSTM.forward} returns, as PyTorch's `(output, (h_n, c_n))`. */
export interface LSTMResult {
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
  /** Every layer's and direction's final cell state, shaped and ordered like {@link LSTMResult.hN}. */
  readonly cN: Tensor;
}

/** @internal Rejects `projSize` (anything but 0) with the PyTorch name in the message. */
export function assertNoProjection(layer: string, projSize: unknown): void {
  if (projSize === undefined || projSize === 0) return;
  throw new ValueError(`${layer}: projSize (PyTorch proj_size) is not supported; expected 0 or undefined, got ${String(projSize)}`);
}

/**
 * A multi-layer long short-term memory network with PyTorch's `nn.LSTM` semantics and parameter
 * names: stacked layers, bidirectional, batch-first or unbatched input, and variable-length batches
 * without packing (`lengths`). The reference the benchmark compares `@gated/gru` with.
 *
 * @remarks
 * Per layer and direction, with gate order i, f, g, o in `weight_ih_l{k}` `[4·hiddenSize, in]` and
 * `weight_hh_l{k}` `[4·hiddenSize, hiddenSize]` (PyTorch's layout):
 *
 * ```
 * i_t = σ(W_ii x_t + b_ii + W_hi h_{t−1} + b_hi)
 * f_t = σ(W_if x_t + b_if + W_hf h_{t−1} + b_hf)
 * g_t = tanh(W_ig x_t + b_ig + W_hg h_{t−1} + b_hg)
 * o_t = σ(W_io x_t + b_io + W_ho h_{t−1} + b_ho)
 * c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t
 * h_t = o_t ⊙ tanh(c_t)
 * ```
 *
 * Layer `k > 0` takes the previous layer's output (times a dropout mask in training when
 * `dropout > 0`). Weights are initialised from `U(−1/√hiddenSize, 1/√hiddenSize)`.
 *
 * It runs on the same recurrent base as `GRU` (`RecurrentBase` in `@gated/core`), so both get the
 * same fast path: one matmul projects the input of all steps per layer and direction, each step is
 * one hidden matmul plus the backend's fused `lstmStep`, and ONE autograd node per layer and
 * direction runs a hand-written BPTT. Only the cell (4 gates, a cell state) differs.
 *
 * @example
 * ```ts
 * import { setBackend, randn } from '@gated/core';
 * import { CpuBackend } from '@gated/backend-cpu';
 * import { LSTM } from '@gated/lstm';
 *
 * setBackend(new CpuBackend());
 * const lstm = new LSTM({ inputSize: 8, hiddenSize: 16, numLayers: 2, bidirectional: true, batchFirst: true });
 * const x = randn([4, 10, 8]);                                   // [batch, seqLen, inputSize]
 * const { output, hN, cN } = lstm.forward(x, undefined, { lengths: [10, 7, 3, 9] });
 * output.shape; // [4, 10, 32]
 * hN.shape;     // [4, 4, 16]  ([numLayers·2, batch, hiddenSize]); cN likewise
 * ```
 */
export class LSTM extends RecurrentBase {
  constructor(options: LSTMOptions) {
    // PyTorch's spelling proj_size reaches the same deliberate refusal as projSize.
    assertNoProjection('LSTM', options?.projSize ?? (options as { proj_size?: unknown } | null | undefined)?.proj_size);
    super(LSTM_CELL, options, { projSize: 'number' });
  }

  /**
   * Runs the network over a sequence.
   *
   * @param input - `[seqLen, batch, inputSize]`, `[batch, seqLen, inputSize]` with `batchFirst`, or unbatched `[seqLen, inputSize]`.
   * @param state - initial `h0` and `c0`, each `[numLayers·numDirections, batch, hiddenSize]` (`[numLayers·numDirections, hiddenSize]` unbatched),
   *   as `{ h0, c0 }` (either may be left out for zeros) or PyTorch's tuple `[h0, c0]`; zeros when omitted or `null`.
   *   Any other form (a single Tensor, `{ h, c }`) is an error, never a silent zero state.
   * @param options - `lengths` for variable-length batches; an unknown key (e.g. `length`) is an `OptionsError`.
   * @throws ShapeError when a shape is wrong, ValueError for invalid `lengths` or a state in another form, OptionsError for an unknown key.
   */
  forward(input: Tensor, state?: LSTMState | LSTMStateTuple | null, options?: LSTMForwardOptions | null): LSTMResult {
    const pair = readStatePair('LSTM.forward(input, state, options)', state, ['h0', 'c0'], false);
    const { output, state: final } = this.run(input, { h: pair?.[0] ?? null, c: pair?.[1] ?? null }, options);
    return { output, hN: final.h, cN: final.c as Tensor };
  }
}
