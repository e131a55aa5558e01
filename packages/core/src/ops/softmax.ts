import { noGrad } from '../autograd/grad-mode';
import { normalizeAxes, normalizeAxis } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { computeUntraced, recordComputed } from './record';
import { add, div, mul, sub, scalarOp } from './binary';
import { where } from './indexing';
import { abs, exp, log } from './unary';
import { max, sum } from './reduce';
import { reshape } from './shape';

/**
 * A reduction's maximum with ±∞ replaced by 0, so that `x − m` never forms `∞ − ∞` (NaN) when a row
 * holds infinities. Any finite shift leaves the shifted formulas' results unchanged.
 */
function stableShift(x: Tensor, axes: readonly number[]): Tensor {
  return noGrad(() => {
    const m = max(x, axes, true);
    return where(scalarOp('eq', abs(m), Infinity), 0, m);
  });
}

/**
 * `log Σ exp(x)` over `axes` (all when omitted), computed as `m + log Σ exp(x − m)` so that it neither
 * overflows nor underflows; a row of −∞ gives −∞ and a row holding +∞ gives +∞, as in PyTorch.
 */
export function logSumExp(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const normalized = normalizeAxes('logSumExp', axes, x.rank);
  const m = stableShift(x, normalized);
  const lse = add(log(sum(exp(sub(x, m)), normalized, true)), m);
  return keepDims ? lse : reshape(lse, x.shape.filter((_, i) => !normalized.includes(i)));
}

/**
 * `softmax(x)ᵢ = exp(xᵢ − m) / Σⱼ exp(xⱼ − m)` along `axis`, shifted by the row maximum for stability.
 * @remarks One graph node, whose backward is `y ⊙ (g − Σ g ⊙ y)`.
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  const a = normalizeAxis('softmax', axis, x.rank);
  const value = computeUntraced(() => {
    const e = exp(sub(x, stableShift(x, [a])));
    return div(e, sum(e, a, true));
  });
  return recordComputed({
    name: 'softmax',
    value,
    inputs: [x],
    attrs: { axis: a },
    backward: (g, { output: y }) => [mul(y, sub(g, sum(mul(g, y), a, true)))],
  });
}

/**
 * `log softmax(x) = x − logSumExp(x)` along `axis`, finite wherever the input is.
 * @remarks One graph node, whose backward is `g − softmax(x) · Σ g`.
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const a = normalizeAxis('logSoftmax', axis, x.rank);
  // (x − m) − log Σ exp(x − m), not x − logSumExp(x): subtracting the large m first keeps the
  // result's low bits when |x| is large (PyTorch's order).
  const value = computeUntraced(() => {
    const shifted = sub(x, stableShift(x, [a]));
    return sub(shifted, log(sum(exp(shifted), a, true)));
  });
  return recordComputed({
    name: 'logSoftmax',
    value,
    inputs: [x],
    attrs: { axis: a },
    backward: (g, { output: y }) => [sub(g, mul(exp(y), sum(g, a, true)))],
  });
}
