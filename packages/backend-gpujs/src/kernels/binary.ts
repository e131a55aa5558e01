import { broadcastStrides, sizeOfShape } from '@gated/core';
import type { BinaryOp, Shape, TensorRef } from '@gated/core';
import type { GpujsStorage } from '../gpujs-storage';
import type { GpujsRuntime } from '../runtime';
import { NAN, NEG_INF, POS_INF, SPECIALS, kernelSource, shapeKey, stridedIndexCode } from './source';

/**
 * The statements of `op(x, y)` for one pair of elements. Comparisons give 1 or 0; `maximum` /
 * `minimum` propagate NaN (GLSL's max/min need not); `pow` follows `Math.pow`, which GLSL's `pow`
 * (defined only for x > 0) does not.
 */
export function binaryBody(op: BinaryOp): string {
  const compare = (test: string) => `if (${test}) { return 1.0; }\n  return 0.0;`;
  switch (op) {
    case 'add':
      return 'return x + y;';
    case 'sub':
      return 'return x - y;';
    case 'mul':
      return 'return x * y;';
    case 'div':
      return 'return x / y;';
    case 'maximum':
      return 'if (x != x || y != y) { return x + y; }\n  return Math.max(x, y);';
    case 'minimum':
      return 'if (x != x || y != y) { return x + y; }\n  return Math.min(x, y);';
    case 'eq':
      return compare('x == y');
    case 'ne':
      return compare('x != y');
    case 'lt':
      return compare('x < y');
    case 'le':
      return compare('x <= y');
    case 'gt':
      return compare('x > y');
    case 'ge':
      return compare('x >= y');
    case 'pow':
      return [
        'if (y == 0.0) { return 1.0; }',
        'if (x != x || y != y) { return x + y; }',
        'if (x > 0.0) {',
        '  if (x == 1.0) { return 1.0; }',
        '  return Math.pow(x, y);',
        '}',
        // x ≤ 0: the sign depends on the parity of an integral y; a non-integral y gives NaN.
        `let yIsInteger = 0.0;`,
        `if (Math.floor(y) == y) { yIsInteger = 1.0; }`,
        `if (yIsInteger == 0.0 && y != ${POS_INF} && y != ${NEG_INF}) { return ${NAN}; }`,
        'let half = y * 0.5;',
        'let odd = 0.0;',
        `if (yIsInteger == 1.0 && Math.floor(half) != half && Math.abs(y) < 16777216.0) { odd = 1.0; }`,
        'let m = 0.0;',
        'if (x == 0.0) {',
        `  if (y > 0.0) { m = 0.0; } else { m = ${POS_INF}; }`,
        '} else {',
        '  m = Math.pow(-x, y);',
        '}',
        // −0 counts as negative for odd powers, as in Math.pow(−0, −1) = −∞.
        'if (odd == 1.0 && (x < 0.0 || 1.0 / x < 0.0)) { return -m; }',
        'return m;',
      ].join('\n  ');
    default:
      throw new Error(`gpujs binary: unknown op '${String(op)}'`);
  }
}

/** NumPy-broadcasting `op(a, b)` over `outShape`. */
export function binary(
  runtime: GpujsRuntime,
  op: BinaryOp,
  a: TensorRef<GpujsStorage>,
  b: TensorRef<GpujsStorage>,
  outShape: Shape,
): GpujsStorage {
  const size = sizeOfShape(outShape);
  const key = `binary:${op}:${shapeKey(a.shape)}:${shapeKey(b.shape)}:${shapeKey(outShape)}`;
  return runtime.run(`binary ${op}`, key, () => {
    const index = stridedIndexCode(outShape, [
      { index: 'ia', strides: broadcastStrides(a.shape, outShape) },
      { index: 'ib', strides: broadcastStrides(b.shape, outShape) },
    ]);
    return { source: kernelSource(['a', 'b', SPECIALS], `${index}\n  let x = a[ia];\n  let y = b[ib];\n  ${binaryBody(op)}`), size };
  }, [a.storage, b.storage, runtime.specials()]);
}

/**
 * `op(x, scalar)` or `op(scalar, x)`. The scalar is a uniform, so one kernel serves every value;
 * a non-finite scalar (which a GLSL uniform cannot be trusted to carry) goes through a one-element
 * storage and the broadcasting kernel instead.
 */
export function binaryScalar(
  runtime: GpujsRuntime,
  op: BinaryOp,
  x: GpujsStorage,
  scalar: number,
  size: number,
  scalarFirst: boolean,
): GpujsStorage {
  if (!Number.isFinite(scalar)) {
    const s = runtime.upload(new Float32Array([scalar]));
    try {
      const xs = { storage: x, shape: [size] };
      const ss = { storage: s, shape: [1] };
      return scalarFirst ? binary(runtime, op, ss, xs, [size]) : binary(runtime, op, xs, ss, [size]);
    } finally {
      runtime.release(s);
    }
  }
  const operands = scalarFirst ? 'let x = s;\n  let y = a[this.thread.x];' : 'let x = a[this.thread.x];\n  let y = s;';
  const key = `binaryScalar:${op}:${scalarFirst ? 'sx' : 'xs'}:${size}`;
  return runtime.run(`binaryScalar ${op}`, key, () => ({
    source: kernelSource(['a', 's', SPECIALS], `${operands}\n  ${binaryBody(op)}`),
    size,
  }), [x, Math.fround(scalar), runtime.specials()]);
}

/** NumPy-broadcasting `condition ≠ 0 ? a : b` (NaN counts as true, as `bool(nan)` does). */
export function where(
  runtime: GpujsRuntime,
  condition: TensorRef<GpujsStorage>,
  a: TensorRef<GpujsStorage>,
  b: TensorRef<GpujsStorage>,
  outShape: Shape,
): GpujsStorage {
  const size = sizeOfShape(outShape);
  const key = `where:${shapeKey(condition.shape)}:${shapeKey(a.shape)}:${shapeKey(b.shape)}:${shapeKey(outShape)}`;
  return runtime.run('where', key, () => {
    const index = stridedIndexCode(outShape, [
      { index: 'ic', strides: broadcastStrides(condition.shape, outShape) },
      { index: 'ia', strides: broadcastStrides(a.shape, outShape) },
      { index: 'ib', strides: broadcastStrides(b.shape, outShape) },
    ]);
    return {
      source: kernelSource(['c', 'a', 'b'], `${index}\n  if (c[ic] == 0.0) { return b[ib]; }\n  return a[ia];`),
      size,
    };
  }, [condition.storage, a.storage, b.storage]);
}
