import { ValueError, type Shape, sizeOfShape } from '@gated/core';

/**
 * Reads float-valued integer indices into an `Int32Array`, checking each against `[0, bound)`. Core
 * checks them too; this keeps a bad index from silently reading or writing outside a row.
 */
export function readIndices(op: string, indices: Float32Array, count: number, bound: number): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = indices[i];
    if (!(v >= 0 && v < bound && Math.floor(v) === v)) {
      throw new ValueError(`cpu ${op}: index ${i} is ${v}, expected an integer in [0, ${bound - 1}]`);
    }
    out[i] = v;
  }
  return out;
}

/**
 * `out` (`x.shape` with `shape[axis] = count`) takes slice `indices[i]` of `x` along `axis` as its
 * slice `i`. The tensor is viewed as `[outer, shape[axis], inner]` so every copy is a contiguous run.
 */
export function gather(x: Float32Array, shape: Shape, indices: Float32Array, count: number, axis: number, out: Float32Array): void {
  const dim = shape[axis];
  const index = readIndices('gather', indices, count, dim);
  const outer = sizeOfShape(shape.slice(0, axis));
  const inner = sizeOfShape(shape.slice(axis + 1));
  if (inner === 0) return;
  let o = 0;
  for (let p = 0; p < outer; p++) {
    const base = p * dim * inner;
    for (let i = 0; i < count; i++) {
      const from = base + index[i] * inner;
      if (inner === 1) {
        out[o++] = x[from];
      } else {
        out.set(x.subarray(from, from + inner), o);
        o += inner;
      }
    }
  }
}

/**
 * The adjoint of {@link gather}: `out` (zero-initialised, of `outShape`) accumulates slice `i` of
 * `updates` along `axis` at position `indices[i]`; repeated indices add up.
 */
export function scatterAdd(updates: Float32Array, indices: Float32Array, count: number, axis: number, out: Float32Array, outShape: Shape): void {
  const dim = outShape[axis];
  const index = readIndices('scatterAdd', indices, count, dim);
  const outer = sizeOfShape(outShape.slice(0, axis));
  const inner = sizeOfShape(outShape.slice(axis + 1));
  let u = 0;
  for (let p = 0; p < outer; p++) {
    const base = p * dim * inner;
    for (let i = 0; i < count; i++) {
      const to = base + index[i] * inner;
      for (let j = 0; j < inner; j++) out[to + j] += updates[u++];
    }
  }
}
