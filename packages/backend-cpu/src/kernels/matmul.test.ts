import { describe, expect, it } from 'vitest';
import type { Shape } from '@gated/core';
import { matMul } from './matmul';
import { broadcastIndex, broadcastShape, expectClose, makeRandom, randomArray, randomInt, sizeOf, unravel } from '../test-helpers';
import { ACCUMULATION_ATOL, ACCUMULATION_RTOL } from '../test-tolerance';

function referenceMatMul(a: Float32Array, aShape: Shape, b: Float32Array, bShape: Shape, transposeA: boolean, transposeB: boolean): { out: number[]; shape: number[] } {
  const ra = aShape.length;
  const rb = bShape.length;
  const m = transposeA ? aShape[ra - 1] : aShape[ra - 2];
  const k = transposeA ? aShape[ra - 2] : aShape[ra - 1];
  const n = transposeB ? bShape[rb - 2] : bShape[rb - 1];
  const aBatch = aShape.slice(0, -2);
  const bBatch = bShape.slice(0, -2);
  const batch = broadcastShape(aBatch, bBatch);
  const shape = [...batch, m, n];
  const out = new Array<number>(sizeOf(shape)).fill(0);
  for (let t = 0; t < sizeOf(batch); t++) {
    const coords = unravel(t, batch);
    const aBase = broadcastIndex(coords, aBatch) * m * k;
    const bBase = broadcastIndex(coords, bBatch) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = a[aBase + (transposeA ? p * m + i : i * k + p)];
          const bv = b[bBase + (transposeB ? j * k + p : p * n + j)];
          s += av * bv;
        }
        out[(t * m + i) * n + j] = s;
      }
    }
  }
  return { out, shape };
}

function check(random: () => number, aBatch: number[], bBatch: number[], m: number, n: number, k: number, transposeA: boolean, transposeB: boolean): void {
  const aShape = [...aBatch, ...(transposeA ? [k, m] : [m, k])];
  const bShape = [...bBatch, ...(transposeB ? [n, k] : [k, n])];
  const a = randomArray(random, sizeOf(aShape));
  const b = randomArray(random, sizeOf(bShape));
  const expected = referenceMatMul(a, aShape, b, bShape, transposeA, transposeB);
  const out = new Float32Array(sizeOf(expected.shape)).fill(NaN);
  matMul(a, aShape, b, bShape, transposeA, transposeB, out, expected.shape);
  const label = `${JSON.stringify(aShape)}${transposeA ? 'ᵀ' : ''} @ ${JSON.stringify(bShape)}${transposeB ? 'ᵀ' : ''}`;
  expectClose(out, expected.out, ACCUMULATION_ATOL * Math.max(1, Math.sqrt(k)), ACCUMULATION_RTOL, label);
}

describe('matMul kernel', () => {
  const random = makeRandom(6);
  const flags = [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ] as const;

  for (const [transposeA, transposeB] of flags) {
    it(`m, n, k in {0, 1, odd} with transposeA=${transposeA}, transposeB=${transposeB}`, () => {
      for (const m of [0, 1, 3, 7]) for (const n of [0, 1, 5]) for (const k of [0, 1, 2, 9]) check(random, [], [], m, n, k, transposeA, transposeB);
    });

    it(`sizes that cross the tile edges with transposeA=${transposeA}, transposeB=${transposeB}`, () => {
      check(random, [], [], 67, 259, 131, transposeA, transposeB);
      check(random, [], [], 5, 300, 70, transposeA, transposeB);
      check(random, [], [], 130, 3, 257, transposeA, transposeB);
    });

    it(`broadcasts batch dimensions with transposeA=${transposeA}, transposeB=${transposeB}`, () => {
      const batches: [number[], number[]][] = [
        [[3], [3]],
        [[2, 1], [3]],
        [[1], [4]],
        [[4], []],
        [[], [2, 3]],
        [[2, 1, 3], [1, 2, 1]],
        [[0], [1]],
      ];
      for (const [aBatch, bBatch] of batches) {
        check(random, aBatch, bBatch, randomInt(random, 1, 6), randomInt(random, 1, 6), randomInt(random, 1, 6), transposeA, transposeB);
      }
    });
  }

  it('zeroes the output when k = 0', () => {
    const out = new Float32Array(6).fill(NaN);
    matMul(new Float32Array(0), [2, 0], new Float32Array(0), [0, 3], false, false, out, [2, 3]);
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
