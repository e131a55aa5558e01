import type { Backend } from '../backend/backend';
import { resolveBackend } from '../backend/default';
import { ShapeError, ValueError, formatShape } from '../errors';
import { add, matmulTransposed, reshape } from '../ops';
import type { Generator } from '../random';
import { zeros } from '../tensor/creation';
import type { Tensor } from '../tensor/tensor';
import { uniform } from './init';
import { Module } from './module';
import { assertTensorArgument, checkOptions } from '../options';

/** Options of {@link Linear}. */
export interface LinearOptions {
  /** Size of each input sample. */
  inFeatures: number;
  /** Size of each output sample. */
  outFeatures: number;
  /** Whether to learn an additive bias. @defaultValue true */
  bias?: boolean;
  /** Where the parameters live. @defaultValue the default backend */
  backend?: Backend;
  /** Generator for the initial values. @defaultValue the default generator */
  generator?: Generator;
}

/**
 * A fully connected layer, `y = x·Wᵀ + b` (PyTorch's `nn.Linear`).
 *
 * Shapes: input `[..., inFeatures]`, output `[..., outFeatures]`. Parameters `weight`
 * `[outFeatures, inFeatures]` and `bias` `[outFeatures]`.
 *
 * @remarks PyTorch's init: `weight` is `kaiming_uniform(a = √5)`, which is `U(−1/√in, 1/√in)`, and
 * `bias` is `U(−1/√in, 1/√in)`, drawn in that order from the generator.
 * @example
 * ```ts
 * const fc = new Linear({ inFeatures: 8, outFeatures: 2 });
 * const logits = fc.forward(randn([4, 8])); // [4, 2]
 * ```
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** `[outFeatures, inFeatures]`. */
  readonly weight: Tensor;
  /** `[outFeatures]`, or `null` when built with `bias: false`. */
  readonly bias: Tensor | null;

  /** @throws ValueError for a size that is not a non-negative integer; OptionsError for an unknown option or a value of the wrong type. */
  constructor(rawOptions: LinearOptions) {
    super();
    const options = checkOptions(rawOptions, {
      where: 'new Linear(options)',
      spec: { inFeatures: 'number', outFeatures: 'number', bias: 'boolean', backend: 'backend', generator: 'generator' },
      required: ['inFeatures', 'outFeatures'],
    });
    const { inFeatures, outFeatures } = options;
    for (const [name, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new ValueError(`Linear: ${name} must be a non-negative integer, got ${String(v)}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const backend = resolveBackend(options.backend);
    const bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
    this.weight = this.registerParameter('weight', uniform(zeros([outFeatures, inFeatures], { backend }), { low: -bound, high: bound, generator: options.generator }));
    this.bias = this.registerParameter(
      'bias',
      options.bias === false ? null : uniform(zeros([outFeatures], { backend }), { low: -bound, high: bound, generator: options.generator }),
    );
  }

  /** Applies the layer to `[..., inFeatures]`, giving `[..., outFeatures]`. */
  forward(input: Tensor): Tensor {
    assertTensorArgument('Linear', 'input', input);
    if (input.rank === 0 || input.shape[input.rank - 1] !== this.inFeatures) {
      throw new ShapeError(`Linear: input must be [..., ${this.inFeatures}], got ${formatShape(input.shape)}`);
    }
    const lead = input.shape.slice(0, -1);
    const rows = lead.reduce((a, b) => a * b, 1);
    // One 2-D matmul over the flattened leading dimensions, reading W transposed in place.
    let y = matmulTransposed(reshape(input, [rows, this.inFeatures]), this.weight, false, true);
    if (this.bias !== null) y = add(y, this.bias);
    return reshape(y, [...lead, this.outFeatures]);
  }
}
