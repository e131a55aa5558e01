import type { BinaryOp } from '../backend/backend';
import { ValueError } from '../errors';
import { noGrad } from '../autograd/grad-mode';
import { broadcastShapes, broadcastedAxes, shapesEqual } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import type { BackwardFn } from '../autograd/node';
import { backendOf, record, refOf, type TensorLike } from './record';
import { log } from './unary';
import { where } from './indexing';
import { sumAxes } from './reduce';
import { reshape } from './shape';

/**
 * Reduces a gradient of a broadcast result back to an input's shape (the adjoint of broadcasting):
 * sums over the axes the input was broadcast along.
 */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const axes = broadcastedAxes(shape, g.shape);
  return reshape(sumAxes(g, axes), shape);
}

/** @internal `op(x, scalar)` (or `op(scalar, x)`) without uploading the scalar. */
export function scalarOp(op: BinaryOp, x: Tensor, scalar: number, scalarFirst = false): Tensor {
  if (typeof scalar !== 'number') throw new ValueError(`${op}: scalar operand must be a number, got ${typeof scalar}`);
  const backend = backendOf(op, x);
  const storage = backend.binaryScalar(op, x.storage(op), scalar, x.size, scalarFirst);
  return record({ name: op, backend, storage, shape: x.shape, inputs: [x], attrs: { scalar, scalarFirst }, backward: scalarBackward(op, scalar, scalarFirst) });
}

function scalarBackward(op: BinaryOp, c: number, scalarFirst: boolean): BackwardFn | null {
  switch (op) {
    case 'add':
      return (g) => [g];
    case 'sub':
      return (g) => [scalarFirst ? scalarOp('mul', g, -1) : g];
    case 'mul':
      return (g) => [scalarOp('mul', g, c)];
    case 'div':
      // x / c → g / c;  c / x → −g · c / x² = −g · y / x
      return scalarFirst ? (g, { inputs: [x], output: y }) => [mul(g, div(scalarOp('mul', y, -1), x))] : (g) => [scalarOp('div', g, c)];
    case 'pow':
      // x^c → g · c · x^(c−1);  c^x → g · y · ln c
      return scalarFirst
        ? (g, { output: y }) => [c === 0 ? mul(g, scalarOp('mul', y, 0)) : mul(g, scalarOp('mul', y, Math.log(c)))]
        : (g, { inputs: [x] }) => [mul(g, scalarOp('mul', scalarOp('pow', x, c - 1), c))];
    case 'maximum':
    case 'minimum':
      return (g, { inputs: [x] }) => {
        const cmp: BinaryOp = op === 'maximum' ? 'gt' : 'lt';
        // Ties share the gradient equally, as in torch.maximum.
        const mask = noGrad(() => add(scalarOp(cmp, x, c), scalarOp('mul', scalarOp('eq', x, c), 0.5)));
        return [mul(g, mask)];
      };
    default:
      return null;
  }
}

function binaryOp(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  if (typeof b === 'number') {
    if (typeof a === 'number') throw new ValueError(`${op}: at least one operand must be a Tensor, got two numbers`);
    return scalarOp(op, a, b, false);
  }
  if (typeof a === 'number') return scalarOp(op, b, a, true);
  const backend = backendOf(op, a, b);
  const outShape = broadcastShapes(op, a.shape, b.shape);
  const storage = backend.binary(op, refOf(op, a), refOf(op, b), outShape);
  return record({ name: op, backend, storage, shape: outShape, inputs: [a, b], backward: binaryBackward(op) });
}

function binaryBackward(op: BinaryOp): BackwardFn | null {
  const both = ([a, b]: readonly Tensor[], ga: () => Tensor, gb: () => Tensor): (Tensor | null)[] => [
    a.requiresGrad ? sumToShape(ga(), a.shape) : null,
    b.requiresGrad ? sumToShape(gb(), b.shape) : null,
  ];
  switch (op) {
    case 'add':
      return (g, { inputs }) => both(inputs, () => g, () => g);
    case 'sub':
      return (g, { inputs }) => both(inputs, () => g, () => scalarOp('mul', g, -1));
    case 'mul':
      return (g, { inputs }) => both(inputs, () => mul(g, inputs[1]), () => mul(g, inputs[0]));
    case 'div':
      return (g, { inputs, output: y }) => both(inputs, () => div(g, inputs[1]), () => scalarOp('mul', div(mul(g, y), inputs[1]), -1));
    case 'pow':
      return (g, { inputs, output: y }) => {
        const [a, b] = inputs;
        return both(
          inputs,
          () => mul(g, mul(b, pow(a, scalarOp('sub', b, 1)))),
          // PyTorch masks base 0 with exponent ≥ 0, where y · log(a) would be 0 · (−∞) = NaN.
          () => noGrad(() => mul(g, where(mul(compare('eq', a, 0), compare('ge', b, 0)), 0, mul(y, log(a))))),
        );
      };
    case 'maximum':
    case 'minimum': {
      const cmp: BinaryOp = op === 'maximum' ? 'gt' : 'lt';
      return (g, { inputs }) => {
        const [a, b] = inputs;
        const maskA = noGrad(() => add(compare(cmp, a, b), scalarOp('mul', compare('eq', a, b), 0.5)));
        return both(inputs, () => mul(g, maskA), () => mul(g, scalarOp('sub', maskA, 1, true)));
      };
    }
    default:
      return null;
  }
}

function compare(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  return noGrad(() => binaryOp(op, a, b));
}

/** `a + b` with NumPy broadcasting. */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('add', a, b);
}
/** `a − b` with NumPy broadcasting. */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('sub', a, b);
}
/** `a · b` element-wise with NumPy broadcasting. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('mul', a, b);
}
/** `a / b` element-wise with NumPy broadcasting. */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('div', a, b);
}
/** `aᵇ` element-wise with NumPy broadcasting. */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('pow', a, b);
}
/** Element-wise maximum; ties split the gradient equally (as `torch.maximum`). */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('maximum', a, b);
}
/** Element-wise minimum; ties split the gradient equally (as `torch.minimum`). */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('minimum', a, b);
}
/** `1` where `a == b`, else `0` (no gradient). */
export function eq(a: TensorLike, b: TensorLike): Tensor {
  return compare('eq', a, b);
}
/** `1` where `a != b`, else `0` (no gradient). */
export function ne(a: TensorLike, b: TensorLike): Tensor {
  return compare('ne', a, b);
}
/** `1` where `a < b`, else `0` (no gradient). */
export function lt(a: TensorLike, b: TensorLike): Tensor {
  return compare('lt', a, b);
}
/** `1` where `a <= b`, else `0` (no gradient). */
export function le(a: TensorLike, b: TensorLike): Tensor {
  return compare('le', a, b);
}
/** `1` where `a > b`, else `0` (no gradient). */
export function gt(a: TensorLike, b: TensorLike): Tensor {
  return compare('gt', a, b);
}
/** `1` where `a >= b`, else `0` (no gradient). */
export function ge(a: TensorLike, b: TensorLike): Tensor {
  return compare('ge', a, b);
}
