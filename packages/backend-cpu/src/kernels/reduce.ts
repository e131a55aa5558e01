import { ValueError, type ReduceOp, type Shape, contiguousStrides } from '@gated/core';
import { coalesce } from './strides';

/** The value a reduction over zero elements gives. */
export function reduceIdentity(op: ReduceOp): number {
  return op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity;
}

/**
 * Reduces `x` of `shape` over the sorted, unique `axes` into `out` (the kept axes, in order).
 *
 * @remarks The input is read once, in memory order, whatever the axes: each output element has stride
 * 0 along reduced axes, and the innermost loop either folds a contiguous run into one register (the
 * last axis is reduced) or adds a contiguous row into the output (it is kept). Sums accumulate in
 * float64 and are rounded to float32 once, at the end; max and min propagate NaN.
 */
export function reduce(op: ReduceOp, x: Float32Array, shape: Shape, axes: readonly number[], out: Float32Array): void {
  if (axes.length === 0) {
    out.set(x);
    return;
  }
  if (x.length === 0) {
    out.fill(reduceIdentity(op));
    return;
  }
  const outStrides = new Array<number>(shape.length).fill(0);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (axes.includes(d)) continue;
    outStrides[d] = stride;
    stride *= shape[d];
  }
  const loop = coalesce(shape, [contiguousStrides(shape), outStrides]);
  const dims = loop.shape;
  const so = loop.strides[1];
  const rank = dims.length;
  const inner = dims[rank - 1];
  const innerKept = so[rank - 1] !== 0;
  const total = x.length;
  const index = new Array<number>(rank).fill(0);
  let o = 0;
  if (op === 'sum') {
    const acc = new Float64Array(out.length);
    for (let i = 0; i < total; i += inner) {
      if (innerKept) {
        for (let j = 0; j < inner; j++) acc[o + j] += x[i + j];
      } else {
        let s = 0;
        for (let j = i, end = i + inner; j < end; j++) s += x[j];
        acc[o] += s;
      }
      for (let d = rank - 2; d >= 0; d--) {
        o += so[d];
        if (++index[d] < dims[d]) break;
        o -= so[d] * dims[d];
        index[d] = 0;
      }
    }
    out.set(acc);
    return;
  }
  if (op !== 'max' && op !== 'min') throw new ValueError(`cpu reduce: unknown op '${String(op)}'`);
  const isMax = op === 'max';
  out.fill(reduceIdentity(op));
  for (let i = 0; i < total; i += inner) {
    if (innerKept) {
      if (isMax) for (let j = 0; j < inner; j++) out[o + j] = Math.max(out[o + j], x[i + j]);
      else for (let j = 0; j < inner; j++) out[o + j] = Math.min(out[o + j], x[i + j]);
    } else {
      let m = out[o];
      if (isMax) for (let j = i, end = i + inner; j < end; j++) m = Math.max(m, x[j]);
      else for (let j = i, end = i + inner; j < end; j++) m = Math.min(m, x[j]);
      out[o] = m;
    }
    for (let d = rank - 2; d >= 0; d--) {
      o += so[d];
      if (++index[d] < dims[d]) break;
      o -= so[d] * dims[d];
      index[d] = 0;
    }
  }
}
