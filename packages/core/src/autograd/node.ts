import type { Tensor } from '../tensor/tensor';

/**
 * One recorded operation of the autograd graph. `backward` maps the gradient of the op's output to
 * the gradients of its inputs (in order, `null` where an input needs none). By convention a backward
 * closure captures only the node's inputs, its output and the tensors listed in `saved`, so that
 * {@link scope} can tell which tensors a live graph still needs.
 */
export interface GradNode {
  /** The op's name, for error messages. */
  readonly name: string;
  /** The op's tensor inputs, in order. */
  readonly inputs: readonly Tensor[];
  /** Extra tensors the closure keeps (e.g. a recurrent layer's per-step activations). */
  readonly saved: readonly Tensor[];
  /** Maps the output gradient to one gradient per input. */
  backward: ((gradOutput: Tensor) => readonly (Tensor | null)[]) | null;
}
