import { describe, expect, it } from 'vitest';
import type { ReduceOp, Shape } from '@gated/core';
import { reduce, reduceIdentity } from './reduce';
import { expectClose, makeRandom, randomArray, randomInt, randomShape, ravel, sizeOf, unravel } from '../test-helpers';
import { ACCUMULATION_ATOL, ACCUMULATION_RTOL, FLOAT32_RTOL } from '../test-tolerance';

function referenceReduce(op: ReduceOp, x: Float32Array, shape: Shape, axes: readonly number[]): number[] {
  const outShape = shape.filter((_, d) => !axes.includes(d));
  const out = new Array<number>(sizeOf(outShape)).fill(reduceIdentity(op));
  for (let i = 0; i < x.length; i++) {
    const coords = unravel(i, shape).filter((_, d) => !axes.includes(d));
    const o = ravel(coords, outShape);
    const v = x[i];
    if (op === 'sum') out[o] += v;
    else if (Number.isNaN(v) || Number.isNaN(out[o])) out[o] = NaN;
    else out[o] = op === 'max' ? Math.max(out[o], v) : Math.min(out[o], v);
  }
  return out;
}

function run(op: ReduceOp, x: Float32Array, shape: Shape, axes: readonly number[]): Float32Array {
  const out = new Float32Array(sizeOf(shape.filter((_, d) => !axes.includes(d))));
  reduce(op, x, shape, axes, out);
  return out;
}

describe('reduce kernel', () => {
  const random = makeRandom(5);
  for (const op of ['sum', 'max', 'min'] as const) {
    it(`${op} over random axis subsets of random shapes (size 0 and 1 included)`, () => {
      for (let trial = 0; trial < 150; trial++) {
        const shape = randomShape(random, randomInt(random, 0, 4), 5);
        const axes = shape.flatMap((_, d) => (random() < 0.5 ? [d] : []));
        const x = randomArray(random, sizeOf(shape));
        const label = `${op} ${JSON.stringify(shape)} axes ${JSON.stringify(axes)}`;
        expectClose(run(op, x, shape, axes), referenceReduce(op, x, shape, axes), ACCUMULATION_ATOL, ACCUMULATION_RTOL, label);
      }
    });
  }

  it('gives the identity when a reduced axis has size 0', () => {
    expect(Array.from(run('sum', new Float32Array(0), [2, 0], [1]))).toEqual([0, 0]);
    expect(Array.from(run('max', new Float32Array(0), [2, 0], [1]))).toEqual([-Infinity, -Infinity]);
    expect(Array.from(run('min', new Float32Array(0), [0, 3], [0]))).toEqual([Infinity, Infinity, Infinity]);
    expect(Array.from(run('sum', new Float32Array(0), [0, 3], [1]))).toEqual([]);
  });

  it('copies when no axis is reduced', () => {
    const x = Float32Array.of(1, 2, 3, 4);
    expect(Array.from(run('max', x, [2, 2], []))).toEqual([1, 2, 3, 4]);
  });

  it('propagates NaN through max and min wherever it sits', () => {
    const x = Float32Array.of(1, NaN, 3, 4, 5, 6);
    for (const op of ['max', 'min'] as const) {
      const rows = run(op, x, [2, 3], [1]);
      expect(Number.isNaN(rows[0])).toBe(true);
      expect(rows[1]).toBe(op === 'max' ? 6 : 4);
      const columns = run(op, x, [2, 3], [0]);
      expect(Number.isNaN(columns[1])).toBe(true);
    }
  });

  it('accumulates sums in float64', () => {
    // 2²⁴ + 1 + 1 + ... is stuck at 2²⁴ in float32; in float64 every 1 counts.
    const n = 1000;
    const x = new Float32Array(n + 1).fill(1);
    x[0] = 2 ** 24;
    expect(run('sum', x, [n + 1], [0])[0]).toBe(Math.fround(2 ** 24 + n));
    const columns = new Float32Array(2 * (n + 1)).fill(1);
    columns[0] = 2 ** 24;
    columns[1] = 2 ** 24;
    const sums = run('sum', columns, [n + 1, 2], [0]);
    expectClose(sums, [2 ** 24 + n, 2 ** 24 + n], 0, FLOAT32_RTOL, 'column sums');
  });
});
