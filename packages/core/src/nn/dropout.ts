import { ValueError } from '../errors';
import { mul, scalarOp } from '../ops';
import { defaultGenerator, type Generator } from '../random';
import { fromStorage, type Tensor } from '../tensor/tensor';
import { Module } from './module';
import { assertTensorArgument, checkOptions, type OptionSpec } from '../options';

const DROPOUT_OPTIONS: OptionSpec = { p: 'number', generator: 'generator' };

/** Options of {@link Dropout} and {@link dropout}. */
export interface DropoutOptions {
  /** Probability of zeroing an element, in `[0, 1]`. @defaultValue 0.5 */
  p?: number;
  /** Generator for the masks. @defaultValue the default generator (seeded by `manualSeed`) */
  generator?: Generator;
}

function checkP(op: string, p: number): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ValueError(`${op}: p must be a probability in [0, 1], got ${String(p)}`);
}

/**
 * Inverted dropout (PyTorch's `F.dropout`): in training each element is zeroed with probability `p`
 * and the survivors are scaled by `1/(1 − p)`, so the expected value is unchanged and evaluation is
 * the identity. The mask is drawn on the host from a seeded generator, so a seed gives the same mask
 * on every backend (PyTorch's own random stream is not reproduced).
 *
 * @remarks `y = x ⊙ m / (1 − p)` with `mᵢ ~ Bernoulli(1 − p)`; the gradient is `g ⊙ m / (1 − p)`.
 * `p = 1` gives zeros.
 * @example
 * ```ts
 * const y = dropout(x, { p: 0.1 }, true);
 * ```
 */
export function dropout(input: Tensor, rawOptions?: DropoutOptions | null, training = true): Tensor {
  assertTensorArgument('dropout', 'input', input);
  const options = checkOptions(rawOptions, { where: 'dropout(input, options, training)', spec: DROPOUT_OPTIONS });
  if (typeof training !== 'boolean') throw new ValueError(`dropout: training must be a boolean, got ${String(training)}`);
  const p = options.p ?? 0.5;
  checkP('dropout', p);
  if (!training || p === 0) return input;
  if (p === 1) return scalarOp('mul', input, 0);
  const g = options.generator ?? defaultGenerator;
  const scale = Math.fround(1 / (1 - p));
  const mask = new Float32Array(input.size);
  for (let i = 0; i < mask.length; i++) mask[i] = g.nextFloat() < p ? 0 : scale;
  const m = fromStorage(input.backend, input.backend.upload(mask), input.shape);
  return mul(input, m);
}

/**
 * Randomly zeroes elements during training (PyTorch's `nn.Dropout`); the identity in evaluation
 * mode (`module.eval()`). See {@link dropout} for the math.
 * @example
 * ```ts
 * const drop = new Dropout({ p: 0.2 });
 * const y = drop.forward(x);   // masked and scaled while training
 * drop.eval();
 * drop.forward(x);             // returns x unchanged
 * ```
 */
export class Dropout extends Module {
  /** Probability of zeroing an element. */
  readonly p: number;
  private readonly generator: Generator | undefined;

  /** @throws ValueError for a `p` outside `[0, 1]`; OptionsError for an unknown option or a value of the wrong type. */
  constructor(rawOptions?: DropoutOptions | null) {
    super();
    const options = checkOptions(rawOptions, { where: 'new Dropout(options)', spec: DROPOUT_OPTIONS });
    this.p = options.p ?? 0.5;
    checkP('Dropout', this.p);
    this.generator = options.generator;
  }

  /** Applies dropout when {@link Module.training}, else returns `input`. */
  forward(input: Tensor): Tensor {
    return dropout(input, { p: this.p, generator: this.generator }, this.training);
  }
}
