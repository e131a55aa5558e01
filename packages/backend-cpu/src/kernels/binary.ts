import { ValueError, type BinaryOp, type Shape, broadcastStrides, contiguousStrides } from '@gated/core';
import { coalesce } from './strides';

/**
 * `out[o + i] = op(a[ia + i·sa], b[ib + i·sb])` for `i < n`: the inner loop every broadcasting path
 * ends in. One loop per op keeps dispatch out of the loop body.
 */
export function binaryStrided(
  op: BinaryOp,
  a: Float32Array,
  aOffset: number,
  aStride: number,
  b: Float32Array,
  bOffset: number,
  bStride: number,
  out: Float32Array,
  outOffset: number,
  n: number,
): void {
  let ia = aOffset;
  let ib = bOffset;
  const end = outOffset + n;
  switch (op) {
    case 'add':
      for (let o = outOffset; o < end; o++, ia += aStride, ib += bStride) out[o] = a[ia] + b[ib];
      return;
    case 'sub':
      for (let o = outOffset; o < end; o++, ia += aStride, ib += bStride) out[o] = a[ia] - b[ib];
      return;
    case 'mul':
      for (let o = outOffset; o < end; o++, ia += aStride, ib += bStride) out[o] = a[ia] * b[ib];
      return;
    case 'div':
      for (let o = outOffset; o < end; o++, ia += aStride, ib += bStride) out[o] = a[ia] / b[ib];
      return;
    case 'pow':
      for (let o = outOffset; o < end; o++, ia += aStride, ib += bStride) out[o] = Math.pow(a[ia], b[ib]);
      return;
    case 'maximum':
      // Math.max / Math.min propagate NaN, as torch.maximum / torch.minimum do.
      for (let o = outOffset; o < end; o++, ia += aStride, ib += bStride) out[o] = Math.max(a[ia], b[ib]);
      return;
    case 'minimum':
      for (let o = outOffset; o < end; o++, ia += aStride, ib += bStride) out[o] = Math.min(a[ia], b[ib]);
      return;
    case 'eq':
      for (let o = outOffset; o < end; o++, ia += aStride, ib += bStride) out[o] = a[ia] === b[ib] ? 1 : 0;
      return;
    case 'ne':
      for (let o = outOffset; o < end; o++, ia += aStride, ib += bStride) out[o] = a[ia] !== b[ib] ? 1 : 0;
      return;
    case 'lt':
      for (let o = outOffset; o < end; o++, ia += aStride, ib += bStride) out[o] = a[ia] < b[ib] ? 1 : 0;
      return;
    case 'le':
      for (let o = outOffset; o < end; o++, ia += aStride, ib += bStride) out[o] = a[ia] <= b[ib] ? 1 : 0;
      return;
    case 'gt':
      for (let o = outOffset; o < end; o++, ia += aStride, ib += bStride) out[o] = a[ia] > b[ib] ? 1 : 0;
      return;
    case 'ge':
      for (let o = outOffset; o < end; o++, ia += aStride, ib += bStride) out[o] = a[ia] >= b[ib] ? 1 : 0;
      return;
    default:
      throw new ValueError(`cpu binary: unknown op '${String(op)}'`);
  }
}

/**
 * `out[i] = op(x[i], c)`, or `op(c, x[i])` when `scalarFirst`, for `i < size`. The scalar stays a
 * float64 JS number: only the result is rounded to float32.
 */
export function binaryScalar(op: BinaryOp, x: Float32Array, c: number, out: Float32Array, size: number, scalarFirst: boolean): void {
  switch (op) {
    case 'add':
      for (let i = 0; i < size; i++) out[i] = x[i] + c;
      return;
    case 'mul':
      for (let i = 0; i < size; i++) out[i] = x[i] * c;
      return;
    case 'sub':
      if (scalarFirst) for (let i = 0; i < size; i++) out[i] = c - x[i];
      else for (let i = 0; i < size; i++) out[i] = x[i] - c;
      return;
    case 'div':
      if (scalarFirst) for (let i = 0; i < size; i++) out[i] = c / x[i];
      else for (let i = 0; i < size; i++) out[i] = x[i] / c;
      return;
    case 'pow':
      if (scalarFirst) for (let i = 0; i < size; i++) out[i] = Math.pow(c, x[i]);
      else if (c === 2) for (let i = 0; i < size; i++) out[i] = x[i] * x[i];
      else for (let i = 0; i < size; i++) out[i] = Math.pow(x[i], c);
      return;
    case 'maximum':
      for (let i = 0; i < size; i++) out[i] = Math.max(x[i], c);
      return;
    case 'minimum':
      for (let i = 0; i < size; i++) out[i] = Math.min(x[i], c);
      return;
    case 'eq':
      for (let i = 0; i < size; i++) out[i] = x[i] === c ? 1 : 0;
      return;
    case 'ne':
      for (let i = 0; i < size; i++) out[i] = x[i] !== c ? 1 : 0;
      return;
    // With the scalar first, `c < x` is `x > c`: flip the comparison instead of the operands.
    case 'lt':
      if (scalarFirst) for (let i = 0; i < size; i++) out[i] = x[i] > c ? 1 : 0;
      else for (let i = 0; i < size; i++) out[i] = x[i] < c ? 1 : 0;
      return;
    case 'le':
      if (scalarFirst) for (let i = 0; i < size; i++) out[i] = x[i] >= c ? 1 : 0;
      else for (let i = 0; i < size; i++) out[i] = x[i] <= c ? 1 : 0;
      return;
    case 'gt':
      if (scalarFirst) for (let i = 0; i < size; i++) out[i] = x[i] < c ? 1 : 0;
      else for (let i = 0; i < size; i++) out[i] = x[i] > c ? 1 : 0;
      return;
    case 'ge':
      if (scalarFirst) for (let i = 0; i < size; i++) out[i] = x[i] <= c ? 1 : 0;
      else for (let i = 0; i < size; i++) out[i] = x[i] >= c ? 1 : 0;
      return;
    default:
      throw new ValueError(`cpu binaryScalar: unknown op '${String(op)}'`);
  }
}

/**
 * NumPy-broadcasting `out = op(a, b)` with `out` of `outShape`. Equal shapes run one flat loop, a
 * one-element side runs the scalar loop, and everything else walks coalesced strides.
 */
export function binary(op: BinaryOp, a: Float32Array, aShape: Shape, b: Float32Array, bShape: Shape, out: Float32Array, outShape: Shape): void {
  const size = out.length;
  if (size === 0) return;
  if (a.length === size && b.length === size) {
    // Same element count as the output means neither side is broadcast: the layouts agree.
    binaryStrided(op, a, 0, 1, b, 0, 1, out, 0, size);
    return;
  }
  if (b.length === 1 && a.length === size) {
    binaryScalar(op, a, b[0], out, size, false);
    return;
  }
  if (a.length === 1 && b.length === size) {
    binaryScalar(op, b, a[0], out, size, true);
    return;
  }
  const loop = coalesce(outShape, [broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape), contiguousStrides(outShape)]);
  const { shape } = loop;
  const [sa, sb] = loop.strides;
  const rank = shape.length;
  const inner = shape[rank - 1];
  const innerA = sa[rank - 1];
  const innerB = sb[rank - 1];
  const index = new Array<number>(rank).fill(0);
  let offA = 0;
  let offB = 0;
  for (let o = 0; o < size; o += inner) {
    binaryStrided(op, a, offA, innerA, b, offB, innerB, out, o, inner);
    for (let d = rank - 2; d >= 0; d--) {
      offA += sa[d];
      offB += sb[d];
      if (++index[d] < shape[d]) break;
      offA -= sa[d] * shape[d];
      offB -= sb[d] * shape[d];
      index[d] = 0;
    }
  }
}

/** NumPy-broadcasting `out = condition ≠ 0 ? a : b` (NaN counts as true, as `bool(nan)` does). */
export function where(
  condition: Float32Array,
  conditionShape: Shape,
  a: Float32Array,
  aShape: Shape,
  b: Float32Array,
  bShape: Shape,
  out: Float32Array,
  outShape: Shape,
): void {
  const size = out.length;
  if (size === 0) return;
  const loop = coalesce(outShape, [
    broadcastStrides(conditionShape, outShape),
    broadcastStrides(aShape, outShape),
    broadcastStrides(bShape, outShape),
    contiguousStrides(outShape),
  ]);
  const { shape } = loop;
  const [sc, sa, sb] = loop.strides;
  const rank = shape.length;
  const inner = shape[rank - 1];
  const innerC = sc[rank - 1];
  const innerA = sa[rank - 1];
  const innerB = sb[rank - 1];
  const index = new Array<number>(rank).fill(0);
  let offC = 0;
  let offA = 0;
  let offB = 0;
  for (let o = 0; o < size; o += inner) {
    let ic = offC;
    let ia = offA;
    let ib = offB;
    const end = o + inner;
    for (let i = o; i < end; i++, ic += innerC, ia += innerA, ib += innerB) out[i] = condition[ic] !== 0 ? a[ia] : b[ib];
    for (let d = rank - 2; d >= 0; d--) {
      offC += sc[d];
      offA += sa[d];
      offB += sb[d];
      if (++index[d] < shape[d]) break;
      offC -= sc[d] * shape[d];
      offA -= sa[d] * shape[d];
      offB -= sb[d] * shape[d];
      index[d] = 0;
    }
  }
}
