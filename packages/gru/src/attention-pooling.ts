import {
  Module,
  ShapeError,
  OptionsError,
  ValueError,
  add,
  checkOptions,
  defaultGenerator,
  describeValue,
  eye,
  getBackend,
  isTensor,
  matmul,
  matmulTransposed,
  mean,
  mul,
  permute,
  reshape,
  softmax,
  square,
  sub,
  sum,
  tanh,
  tensor,
  uniform,
  where,
  type Backend,
  type Generator,
  type Tensor,
} from '@gated/core';

/** Options of {@link AttentionPooling}. */
export interface AttentionPoolingOptions {
  /** Features per step of the sequence being pooled (e.g. `numDirections·hiddenSize` of a GRU). */
  inputSize: number;
  /**
   * `additive`: one learned context vector scores every step (Yang et al. 2016, HAN).
   * `structured`: `hops` attention distributions, `A = softmax(W_s2 tanh(W_s1 Hᵀ))` (Lin et al. 2017).
   * @defaultValue 'additive'
   */
  mode?: 'additive' | 'structured';
  /** Width of the hidden attention layer (HAN's `u`, Lin's `d_a`). @defaultValue inputSize */
  attentionSize?: number;
  /** Attention hops `r` of the structured mode (the pooled vector is `hops·inputSize` wide). @defaultValue 1 */
  hops?: number;
  /**
   * Input is `[batch, seqLen, inputSize]` (true) or `[seqLen, batch, inputSize]` (false). Required,
   * with no default: `GRU` and `LSTM` are time-major by default (PyTorch's layout) while pooling code
   * is usually written batch-first, and a silent mismatch would pool over the batch axis. State the
   * layout of the recurrent layer that feeds it: `batchFirst: gru.batchFirst`.
   */
  batchFirst: boolean;
  /** Generator for the initial weights. @defaultValue the default generator */
  generator?: Generator;
  /** Backend that holds the parameters. @defaultValue the one set with `setBackend` */
  backend?: Backend;
}

/** Options of one {@link AttentionPooling.forward} call. */
export interface AttentionPoolingForwardOptions {
  /** Valid steps per sequence; later steps get weight exactly `0`. A length of `0` pools to zeros. @defaultValue all steps */
  lengths?: readonly number[] | Int32Array;
}

/** What {@link AttentionPooling.forward} returns. */
export interface AttentionPoolingResult {
  /** `[batch, inputSize]` (additive) or `[batch, hops·inputSize]` (structured, hops concatenated). */
  readonly pooled: Tensor;
  /** Attention weights: `[batch, seqLen]` (additive) or `[batch, hops, seqLen]` (structured); each row sums to 1 (0 for an empty sequence). */
  readonly weights: Tensor;
  /**
   * Structured mode only: Lin et al.'s redundancy penalty `‖AAᵀ − I‖²_F`, averaged over the
   * non-empty sequences of the batch (a scalar to add to the loss with a coefficient); `null` otherwise.
   */
  readonly penalty: Tensor | null;
}

/** Large negative score for padded steps: `exp` of it underflows to exactly `0` after the max shift. */
const MASKED_SCORE = -1e30;

/**
 * Pools an RNN's outputs over time with learned attention, mask-aware.
 *
 * @remarks
 * Additive (HAN, Yang et al. 2016): `u_t = tanh(W h_t + b)`, `α = softmax_t(u_tᵀ c)` with a learned
 * context vector `c`, pooled `s = Σ_t α_t h_t`.
 *
 * Structured self-attention (Lin et al. 2017): `A = softmax(W_s2 tanh(W_s1 Hᵀ))` row-wise over time
 * (`[hops, seqLen]` per sequence), pooled `M = A H` flattened, and the penalty `P = ‖AAᵀ − I‖²_F`
 * that keeps the hops from attending to the same steps.
 *
 * With `lengths`, padded steps get weight exactly `0` (their scores are replaced by `−1e30` before the
 * softmax and the weights are multiplied by the mask), and a sequence of length `0` pools to zeros
 * without NaN. Values at padded steps must be finite.
 *
 * @example
 * ```ts
 * import { setBackend, randn } from '@gated/core';
 * import { CpuBackend } from '@gated/backend-cpu';
 * import { GRU, AttentionPooling } from '@gated/gru';
 *
 * setBackend(new CpuBackend());
 * const gru = new GRU({ inputSize: 8, hiddenSize: 16, batchFirst: true, bidirectional: true });
 * const pool = new AttentionPooling({ inputSize: 32, batchFirst: gru.batchFirst });
 * const lengths = [6, 3];
 * const { output } = gru.forward(randn([2, 6, 8]), undefined, { lengths });
 * const { pooled, weights } = pool.forward(output, { lengths });   // [2, 32], [2, 6]
 * ```
 */
export class AttentionPooling extends Module {
  /** Features per step. */
  readonly inputSize: number;
  /** `additive` or `structured`. */
  readonly mode: 'additive' | 'structured';
  /** Width of the hidden attention layer. */
  readonly attentionSize: number;
  /** Attention hops (1 for additive). */
  readonly hops: number;
  /** Whether input is batch-first. */
  readonly batchFirst: boolean;
  /** `W` (additive) or `W_s1` (structured): `[attentionSize, inputSize]`. */
  readonly weight: Tensor;
  /** `b` of the additive mode `[attentionSize]`, `null` in structured mode (Lin et al. use no bias). */
  readonly bias: Tensor | null;
  /** The context vector `c` `[attentionSize, 1]` (additive) or `W_s2ᵀ` `[attentionSize, hops]` (structured). */
  readonly context: Tensor;

  /** @throws ValueError for an invalid size or hop count, OptionsError for an unknown option, a value of the wrong type or a missing `batchFirst`. */
  constructor(rawOptions: AttentionPoolingOptions) {
    super();
    const options = checkOptions(rawOptions, {
      where: 'new AttentionPooling(options)',
      spec: { inputSize: 'number', mode: ['additive', 'structured'], attentionSize: 'number', hops: 'number', batchFirst: 'boolean', generator: 'generator', backend: 'backend' },
      required: ['inputSize'],
    });
    if (options.batchFirst === undefined) {
      throw new OptionsError(
        "new AttentionPooling(options): option 'batchFirst' is required: true for [batch, seqLen, inputSize], false for [seqLen, batch, inputSize] (GRU's and LSTM's default); pass the layout of the layer that feeds it, e.g. batchFirst: gru.batchFirst",
        'new AttentionPooling(options)',
        'batchFirst',
      );
    }
    const mode = options.mode ?? 'additive';
    const inputSize = options.inputSize;
    const attentionSize = options.attentionSize ?? inputSize;
    const hops = options.hops ?? 1;
    for (const [key, v] of [['inputSize', inputSize], ['attentionSize', attentionSize], ['hops', hops]] as const) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ValueError(`AttentionPooling: ${key} must be a positive integer, got ${String(v)}`);
    }
    if (mode === 'additive' && hops !== 1) throw new ValueError(`AttentionPooling: hops must be 1 in additive mode, got ${hops}`);
    this.inputSize = inputSize;
    this.mode = mode;
    this.attentionSize = attentionSize;
    this.hops = hops;
    this.batchFirst = options.batchFirst;
    const backend = options.backend ?? getBackend();
    const generator = options.generator ?? defaultGenerator;
    const init = (shape: number[], fanIn: number) => {
      const k = 1 / Math.sqrt(fanIn);
      return uniform(shape, -k, k, { generator, backend });
    };
    this.weight = this.registerParameter('weight', init([attentionSize, inputSize], inputSize));
    this.bias = this.registerParameter('bias', mode === 'additive' ? init([attentionSize], inputSize) : null);
    this.context = this.registerParameter('context', init([attentionSize, hops], attentionSize));
  }

  /**
   * Pools `input` `[batch, seqLen, inputSize]` (`batchFirst: true`) or `[seqLen, batch, inputSize]` (`batchFirst: false`).
   *
   * @throws ShapeError for a wrong input shape or lengths count, ValueError for invalid lengths, OptionsError for an unknown option (e.g. `length`).
   */
  forward(input: Tensor, rawOptions?: AttentionPoolingForwardOptions | null): AttentionPoolingResult {
    if (!isTensor(input)) throw new ValueError(`AttentionPooling: input must be a Tensor, got ${describeValue(input)}`);
    const options = checkOptions(rawOptions, { where: 'AttentionPooling.forward(input, options)', spec: { lengths: 'numbers' } });
    if (input.rank !== 3 || input.shape[2] !== this.inputSize) {
      const layout = this.batchFirst ? '[batch, seqLen, ' : '[seqLen, batch, ';
      throw new ShapeError(`AttentionPooling: input must be ${layout}${this.inputSize}] (batchFirst=${this.batchFirst}), got [${input.shape.join(', ')}]`);
    }
    const x = this.batchFirst ? input : permute(input, [1, 0, 2]); // [B, T, F]
    const [B, T] = x.shape;
    const lengths = options.lengths === undefined ? null : checkLengths(options.lengths, B, T);
    const u = tanh(this.bias === null ? matmulTransposed(x, this.weight, false, true) : add(matmulTransposed(x, this.weight, false, true), this.bias));
    // scores [B, hops, T]
    const scores = permute(matmul(u, this.context), [0, 2, 1]);
    let weights: Tensor;
    let mask: Tensor | null = null;
    if (lengths === null) {
      weights = softmax(scores, -1);
    } else {
      const m = new Float32Array(B * T);
      for (let b = 0; b < B; b++) for (let t = 0; t < lengths[b]; t++) m[b * T + t] = 1;
      mask = tensor(m, [B, 1, T], { backend: x.backend });
      weights = mul(softmax(where(mask, scores, MASKED_SCORE), -1), mask);
    }
    const pooledHops = matmul(weights, x); // [B, hops, F]
    if (this.mode === 'additive') {
      return { pooled: reshape(pooledHops, [B, this.inputSize]), weights: reshape(weights, [B, T]), penalty: null };
    }
    return { pooled: reshape(pooledHops, [B, this.hops * this.inputSize]), weights, penalty: this.penaltyOf(weights, lengths) };
  }

  private penaltyOf(weights: Tensor, lengths: Int32Array | null): Tensor {
    const B = weights.shape[0];
    const gram = matmulTransposed(weights, weights, false, true); // [B, hops, hops]
    const identity = reshape(eye(this.hops, { backend: weights.backend }), [1, this.hops, this.hops]);
    const perSequence = sum(square(sub(gram, identity)), [1, 2]); // [B]
    if (lengths === null) return mean(perSequence);
    // Empty sequences have A = 0 and would add ‖I‖² = hops; they are left out of the average.
    const valid = Float32Array.from(lengths, (n) => (n > 0 ? 1 : 0));
    const count = valid.reduce((a, v) => a + v, 0);
    return sum(mul(perSequence, tensor(valid.map((v) => v / Math.max(count, 1)), [B], { backend: weights.backend })));
  }
}

function checkLengths(lengths: readonly number[] | Int32Array, B: number, T: number): Int32Array {
  if (lengths === null || typeof lengths !== 'object' || lengths.length !== B) {
    throw new ShapeError(`AttentionPooling: lengths must have one entry per sequence (${B}), got ${lengths === null || typeof lengths !== 'object' ? String(lengths) : lengths.length}`);
  }
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const v = lengths[b];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ValueError(`AttentionPooling: lengths[${b}] must be a non-negative integer, got ${String(v)}`);
    if (v > T) throw new ValueError(`AttentionPooling: lengths[${b}] is ${v}, greater than seqLen ${T}`);
    out[b] = v;
  }
  return out;
}
