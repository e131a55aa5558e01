import type { Shape } from '@gated/core';
import { broadcastStrides, sizeOfShape } from './strides';
import { transposeInto } from './layout';

// Tile sizes for the `A · B` kernel: a KB×JB block of B (64 × 256 floats = 64 KiB) stays in L2 while
// every row of A streams past it, and a JB-long float64 accumulator row stays in L1.
const K_BLOCK = 64;
const J_BLOCK = 256;
// Rows of Bᵀ per block in the `A · Bᵀ` kernel, chosen so the block (J_ROWS × k floats) stays in L2.
const NT_BLOCK_BYTES = 128 * 1024;

// Scratch buffers are reused across calls up to this many elements; larger ones are allocated per
// call so that one huge product does not pin its scratch memory for the life of the process.
const SCRATCH_KEEP_LIMIT = 1 << 20;

let accumulator = new Float64Array(0);
let packed = new Float32Array(0);

function scratch64(size: number): Float64Array {
  if (size > SCRATCH_KEEP_LIMIT) return new Float64Array(size);
  if (accumulator.length < size) accumulator = new Float64Array(size);
  return accumulator;
}

function scratch32(size: number): Float32Array {
  if (size > SCRATCH_KEEP_LIMIT) return new Float32Array(size);
  if (packed.length < size) packed = new Float32Array(size);
  return packed;
}

/**
 * `out[m, n] = A[m, k] · B[k, n]`, all row-major at the given offsets.
 *
 * @remarks Tiled over k and j with the i-k-j order, so the innermost loop runs over contiguous `j` in
 * both B and the accumulator. Products accumulate in float64 and are rounded once into `out`.
 */
export function matMulNN(
  a: Float32Array,
  aOffset: number,
  b: Float32Array,
  bOffset: number,
  out: Float32Array,
  outOffset: number,
  m: number,
  n: number,
  k: number,
): void {
  const size = m * n;
  const acc = scratch64(size);
  acc.fill(0, 0, size);
  for (let k0 = 0; k0 < k; k0 += K_BLOCK) {
    const k1 = Math.min(k, k0 + K_BLOCK);
    for (let j0 = 0; j0 < n; j0 += J_BLOCK) {
      const j1 = Math.min(n, j0 + J_BLOCK);
      for (let i = 0; i < m; i++) {
        const accRow = i * n;
        const aRow = aOffset + i * k;
        for (let p = k0; p < k1; p++) {
          const aip = a[aRow + p];
          const bRow = bOffset + p * n - accRow;
          for (let j = accRow + j0, end = accRow + j1; j < end; j++) acc[j] += aip * b[bRow + j];
        }
      }
    }
  }
  for (let i = 0; i < size; i++) out[outOffset + i] = acc[i];
}

/**
 * `out[m, n] = A[m, k] · Bᵀ` where B is stored `[n, k]` row-major: every output is a dot product of
 * two contiguous rows, so no transpose is ever materialised (the common `x · Wᵀ` of a linear layer).
 *
 * @remarks Four output columns at a time share each load of A and give four independent float64
 * accumulators; B is walked in blocks of rows that stay in cache while every row of A passes.
 */
export function matMulNT(
  a: Float32Array,
  aOffset: number,
  b: Float32Array,
  bOffset: number,
  out: Float32Array,
  outOffset: number,
  m: number,
  n: number,
  k: number,
): void {
  if (k === 0) {
    out.fill(0, outOffset, outOffset + m * n);
    return;
  }
  const rowsPerBlock = Math.max(4, Math.floor(NT_BLOCK_BYTES / (4 * k)) & ~3);
  for (let j0 = 0; j0 < n; j0 += rowsPerBlock) {
    const j1 = Math.min(n, j0 + rowsPerBlock);
    for (let i = 0; i < m; i++) {
      const aRow = aOffset + i * k;
      const outRow = outOffset + i * n;
      let j = j0;
      for (; j + 4 <= j1; j += 4) {
        const b0 = bOffset + j * k;
        const b1 = b0 + k;
        const b2 = b1 + k;
        const b3 = b2 + k;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let p = 0; p < k; p++) {
          const ap = a[aRow + p];
          s0 += ap * b[b0 + p];
          s1 += ap * b[b1 + p];
          s2 += ap * b[b2 + p];
          s3 += ap * b[b3 + p];
        }
        out[outRow + j] = s0;
        out[outRow + j + 1] = s1;
        out[outRow + j + 2] = s2;
        out[outRow + j + 3] = s3;
      }
      for (; j < j1; j++) {
        const b0 = bOffset + j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += a[aRow + p] * b[b0 + p];
        out[outRow + j] = s;
      }
    }
  }
}

/**
 * Batched `out = op(A) · op(B)` with broadcast batch dimensions (see `Backend.matMul`).
 *
 * @remarks `Aᵀ` is packed into row-major scratch once per distinct matrix (a broadcast operand is
 * packed once for the whole batch); B is never packed: `B` runs the tiled i-k-j kernel, `Bᵀ` the
 * row-dot-row kernel.
 */
export function matMul(
  a: Float32Array,
  aShape: Shape,
  b: Float32Array,
  bShape: Shape,
  transposeA: boolean,
  transposeB: boolean,
  out: Float32Array,
  outShape: Shape,
): void {
  const rank = outShape.length;
  const m = outShape[rank - 2];
  const n = outShape[rank - 1];
  const k = transposeA ? aShape[aShape.length - 2] : aShape[aShape.length - 1];
  if (m === 0 || n === 0) return;
  const batchShape = outShape.slice(0, rank - 2);
  const batch = sizeOfShape(batchShape);
  const aBatch = broadcastStrides(aShape.slice(0, -2), batchShape);
  const bBatch = broadcastStrides(bShape.slice(0, -2), batchShape);
  const aMatrix = m * k;
  const bMatrix = k * n;
  const outMatrix = m * n;
  const batchRank = batchShape.length;
  const index = new Array<number>(batchRank).fill(0);
  const packA = transposeA ? scratch32(aMatrix) : null;
  let packedFrom = -1;
  let aIndex = 0;
  let bIndex = 0;
  for (let t = 0; t < batch; t++) {
    let aSource = a;
    let aOffset = aIndex * aMatrix;
    if (packA !== null) {
      if (packedFrom !== aOffset) {
        transposeInto(a, aOffset, k, m, packA, 0);
        packedFrom = aOffset;
      }
      aSource = packA;
      aOffset = 0;
    }
    if (transposeB) matMulNT(aSource, aOffset, b, bIndex * bMatrix, out, t * outMatrix, m, n, k);
    else matMulNN(aSource, aOffset, b, bIndex * bMatrix, out, t * outMatrix, m, n, k);
    for (let d = batchRank - 1; d >= 0; d--) {
      aIndex += aBatch[d];
      bIndex += bBatch[d];
      if (++index[d] < batchShape[d]) break;
      aIndex -= aBatch[d] * batchShape[d];
      bIndex -= bBatch[d] * batchShape[d];
      index[d] = 0;
    }
  }
}
