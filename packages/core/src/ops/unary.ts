import type { UnaryOp } from '../backend/backend';
import { noGrad } from '../autograd/grad-mode';
import type { Tensor } from '../tensor/tensor';
import { backendOf, record } from './record';
import { mul, div, add, scalarOp, gt } from './binary';

function unaryOp(op: UnaryOp, x: Tensor, backward: ((g: Tensor, y: Tensor, x: Tensor) => Tensor) | null): Tensor {
  const backend = backendOf(op, x);
  const storage = backend.unary(op, x.storage(op), x.size);
  return record({
    name: op,
    backend,
    storage,
    shape: x.shape,
    inputs: [x],
    backward: backward && ((g, { inputs, output }) => [backward(g, output, inputs[0])]),
  });
}

/** `-x`. */
export function neg(x: Tensor): Tensor {
  return unaryOp('neg', x, (g) => neg(g));
}

/** `|x|`; the gradient at 0 is 0, as in PyTorch. */
export function abs(x: Tensor): Tensor {
  return unaryOp('abs', x, (g, _y, x) => mul(g, sign(x)));
}

/** `sign(x)` ∈ {−1, 0, 1}; its gradient is zero. */
export function sign(x: Tensor): Tensor {
  return unaryOp('sign', x, null);
}

/** `eˣ`. */
export function exp(x: Tensor): Tensor {
  return unaryOp('exp', x, (g, y) => mul(g, y));
}

/** Natural logarithm. */
export function log(x: Tensor): Tensor {
  return unaryOp('log', x, (g, _y, x) => div(g, x));
}

/** `log(1 + x)`, accurate for small `x`. */
export function log1p(x: Tensor): Tensor {
  return unaryOp('log1p', x, (g, _y, x) => div(g, scalarOp('add', x, 1)));
}

/** `√x`. */
export function sqrt(x: Tensor): Tensor {
  return unaryOp('sqrt', x, (g, y) => div(g, scalarOp('mul', y, 2)));
}

/** `1 / x`. */
export function reciprocal(x: Tensor): Tensor {
  return unaryOp('reciprocal', x, (g, y) => neg(mul(g, square(y))));
}

/** `x²`. */
export function square(x: Tensor): Tensor {
  return unaryOp('square', x, (g, _y, x) => mul(g, scalarOp('mul', x, 2)));
}

/**
 * The logistic function `1 / (1 + e⁻ˣ)`.
 * @remarks Backends evaluate it without overflow for large `|x|` (`eˣ / (1 + eˣ)` for negative `x`).
 */
export function sigmoid(x: Tensor): Tensor {
  return unaryOp('sigmoid', x, (g, y) => mul(g, mul(y, scalarOp('sub', y, 1, true))));
}

/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  return unaryOp('tanh', x, (g, y) => mul(g, scalarOp('sub', square(y), 1, true)));
}

/** `max(x, 0)`; the gradient at 0 is 0. */
export function relu(x: Tensor): Tensor {
  return unaryOp('relu', x, (g, _y, x) => mul(g, gt(x, 0)));
}

/** The Gauss error function. */
export function erf(x: Tensor): Tensor {
  return unaryOp('erf', x, (g, _y, x) => mul(g, scalarOp('mul', exp(neg(square(x))), 2 / Math.sqrt(Math.PI))));
}

/**
 * GELU with the exact erf form, `x · Φ(x) = x/2 · (1 + erf(x/√2))` (PyTorch's default `approximate='none'`).
 */
export function gelu(x: Tensor): Tensor {
  return unaryOp('gelu', x, (g, _y, x) =>
    noGrad(() => {
      // d/dx [x Φ(x)] = Φ(x) + x φ(x)
      const cdf = scalarOp('mul', scalarOp('add', erf(scalarOp('mul', x, Math.SQRT1_2)), 1), 0.5);
      const pdf = scalarOp('mul', exp(scalarOp('mul', square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
      return mul(g, add(cdf, mul(x, pdf)));
    }),
  );
}

/** `log(1 + eˣ)` computed as `max(x, 0) + log1p(e^{−|x|})`, finite for every finite `x`. */
export function softplus(x: Tensor): Tensor {
  return add(relu(x), log1p(exp(neg(abs(x)))));
}

/** `log σ(x) = −softplus(−x)`, finite for every finite `x`. */
export function logSigmoid(x: Tensor): Tensor {
  return neg(softplus(neg(x)));
}
