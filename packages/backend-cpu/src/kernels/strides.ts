import type { Shape } from '@gated/core';

/** Row-major strides of a contiguous tensor of `shape`. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Number of elements of `shape` (1 for a scalar). */
export function sizeOfShape(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/**
 * Strides that read a contiguous tensor of `shape` as if it were broadcast to `outShape` (NumPy
 * rules, aligned on the right): 0 on every axis the tensor lacks or has size 1.
 */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = contiguousStrides(shape);
  const offset = outShape.length - shape.length;
  const strides = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < shape.length; i++) {
    strides[offset + i] = shape[i] === 1 ? 0 : own[i];
  }
  return strides;
}

/** A shape walked by several operands at once, each with its own strides. */
export interface StridedLoop {
  readonly shape: number[];
  readonly strides: number[][];
}

/**
 * Merges adjacent axes that every operand walks as one (`stride[d] = stride[d + 1] · shape[d + 1]`)
 * and drops size-1 axes, so that the innermost loop runs as long as possible. The result has rank ≥ 1.
 */
export function coalesce(shape: Shape, strides: readonly (readonly number[])[]): StridedLoop {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d];
    if (size === 1) continue;
    const last = outShape.length - 1;
    let merge = last >= 0;
    for (let t = 0; merge && t < strides.length; t++) {
      if (outStrides[t][last] !== strides[t][d] * size) merge = false;
    }
    if (merge) {
      outShape[last] *= size;
      for (let t = 0; t < strides.length; t++) outStrides[t][last] = strides[t][d];
    } else {
      outShape.push(size);
      for (let t = 0; t < strides.length; t++) outStrides[t].push(strides[t][d]);
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    for (const s of outStrides) s.push(0);
  }
  return { shape: outShape, strides: outStrides };
}
