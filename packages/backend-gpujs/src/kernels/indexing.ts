import { contiguousStrides, sizeOfShape } from '@gated/core';
import type { Shape, TensorRef } from '@gated/core';
import type { GpujsStorage } from '../gpujs-storage';
import type { GpujsRuntime } from '../runtime';
import { kernelSource, lit, shapeKey, stridedIndexCode } from './source';

/** Entries of `x` along `axis` at the integer-valued `indices`. */
export function gather(runtime: GpujsRuntime, x: TensorRef<GpujsStorage>, indices: GpujsStorage, count: number, axis: number): GpujsStorage {
  const outShape = x.shape.map((n, d) => (d === axis ? count : n));
  const strides = contiguousStrides(x.shape);
  const key = `gather:${shapeKey(x.shape)}:${axis}:${count}`;
  return runtime.run('gather', key, () => {
    const index = stridedIndexCode(outShape, [
      { index: 'ix', strides: strides.map((s, d) => (d === axis ? 0 : s)) },
      { index: 'ic', strides: outShape.map((_, d) => (d === axis ? 1 : 0)) },
    ]);
    // + 0.5 then floor: the index arrives as a float; rounding makes it exact whatever the texture path did.
    return {
      source: kernelSource(['x', 'ind'], `${index}\n  let j = Math.floor(ind[ic] + 0.5);\n  return x[ix + j * ${lit(strides[axis])}];`),
      size: sizeOfShape(outShape),
    };
  }, [x.storage, indices]);
}

/**
 * The adjoint of {@link gather}: each output element sums the `updates` whose index points at it.
 *
 * @remarks Written gather-style (one thread per output element, a loop over the `count` indices)
 * because a fragment shader cannot scatter; the cost is `outputSize × count`.
 */
export function scatterAdd(
  runtime: GpujsRuntime,
  updates: TensorRef<GpujsStorage>,
  indices: GpujsStorage,
  count: number,
  axis: number,
  outShape: Shape,
): GpujsStorage {
  const strides = contiguousStrides(updates.shape);
  const key = `scatterAdd:${shapeKey(updates.shape)}:${axis}:${count}:${shapeKey(outShape)}`;
  return runtime.run('scatterAdd', key, () => {
    const index = stridedIndexCode(outShape, [
      { index: 'iu', strides: strides.map((s, d) => (d === axis ? 0 : s)) },
      { index: 'io', strides: outShape.map((_, d) => (d === axis ? 1 : 0)) },
    ]);
    const body = [
      index,
      'let acc = 0.0;',
      `for (let p = 0; p < ${count}; p++) {`,
      '  if (Math.floor(ind[p] + 0.5) == io) {',
      `    acc += u[iu + p * ${lit(strides[axis])}];`,
      '  }',
      '}',
      'return acc;',
    ].join('\n  ');
    return { source: kernelSource(['u', 'ind'], body), size: sizeOfShape(outShape) };
  }, [updates.storage, indices]);
}
