import { ShapeError, formatShape } from '../errors';
import { broadcastShapes } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { backendOf, record, refOf } from './record';
import { sumToShape } from './binary';
import { reshape, squeeze, unsqueeze } from './shape';

/**
 * Matrix product with `torch.matmul` semantics: 1-D operands are promoted (a vector on the left is a
 * row, on the right a column, and the added axis is removed again), and batch dimensions broadcast.
 * `a` is `[..., m, k]`, `b` is `[..., k, n]`, the result `[...batch, m, n]`.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank === 0 || b.rank === 0) {
    throw new ShapeError(`matmul: both operands need at least one dimension, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  if (a.rank === 1 && b.rank === 1) return reshape(matmulND(unsqueeze(a, 0), unsqueeze(b, 1), false, false), []);
  if (a.rank === 1) return squeeze(matmulND(unsqueeze(a, 0), b, false, false), -2);
  if (b.rank === 1) return squeeze(matmulND(a, unsqueeze(b, 1), false, false), -1);
  return matmulND(a, b, false, false);
}

/**
 * Matrix product of operands of rank ≥ 2, with either operand read transposed in its last two axes
 * (no copy is made: the backend kernel reads the transposed layout).
 */
export function matmulTransposed(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Tensor {
  if (a.rank < 2 || b.rank < 2) {
    throw new ShapeError(`matmulTransposed: operands must have rank ≥ 2, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  return matmulND(a, b, transposeA, transposeB);
}

function matmulND(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Tensor {
  const backend = backendOf('matmul', a, b);
  const [m, ka] = transposeA ? [a.shape[a.rank - 1], a.shape[a.rank - 2]] : [a.shape[a.rank - 2], a.shape[a.rank - 1]];
  const [kb, n] = transposeB ? [b.shape[b.rank - 1], b.shape[b.rank - 2]] : [b.shape[b.rank - 2], b.shape[b.rank - 1]];
  if (ka !== kb) {
    throw new ShapeError(
      `matmul: inner dimensions differ: ${formatShape(a.shape)}${transposeA ? 'ᵀ' : ''} @ ${formatShape(b.shape)}${transposeB ? 'ᵀ' : ''} (${ka} vs ${kb})`,
    );
  }
  const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const outShape = [...batch, m, n];
  const storage = backend.matMul(refOf('matmul', a), refOf('matmul', b), transposeA, transposeB, outShape);
  return record({ name: 'matmul', backend, storage, shape: outShape, inputs: [a, b], attrs: { transposeA, transposeB }, backward: (g, { inputs: [a, b] }) => {
    // C = op(A) op(B):  dA = g op(B)ᵀ (or its transpose), dB = op(A)ᵀ g (or its transpose)
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (a.requiresGrad) {
      const full = transposeA ? matmulND(b, g, transposeB, true) : matmulND(g, b, false, !transposeB);
      ga = sumToShape(full, a.shape);
    }
    if (b.requiresGrad) {
      const full = transposeB ? matmulND(g, a, true, transposeA) : matmulND(a, g, !transposeA, false);
      gb = sumToShape(full, b.shape);
    }
    return [ga, gb];
  } });
}
