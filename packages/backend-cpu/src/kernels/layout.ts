import { contiguousStrides, sizeOfShape } from '@gated/core';
import type { Shape } from '@gated/core';
import { coalesce } from './strides';

// Rows shorter than this are copied element by element; longer ones with `TypedArray.set`, whose
// call overhead only pays off on longer runs.
const SET_MIN_LENGTH = 16;

function copyRun(x: Float32Array, from: number, out: Float32Array, to: number, n: number): void {
  if (n < SET_MIN_LENGTH) {
    for (let i = 0; i < n; i++) out[to + i] = x[from + i];
  } else {
    out.set(x.subarray(from, from + n), to);
  }
}

/** Writes the `[rows, cols]` row-major matrix at `offset` of `x` into `out` at `outOffset` as its `[cols, rows]` transpose, in cache-sized blocks. */
export function transposeInto(x: Float32Array, offset: number, rows: number, cols: number, out: Float32Array, outOffset: number): void {
  const block = 32;
  for (let r0 = 0; r0 < rows; r0 += block) {
    const r1 = Math.min(rows, r0 + block);
    for (let c0 = 0; c0 < cols; c0 += block) {
      const c1 = Math.min(cols, c0 + block);
      for (let r = r0; r < r1; r++) {
        const src = offset + r * cols;
        for (let c = c0; c < c1; c++) out[outOffset + c * rows + r] = x[src + c];
      }
    }
  }
}

/**
 * `out = x.permute(perm)` materialised contiguously (output axis `i` is input axis `perm[i]`).
 *
 * @remarks Axes that stay adjacent are merged first; what is left as a (batched) 2-D transpose runs
 * cache-blocked, anything else walks the output in order with a strided inner loop over the input.
 */
export function permute(x: Float32Array, shape: Shape, perm: readonly number[], out: Float32Array): void {
  const size = x.length;
  if (size === 0) return;
  const inStrides = contiguousStrides(shape);
  const outShape = perm.map((p) => shape[p]);
  const loop = coalesce(
    outShape,
    [perm.map((p) => inStrides[p]), contiguousStrides(outShape)],
  );
  const dims = loop.shape;
  const si = loop.strides[0];
  const rank = dims.length;
  if (rank === 1) {
    out.set(x);
    return;
  }
  // A (batched) matrix transpose: out [batch?, r, c] reads input [batch?, c, r].
  const last = rank - 1;
  if ((rank === 2 || (rank === 3 && si[0] === dims[1] * dims[2])) && si[last] === dims[last - 1] && si[last - 1] === 1) {
    const rows = dims[last];
    const cols = dims[last - 1];
    const matrix = rows * cols;
    const batch = rank === 3 ? dims[0] : 1;
    for (let t = 0; t < batch; t++) transposeInto(x, t * matrix, rows, cols, out, t * matrix);
    return;
  }
  const inner = dims[last];
  const innerStride = si[last];
  const index = new Array<number>(rank).fill(0);
  let offset = 0;
  for (let o = 0; o < size; o += inner) {
    for (let i = 0, j = offset; i < inner; i++, j += innerStride) out[o + i] = x[j];
    for (let d = rank - 2; d >= 0; d--) {
      offset += si[d];
      if (++index[d] < dims[d]) break;
      offset -= si[d] * dims[d];
      index[d] = 0;
    }
  }
}

/**
 * Copies a block between two row-major arrays: `size` elements per axis, starting at `fromBegin` in
 * `from` (of `fromShape`) and at `toBegin` in `to` (of `toShape`). Slice and pad are both this.
 */
function copyBlock(
  from: Float32Array,
  fromShape: Shape,
  fromBegin: readonly number[],
  to: Float32Array,
  toShape: Shape,
  toBegin: readonly number[],
  size: readonly number[],
): void {
  if (sizeOfShape(size) === 0) return;
  const fromStrides = contiguousStrides(fromShape);
  const toStrides = contiguousStrides(toShape);
  let fromOffset = 0;
  let toOffset = 0;
  for (let d = 0; d < size.length; d++) {
    fromOffset += fromBegin[d] * fromStrides[d];
    toOffset += toBegin[d] * toStrides[d];
  }
  const loop = coalesce(size, [fromStrides, toStrides]);
  const dims = loop.shape;
  const [sf, st] = loop.strides;
  const rank = dims.length;
  const inner = dims[rank - 1];
  const total = sizeOfShape(dims);
  const index = new Array<number>(rank).fill(0);
  const innerFrom = sf[rank - 1];
  const innerTo = st[rank - 1];
  // The innermost coalesced axis is contiguous in both arrays unless the block's last axis has size 1.
  const contiguous = innerFrom === 1 && innerTo === 1;
  for (let done = 0; done < total; done += inner) {
    if (contiguous) copyRun(from, fromOffset, to, toOffset, inner);
    else for (let i = 0, f = fromOffset, t = toOffset; i < inner; i++, f += innerFrom, t += innerTo) to[t] = from[f];
    for (let d = rank - 2; d >= 0; d--) {
      fromOffset += sf[d];
      toOffset += st[d];
      if (++index[d] < dims[d]) break;
      fromOffset -= sf[d] * dims[d];
      toOffset -= st[d] * dims[d];
      index[d] = 0;
    }
  }
}

/** `out` = the block of `x` starting at `begin` with `size` elements per axis. */
export function slice(x: Float32Array, shape: Shape, begin: readonly number[], size: readonly number[], out: Float32Array): void {
  copyBlock(x, shape, begin, out, size, new Array<number>(size.length).fill(0), size);
}

/** `out` (zero-initialised, of the padded shape) receives `x` at offset `padding[d][0]` on each axis. */
export function pad(x: Float32Array, shape: Shape, padding: readonly (readonly [number, number])[], out: Float32Array): void {
  const outShape = shape.map((d, i) => d + padding[i][0] + padding[i][1]);
  copyBlock(x, shape, new Array<number>(shape.length).fill(0), out, outShape, padding.map((p) => p[0]), shape);
}

/** Concatenates `inputs` (each of its `shapes` entry) along `axis` into `out` of `outShape`. */
export function concat(inputs: readonly Float32Array[], shapes: readonly Shape[], axis: number, out: Float32Array, outShape: Shape): void {
  const outer = sizeOfShape(outShape.slice(0, axis));
  const inner = sizeOfShape(outShape.slice(axis + 1));
  const outRow = outShape[axis] * inner;
  let offset = 0;
  for (let t = 0; t < inputs.length; t++) {
    const x = inputs[t];
    const run = shapes[t][axis] * inner;
    if (run > 0) {
      for (let o = 0; o < outer; o++) copyRun(x, o * run, out, o * outRow + offset, run);
    }
    offset += run;
  }
}
