import type { Backend } from '../backend/backend';
import { resolveBackend } from '../backend/default';
import { ShapeError, ValueError, formatShape } from '../errors';
import { add, div, mean, mul, sqrt, square, sub, scalarOp } from '../ops';
import { ones, zeros } from '../tensor/creation';
import type { Tensor } from '../tensor/tensor';
import { Module } from './module';
import { assertTensorArgument, checkOptions } from '../options';

/** Options of {@link LayerNorm}. */
export interface LayerNormOptions {
  /** The trailing dimensions to normalise over, e.g. `[hiddenSize]` (a number means `[n]`). */
  normalizedShape: number | readonly number[];
  /** Added to the variance for stability. @defaultValue 1e-5 */
  eps?: number;
  /** Learn a per-element scale `weight` (init 1) and shift `bias` (init 0). @defaultValue true */
  elementwiseAffine?: boolean;
  /** Learn the shift `bias` (only with `elementwiseAffine`). @defaultValue true */
  bias?: boolean;
  /** @defaultValue the default backend */
  backend?: Backend;
}

/**
 * Layer normalisation (Ba et al., 2016; PyTorch's `nn.LayerNorm`) over the trailing
 * `normalizedShape` dimensions of `[..., ...normalizedShape]`.
 *
 * @remarks `y = (x − E[x]) / √(Var[x] + ε) ⊙ weight + bias`, with the biased variance
 * `Var[x] = E[(x − E[x])²]` over the normalised dimensions.
 * @example
 * ```ts
 * const norm = new LayerNorm({ normalizedShape: 16 });
 * const y = norm.forward(randn([2, 5, 16]));
 * ```
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  /** Scale of shape `normalizedShape`, or `null` without `elementwiseAffine`. */
  readonly weight: Tensor | null;
  /** Shift of shape `normalizedShape`, or `null`. */
  readonly bias: Tensor | null;

  /** @throws ValueError for an invalid `normalizedShape` or `eps`; OptionsError for an unknown option or a value of the wrong type. */
  constructor(rawOptions: LayerNormOptions) {
    super();
    const options = checkOptions(rawOptions, {
      where: 'new LayerNorm(options)',
      spec: { normalizedShape: 'numberOrNumbers', eps: 'number', elementwiseAffine: 'boolean', bias: 'boolean', backend: 'backend' },
      required: ['normalizedShape'],
    });
    const shape = typeof options.normalizedShape === 'number' ? [options.normalizedShape] : [...options.normalizedShape];
    if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new ValueError(`LayerNorm: normalizedShape must be a non-empty list of positive integers, got ${formatShape(shape)}`);
    }
    this.normalizedShape = Object.freeze(shape);
    this.eps = options.eps ?? 1e-5;
    if (!(this.eps >= 0) || !Number.isFinite(this.eps)) throw new ValueError(`LayerNorm: eps must be a finite number ≥ 0, got ${this.eps}`);
    const backend = resolveBackend(options.backend);
    const affine = options.elementwiseAffine ?? true;
    this.weight = this.registerParameter('weight', affine ? ones(shape, { backend }) : null);
    this.bias = this.registerParameter('bias', affine && options.bias !== false ? zeros(shape, { backend }) : null);
  }

  /** Normalises `[..., ...normalizedShape]`; the output has the input's shape. */
  forward(input: Tensor): Tensor {
    assertTensorArgument('LayerNorm', 'input', input);
    const k = this.normalizedShape.length;
    const tail = input.shape.slice(input.rank - k);
    if (input.rank < k || tail.some((d, i) => d !== this.normalizedShape[i])) {
      throw new ShapeError(`LayerNorm: input must be [..., ${this.normalizedShape.join(', ')}], got ${formatShape(input.shape)}`);
    }
    const axes = Array.from({ length: k }, (_, i) => input.rank - k + i);
    const centered = sub(input, mean(input, axes, true));
    const variance = mean(square(centered), axes, true);
    let y = div(centered, sqrt(scalarOp('add', variance, this.eps)));
    if (this.weight !== null) y = mul(y, this.weight);
    if (this.bias !== null) y = add(y, this.bias);
    return y;
  }
}
