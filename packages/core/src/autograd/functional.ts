import { AutogradError, formatShape } from '../errors';
import type { Tensor } from '../tensor/tensor';
import { withGradMode } from './grad-mode';

/**
 * Turns a scalar-valued function into one that returns its value and the gradients with respect to
 * each tensor argument (like `jax.value_and_grad`). Arguments are detached copies that require grad,
 * so the caller's tensors and their `.grad` are left untouched.
 *
 * @example
 * ```ts
 * const f = (x: Tensor) => x.mul(x).sum();
 * const { value, grads } = valueAndGrad(f)(tensor([1, 2, 3])); // grads[0] = [2, 4, 6]
 * ```
 */
export function valueAndGrad<A extends Tensor[]>(fn: (...args: A) => Tensor): (...args: A) => { value: Tensor; grads: Tensor[] } {
  return (...args: A) =>
    withGradMode(true, () => {
      const leaves = args.map((a) => a.detach().requiresGrad_()) as A;
      const value = fn(...leaves);
      if (value.size !== 1) throw new AutogradError(`valueAndGrad: function must return a scalar, got shape ${formatShape(value.shape)}`);
      if (value.requiresGrad) value.backward();
      const grads = leaves.map((l) => {
        const g = l.grad ?? null;
        l.grad = null;
        return g;
      });
      return { value: value.detach(), grads: grads.map((g, i) => g ?? zerosFor(leaves[i])) };
    });
}

/** Like {@link valueAndGrad}, returning only the gradients. */
export function grad<A extends Tensor[]>(fn: (...args: A) => Tensor): (...args: A) => Tensor[] {
  const vg = valueAndGrad(fn);
  return (...args: A) => vg(...args).grads;
}

function zerosFor(t: Tensor): Tensor {
  return t.mul(0).detach();
}
