import type { Tensor } from '../tensor/tensor';

/** What a backward function receives besides the output gradient. */
export interface BackwardContext {
  /** The op's tensor inputs, in order. */
  readonly inputs: readonly Tensor[];
  /** The other tensors the op declared it needs for its backward. */
  readonly saved: readonly Tensor[];
  /** The op's output (its value, e.g. `σ(x)` for sigmoid's backward). */
  readonly output: Tensor;
}

/**
 * Maps the gradient of an op's output to the gradients of its inputs (one per input, `null` where an
 * input needs none). It reads tensors only from its context: a tensor it captured instead would be
 * invisible to {@link scope} and could be freed before the backward runs.
 */
export type BackwardFn = (gradOutput: Tensor, context: BackwardContext) => readonly (Tensor | null)[];

/** One recorded operation of the autograd graph. */
export interface GradNode {
  /** The op's name, for error messages. */
  readonly name: string;
  /** The op's tensor inputs, in order. */
  readonly inputs: readonly Tensor[];
  /** The other tensors the backward reads (e.g. index tensors, a recurrent layer's per-step activations). */
  readonly saved: readonly Tensor[];
  /**
   * Saved tensors the op made for its backward alone (no one else holds them): disposed as soon as the
   * backward has run without `retainGraph`, so their memory is freed at once, not when collected.
   */
  readonly temporaries?: readonly Tensor[];
  /** Maps the output gradient to one gradient per input; `null` once run without `retainGraph`. */
  backward: ((gradOutput: Tensor) => readonly (Tensor | null)[]) | null;
}
