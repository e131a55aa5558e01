import { contiguousStrides, sizeOfShape } from '@gated/core';
import type { Shape, TensorRef } from '@gated/core';
import type { GpujsStorage } from '../gpujs-storage';
import type { GpujsRuntime } from '../runtime';
import { kernelSource, lit, shapeKey, stridedIndexCode, type StridedOperand } from './source';

/**
 * Most textures one kernel samples. WebGL 1 guarantees 8 texture units per fragment shader, so a
 * concatenation of more inputs runs as a tree of concatenations of at most this many.
 */
export const MAX_KERNEL_INPUTS = 8;

/** An operand that yields output coordinate `axis` (a unit stride on that axis). */
function coordinate(name: string, axis: number, rank: number): StridedOperand {
  return { index: name, strides: Array.from({ length: rank }, (_, d) => (d === axis ? 1 : 0)) };
}

/** `x.permute(perm)` materialised contiguously. */
export function permute(runtime: GpujsRuntime, x: TensorRef<GpujsStorage>, perm: readonly number[]): GpujsStorage {
  const outShape = perm.map((d) => x.shape[d]);
  const strides = contiguousStrides(x.shape);
  const key = `permute:${shapeKey(x.shape)}:${perm.join(',')}`;
  return runtime.run('permute', key, () => ({
    source: kernelSource(['x'], `${stridedIndexCode(outShape, [{ index: 'ix', strides: perm.map((d) => strides[d]) }])}\n  return x[ix];`),
    size: sizeOfShape(outShape),
  }), [x.storage]);
}

/**
 * The block `x[begin[d] : begin[d] + size[d]]` on every axis. The start is a kernel argument, not a
 * literal: one kernel per (input shape, block size) serves every position, so slicing time step `t`
 * of a sequence builds one shader, not one per step.
 */
export function slice(runtime: GpujsRuntime, x: TensorRef<GpujsStorage>, begin: readonly number[], size: readonly number[]): GpujsStorage {
  const strides = contiguousStrides(x.shape);
  const offset = begin.reduce((sum, b, d) => sum + b * strides[d], 0);
  const key = `slice:${shapeKey(x.shape)}:${size.join(',')}`;
  return runtime.run('slice', key, () => ({
    source: kernelSource(['x', 'start'], `${stridedIndexCode(size, [{ index: 'ix', strides, offset: 'start' }])}\n  return x[ix];`),
    size: sizeOfShape(size),
  }), [x.storage, offset]);
}

/** Zero padding of `padding[d] = [before, after]` elements on each axis. */
export function pad(runtime: GpujsRuntime, x: TensorRef<GpujsStorage>, padding: readonly (readonly [number, number])[]): GpujsStorage {
  const rank = x.shape.length;
  const outShape = x.shape.map((n, d) => n + padding[d][0] + padding[d][1]);
  const strides = contiguousStrides(x.shape);
  const offset = -padding.reduce((sum, [before], d) => sum + before * strides[d], 0);
  const padded = x.shape.map((_, d) => d).filter((d) => padding[d][0] !== 0 || padding[d][1] !== 0);
  const key = `pad:${shapeKey(x.shape)}:${padding.map((p) => p.join('/')).join(',')}`;
  return runtime.run('pad', key, () => {
    const index = stridedIndexCode(outShape, [{ index: 'ix', strides, offset }, ...padded.map((d) => coordinate(`c${d}`, d, rank))]);
    const checks = padded.map((d) => `if (c${d} < ${lit(padding[d][0])} || c${d} >= ${lit(padding[d][0] + x.shape[d])}) { return 0.0; }`);
    return { source: kernelSource(['x'], [index, ...checks, 'return x[ix];'].join('\n  ')), size: sizeOfShape(outShape) };
  }, [x.storage]);
}

/** Concatenation along `axis`; inputs that are empty along it are skipped. */
export function concat(
  runtime: GpujsRuntime,
  inputs: readonly TensorRef<GpujsStorage>[],
  axis: number,
  outShape: Shape,
): GpujsStorage {
  const parts = inputs.filter((input) => input.shape[axis] > 0);
  if (parts.length > MAX_KERNEL_INPUTS) {
    const groups: TensorRef<GpujsStorage>[] = [];
    try {
      for (let i = 0; i < parts.length; i += MAX_KERNEL_INPUTS) {
        const group = parts.slice(i, i + MAX_KERNEL_INPUTS);
        const groupShape = outShape.map((n, d) => (d === axis ? group.reduce((sum, g) => sum + g.shape[axis], 0) : n));
        groups.push({ storage: concat(runtime, group, axis, groupShape), shape: groupShape });
      }
      return concat(runtime, groups, axis, outShape);
    } finally {
      for (const g of groups) runtime.release(g.storage);
    }
  }
  const rank = outShape.length;
  const starts: number[] = [];
  let start = 0;
  for (const p of parts) {
    starts.push(start);
    start += p.shape[axis];
  }
  const key = `concat:${axis}:${parts.map((p) => shapeKey(p.shape)).join('')}`;
  return runtime.run('concat', key, () => {
    const operands: StridedOperand[] = [coordinate('ca', axis, rank)];
    parts.forEach((p, k) => {
      const strides = contiguousStrides(p.shape);
      operands.push({ index: `i${k}`, strides, offset: -starts[k] * strides[axis] });
    });
    const lines = [stridedIndexCode(outShape, operands)];
    parts.forEach((_, k) => {
      if (k === parts.length - 1) lines.push(`return x${k}[i${k}];`);
      else lines.push(`if (ca < ${lit(starts[k + 1])}) { return x${k}[i${k}]; }`);
    });
    return { source: kernelSource(parts.map((_, k) => `x${k}`), lines.join('\n  ')), size: sizeOfShape(outShape) };
  }, parts.map((p) => p.storage));
}
