import type { ReduceOp } from '../backend/backend';
import { noGrad } from '../autograd/grad-mode';
import { normalizeAxes, sizeOfShape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { backendOf, record, refOf } from './record';
import { mul, div, eq, scalarOp } from './binary';
import { broadcastTo, reshape } from './shape';

function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function reducedShape(shape: readonly number[], axes: readonly number[], keepDims: boolean): number[] {
  return keepDims ? keptShape(shape, axes) : shape.filter((_, i) => !axes.includes(i));
}

function reduceOp(op: ReduceOp, name: string, x: Tensor, axesArg: number | readonly number[] | undefined, keepDims: boolean): Tensor {
  const backend = backendOf(name, x);
  const axes = normalizeAxes(name, axesArg, x.rank);
  const storage = backend.reduce(op, refOf(name, x), axes);
  const shape = reducedShape(x.shape, axes, keepDims);
  const inputShape = x.shape;
  const expand = (t: Tensor): Tensor => broadcastTo(reshape(t, keptShape(inputShape, axes)), inputShape);
  const attrs = { axes, keepDims };
  if (op === 'sum') {
    return record({ name, backend, storage, shape, inputs: [x], attrs, backward: (g) => [expand(g)] });
  }
  return record({
    name,
    backend,
    storage,
    shape,
    inputs: [x],
    attrs,
    backward: (g, { inputs: [x], output: y }) => {
      // Ties share the gradient equally (the semantics of torch.amax / torch.amin).
      const mask = noGrad(() => {
        const hits = eq(x, expand(y));
        return div(hits, expand(sumAxes(hits, axes)));
      });
      return [mul(expand(g), mask)];
    },
  });
}

/** @internal Sum over already-normalised axes, dropping them. */
export function sumAxes(x: Tensor, axes: readonly number[]): Tensor {
  return reduceOp('sum', 'sum', x, axes, false);
}

/** Sum over `axes` (all when omitted); `keepDims` leaves reduced axes as size 1. */
export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return reduceOp('sum', 'sum', x, axes, keepDims);
}

/** Mean over `axes` (all when omitted). The mean over zero elements is NaN, as in PyTorch. */
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const normalized = normalizeAxes('mean', axes, x.rank);
  const count = sizeOfShape(normalized.map((a) => x.shape[a]));
  return scalarOp('div', sum(x, normalized, keepDims), count);
}

/** Maximum over `axes` (all when omitted); the gradient is shared equally among tied maxima. */
export function max(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return reduceOp('max', 'max', x, axes, keepDims);
}

/** Minimum over `axes` (all when omitted); the gradient is shared equally among tied minima. */
export function min(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return reduceOp('min', 'min', x, axes, keepDims);
}
