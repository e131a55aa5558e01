import { broadcastStrides, sizeOfShape } from '@gated/core';
import type { Shape, TensorRef } from '@gated/core';
import type { GpujsStorage } from '../gpujs-storage';
import type { GpujsRuntime } from '../runtime';
import { kernelSource, lit, shapeKey, stridedIndexCode } from './source';

/**
 * Batched `a · b` with optional transposes and broadcast batch dimensions: one thread per output
 * element, each a dot product of length `k` with the loop bound baked in (GLSL ES 1.0 loops need a
 * constant bound).
 */
export function matMul(
  runtime: GpujsRuntime,
  a: TensorRef<GpujsStorage>,
  b: TensorRef<GpujsStorage>,
  transposeA: boolean,
  transposeB: boolean,
  outShape: Shape,
): GpujsStorage | null {
  const rank = outShape.length;
  const m = outShape[rank - 2];
  const n = outShape[rank - 1];
  const k = transposeA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  if (k === 0) return null;
  const size = sizeOfShape(outShape);
  const key = `matMul:${shapeKey(a.shape)}${transposeA ? 'T' : ''}:${shapeKey(b.shape)}${transposeB ? 'T' : ''}:${shapeKey(outShape)}`;
  return runtime.run('matMul', key, () => {
    const batchShape = outShape.slice(0, rank - 2);
    const aBatch = broadcastStrides(a.shape.slice(0, -2), batchShape).map((s) => s * m * k);
    const bBatch = broadcastStrides(b.shape.slice(0, -2), batchShape).map((s) => s * k * n);
    // Strides over the output axes [...batch, i, j] and along the reduced axis p.
    const aStrides = [...aBatch, transposeA ? 1 : k, 0];
    const bStrides = [...bBatch, 0, transposeB ? k : 1];
    const aStepP = transposeA ? m : 1;
    const bStepP = transposeB ? 1 : n;
    const index = stridedIndexCode(outShape, [
      { index: 'ia', strides: aStrides },
      { index: 'ib', strides: bStrides },
    ]);
    const body = [
      index,
      'let sum = 0.0;',
      `for (let p = 0; p < ${k}; p++) {`,
      `  sum += a[ia + p * ${lit(aStepP)}] * b[ib + p * ${lit(bStepP)}];`,
      '}',
      'return sum;',
    ].join('\n  ');
    return { source: kernelSource(['a', 'b'], body), size };
  }, [a.storage, b.storage]);
}
