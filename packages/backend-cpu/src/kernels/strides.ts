import type { Shape } from '@gated/core';

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
