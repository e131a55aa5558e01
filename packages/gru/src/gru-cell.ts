import {
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
  type RecurrentCell,
  type Tensor,
} from '@gated/core';
import { gruCellFor } from './gru';

/** Options of {@link GRUCell}: PyTorch's `nn.GRUCell` arguments, camel-cased, plus `resetAfter`. */
export interface GRUCellOptions {
  /** Features of the input (`input_size`). */
  inputSize: number;
  /** Features of the hidden state (`hidden_size`). */
  hiddenSize: number;
  /** Whether the cell has `bias_ih` and `bias_hh`. @defaultValue true */
  bias?: boolean;
  /** Reset gate after (PyTorch) or before (original paper) the hidden matmul; see {@link GRUOptions.resetAfter}. @defaultValue true */
  resetAfter?: boolean;
  /** The generator for the initial weights. @defaultValue the default generator (`manualSeed`) */
  generator?: Generator;
  /** The backend that holds the parameters. @defaultValue the one set with `setBackend` */
  backend?: Backend;
}

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

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
export class GRUCell extends Module {
  /** Features of the input. */
  readonly inputSize: number;
  /** Features of the hidden state. */
  readonly hiddenSize: number;
  /** Whether the cell has biases. */
  readonly bias: boolean;
  /** Reset gate after (true) or before (false) the hidden matmul. */
  readonly resetAfter: boolean;
  /** Use the op-by-op reference composition instead of the fused step (for tests). @defaultValue false */
  useReference = false;
  /** `[3·hiddenSize, inputSize]`, rows r, z, n. */
  readonly weight_ih: Tensor;
  /** `[3·hiddenSize, hiddenSize]`, rows r, z, n. */
  readonly weight_hh: Tensor;
  /** `[3·hiddenSize]`, or `null` without bias. */
  readonly bias_ih: Tensor | null;
  /** `[3·hiddenSize]`, or `null` without bias. */
  readonly bias_hh: Tensor | null;
  private readonly cell: RecurrentCell;

  constructor(options: GRUCellOptions) {
    super();
    if (options === null || typeof options !== 'object') throw new ValueError(`GRUCell: options must be an object, got ${String(options)}`);
    for (const key of ['inputSize', 'hiddenSize'] as const) {
      const v = options[key];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ValueError(`GRUCell: ${key} must be a positive integer, got ${String(v)}`);
    }
    if (options.bias !== undefined && typeof options.bias !== 'boolean') throw new ValueError(`GRUCell: bias must be a boolean, got ${String(options.bias)}`);
    this.cell = gruCellFor('GRUCell', options.resetAfter);
    this.inputSize = options.inputSize;
    this.hiddenSize = options.hiddenSize;
    this.bias = options.bias ?? true;
    this.resetAfter = options.resetAfter ?? true;
    const backend = options.backend ?? getBackend();
    const generator = options.generator ?? defaultGenerator;
    const H = this.hiddenSize;
    const k = 1 / Math.sqrt(H);
    const init = (shape: number[]) => uniform(shape, -k, k, { generator, backend });
    this.weight_ih = this.registerParameter('weight_ih', init([3 * H, this.inputSize]));
    this.weight_hh = this.registerParameter('weight_hh', init([3 * H, H]));
    this.bias_ih = this.registerParameter('bias_ih', this.bias ? init([3 * H]) : null);
    this.bias_hh = this.registerParameter('bias_hh', this.bias ? init([3 * H]) : null);
  }

  /**
   * One step: `x` `[batch, inputSize]` (or unbatched `[inputSize]`), `h` `[batch, hiddenSize]`
   * (`[hiddenSize]`), zeros when omitted. Returns the next hidden state, shaped like `h`.
   *
   * @throws ShapeError when `x` or `h` has the wrong shape.
   */
  forward(x: Tensor, h?: Tensor | null): Tensor {
    const H = this.hiddenSize;
    if (!isTensor(x)) throw new ValueError(`GRUCell: input must be a Tensor, got ${typeof x}`);
    if ((x.rank !== 1 && x.rank !== 2) || x.shape[x.rank - 1] !== this.inputSize) {
      throw new ShapeError(`GRUCell: input must be [batch, ${this.inputSize}] or unbatched [${this.inputSize}], got ${shapeText(x.shape)}`);
    }
    const batched = x.rank === 2;
    const B = batched ? x.shape[0] : 1;
    const expectedH = batched ? [B, H] : [H];
    if (h !== undefined && h !== null) {
      if (!isTensor(h)) throw new ValueError(`GRUCell: h must be a Tensor, got ${typeof h}`);
      if (h.rank !== expectedH.length || h.shape.some((d, i) => d !== expectedH[i])) {
        throw new ShapeError(`GRUCell: h must be ${shapeText(expectedH)} for input ${shapeText(x.shape)}, got ${shapeText(h.shape)}`);
      }
    }
    const x2 = reshape(x, [B, this.inputSize]);
    const h2 = h === undefined || h === null ? zeros([B, H], { backend: x.backend }) : reshape(h, [B, H]);
    let gx = matmulTransposed(x2, this.weight_ih, false, true);
    if (this.bias_ih !== null) gx = add(gx, this.bias_ih);
    const layer = this.useReference ? recurrentLayerReference : recurrentLayer;
    const result = layer(this.cell, { gx: reshape(gx, [1, B, 3 * H]), h0: h2, c0: null, weightHh: this.weight_hh, biasHh: this.bias_hh, mask: null });
    return batched ? result.h : reshape(result.h, [H]);
  }
}
