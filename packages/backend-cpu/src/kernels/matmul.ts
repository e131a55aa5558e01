import { broadcastStrides, sizeOfShape } from '@gated/core';
import type { Shape } from '@gated/core';
import { transposeInto } from './layout';

// Tile sizes for the `A · B` kernel: a KB×JB block of B (64 × 256 floats = 64 KiB) stays in L2 while
// every row of A streams past it, and a JB-long float64 accumulator row stays in L1.
const K_BLOCK = 64;
const J_BLOCK = 256;
// Bytes of B rows per block in the `A · Bᵀ` kernel, so that the block stays in L2.
const NT_BLOCK_BYTES = 128 * 1024;
// From this many rows of A on, `A · B` packs Bᵀ (O(k·n)) and runs the faster row-dot-row kernel;
// below it the packing would cost as much as the product, and the i-k-j kernel runs on B directly.
const PACK_B_MIN_ROWS = 4;

// Scratch buffers are reused across calls up to this many elements; larger ones are allocated per
// call so that one huge product does not pin its scratch memory for the life of the process.
const SCRATCH_KEEP_LIMIT = 1 << 20;

let accumulator = new Float64Array(0);
let packedA = new Float32Array(0);
let packedB = new Float32Array(0);

function scratch64(size: number): Float64Array {
  if (size > SCRATCH_KEEP_LIMIT) return new Float64Array(size);
  if (accumulator.length < size) accumulator = new Float64Array(size);
  return accumulator;
}

function scratchA(size: number): Float32Array {
  if (size > SCRATCH_KEEP_LIMIT) return new Float32Array(size);
  if (packedA.length < size) packedA = new Float32Array(size);
  return packedA;
}

function scratchB(size: number): Float32Array {
  if (size > SCRATCH_KEEP_LIMIT) return new Float32Array(size);
  if (packedB.length < size) packedB = new Float32Array(size);
  return packedB;
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

/** Dot products of A row `aRow` with B rows `bRow`..`bRow + 3` (4 columns of the output), into `out`. */
function dot1x4(a: Float32Array, aRow: number, b: Float32Array, bRow: number, k: number, out: Float32Array, o: number): void {
  const b1 = bRow + k;
  const b2 = b1 + k;
  const b3 = b2 + k;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let p = 0; p < k; p++) {
    const ap = a[aRow + p];
    s0 += ap * b[bRow + p];
    s1 += ap * b[b1 + p];
    s2 += ap * b[b2 + p];
    s3 += ap * b[b3 + p];
  }
  out[o] = s0;
  out[o + 1] = s1;
  out[o + 2] = s2;
  out[o + 3] = s3;
}

/**
 * `out[m, n] = A[m, k] · Bᵀ` where B is stored `[n, k]` row-major: every output is a dot product of
 * two contiguous rows, so no transpose is materialised (the common `x · Wᵀ` of a linear layer).
 *
 * @remarks A 2×4 register tile (two rows of A against four rows of B) gives eight independent
 * float64 accumulators and reuses every load twice or four times; B is walked in blocks of rows that
 * stay in L2 while every row of A passes.
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
    const j4 = j0 + ((j1 - j0) & ~3);
    let i = 0;
    for (; i + 2 <= m; i += 2) {
      const a0 = aOffset + i * k;
      const a1 = a0 + k;
      const o0 = outOffset + i * n;
      const o1 = o0 + n;
      for (let j = j0; j < j4; j += 4) {
        const b0 = bOffset + j * k;
        const b1 = b0 + k;
        const b2 = b1 + k;
        const b3 = b2 + k;
        let s00 = 0;
        let s01 = 0;
        let s02 = 0;
        let s03 = 0;
        let s10 = 0;
        let s11 = 0;
        let s12 = 0;
        let s13 = 0;
        for (let p = 0; p < k; p++) {
          const x0 = a[a0 + p];
          const x1 = a[a1 + p];
          const y0 = b[b0 + p];
          const y1 = b[b1 + p];
          const y2 = b[b2 + p];
          const y3 = b[b3 + p];
          s00 += x0 * y0;
          s01 += x0 * y1;
          s02 += x0 * y2;
          s03 += x0 * y3;
          s10 += x1 * y0;
          s11 += x1 * y1;
          s12 += x1 * y2;
          s13 += x1 * y3;
        }
        out[o0 + j] = s00;
        out[o0 + j + 1] = s01;
        out[o0 + j + 2] = s02;
        out[o0 + j + 3] = s03;
        out[o1 + j] = s10;
        out[o1 + j + 1] = s11;
        out[o1 + j + 2] = s12;
        out[o1 + j + 3] = s13;
      }
      for (let j = j4; j < j1; j++) {
        const b0 = bOffset + j * k;
        let s0 = 0;
        let s1 = 0;
        for (let p = 0; p < k; p++) {
          const y = b[b0 + p];
          s0 += a[a0 + p] * y;
          s1 += a[a1 + p] * y;
        }
        out[o0 + j] = s0;
        out[o1 + j] = s1;
      }
    }
    for (; i < m; i++) {
      const a0 = aOffset + i * k;
      const o0 = outOffset + i * n;
      for (let j = j0; j < j4; j += 4) dot1x4(a, a0, b, bOffset + j * k, k, out, o0 + j);
      for (let j = j4; j < j1; j++) {
        const b0 = bOffset + j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += a[a0 + p] * b[b0 + p];
        out[o0 + j] = s;
      }
    }
  }
}

/**
 * Batched `out = op(A) · op(B)` with broadcast batch dimensions (see `Backend.matMul`).
 *
 * @remarks Everything runs the row-dot-row kernel on `A` and `Bᵀ`: a transposed A, and a plain B
 * with at least a few rows of A to amortise it, are packed into scratch once per distinct matrix (a
 * broadcast operand is packed once for the whole batch). Products with very few rows run the tiled
 * i-k-j kernel on B directly instead.
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
  const packA = transposeA ? scratchA(aMatrix) : null;
  const packB = !transposeB && m >= PACK_B_MIN_ROWS && k > 0 ? scratchB(bMatrix) : null;
  let packedAFrom = -1;
  let packedBFrom = -1;
  let aIndex = 0;
  let bIndex = 0;
  for (let t = 0; t < batch; t++) {
    let aSource = a;
    let aOffset = aIndex * aMatrix;
    if (packA !== null) {
      if (packedAFrom !== aOffset) {
        transposeInto(a, aOffset, k, m, packA, 0);
        packedAFrom = aOffset;
      }
      aSource = packA;
      aOffset = 0;
    }
    const bOffset = bIndex * bMatrix;
    if (transposeB) {
      matMulNT(aSource, aOffset, b, bOffset, out, t * outMatrix, m, n, k);
    } else if (packB !== null) {
      if (packedBFrom !== bOffset) {
        transposeInto(b, bOffset, k, n, packB, 0);
        packedBFrom = bOffset;
      }
      matMulNT(aSource, aOffset, packB, 0, out, t * outMatrix, m, n, k);
    } else {
      matMulNN(aSource, aOffset, b, bOffset, out, t * outMatrix, m, n, k);
    }
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
