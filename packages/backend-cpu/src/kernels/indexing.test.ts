import { describe, expect, it } from 'vitest';
import { ValueError } from '@gated/core';
import { gather, scatterAdd } from './indexing';
import { expectClose, expectExact, makeRandom, randomArray, randomInt, randomShape, ravel, sizeOf, unravel } from '../test-helpers';
import { ACCUMULATION_ATOL, ACCUMULATION_RTOL } from '../test-tolerance';

describe('gather and scatterAdd kernels', () => {
  const random = makeRandom(10);
  it('gather selects slices along any axis, repeats allowed', () => {
    for (let trial = 0; trial < 150; trial++) {
      const shape = randomShape(random, randomInt(random, 1, 4), 5, false);
      const axis = randomInt(random, 0, shape.length - 1);
      const count = randomInt(random, 0, 7);
      const indices = Float32Array.from({ length: count }, () => randomInt(random, 0, shape[axis] - 1));
      const x = randomArray(random, sizeOf(shape));
      const outShape = shape.map((d, i) => (i === axis ? count : d));
      const out = new Float32Array(sizeOf(outShape));
      gather(x, shape, indices, count, axis, out);
      const expected = Array.from({ length: out.length }, (_, i) => {
        const coords = unravel(i, outShape);
        coords[axis] = indices[coords[axis]];
        return x[ravel(coords, shape)];
      });
      expectExact(out, expected, `${JSON.stringify(shape)} axis ${axis}`);
    }
  });

  it('scatterAdd is the adjoint of gather: repeated indices accumulate', () => {
    for (let trial = 0; trial < 150; trial++) {
      const outShape = randomShape(random, randomInt(random, 1, 4), 5, false);
      const axis = randomInt(random, 0, outShape.length - 1);
      const count = randomInt(random, 0, 7);
      const indices = Float32Array.from({ length: count }, () => randomInt(random, 0, outShape[axis] - 1));
      const updatesShape = outShape.map((d, i) => (i === axis ? count : d));
      const updates = randomArray(random, sizeOf(updatesShape));
      const out = new Float32Array(sizeOf(outShape));
      scatterAdd(updates, indices, count, axis, out, outShape);
      const expected = new Array<number>(out.length).fill(0);
      for (let i = 0; i < updates.length; i++) {
        const coords = unravel(i, updatesShape);
        coords[axis] = indices[coords[axis]];
        expected[ravel(coords, outShape)] += updates[i];
      }
      expectClose(out, expected, ACCUMULATION_ATOL, ACCUMULATION_RTOL, `${JSON.stringify(outShape)} axis ${axis}`);
    }
  });

  it('throws on an out-of-range or fractional index instead of reading garbage', () => {
    const x = Float32Array.of(1, 2, 3);
    const out = new Float32Array(1);
    for (const bad of [3, -1, 0.5, NaN]) {
      expect(() => gather(x, [3], Float32Array.of(bad), 1, 0, out)).toThrow(ValueError);
      expect(() => scatterAdd(Float32Array.of(1), Float32Array.of(bad), 1, 0, new Float32Array(3), [3])).toThrow(ValueError);
    }
  });
});
