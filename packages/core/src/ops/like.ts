import type { Tensor } from '../tensor/tensor';
import { fromStorage } from '../tensor/tensor';
import { backendOf } from './record';
import { scalarOp } from './binary';

/** A new tensor with the same values and its own storage (differentiable: the gradient passes through). */
export function copy(x: Tensor): Tensor {
  // x · 1 is exact for every float, −0 and NaN included.
  return scalarOp('mul', x, 1);
}

/** A tensor of ones with `x`'s shape and backend. */
export function onesLike(x: Tensor): Tensor {
  const backend = backendOf('onesLike', x);
  return fromStorage(backend, backend.fill(x.size, 1), x.shape);
}

/** A tensor of zeros with `x`'s shape and backend. */
export function zerosLike(x: Tensor): Tensor {
  const backend = backendOf('zerosLike', x);
  return fromStorage(backend, backend.fill(x.size, 0), x.shape);
}
