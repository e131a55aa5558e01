import { describe, it } from 'vitest';
import type { Shape } from '@gated/core';
import { concat, pad, permute, slice } from './layout';
import { expectExact, makeRandom, randomArray, randomInt, randomShape, ravel, sizeOf, unravel } from '../test-helpers';

function shuffle<T>(random: () => number, values: T[]): T[] {
  const out = [...values];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(random, 0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function referencePermute(x: Float32Array, shape: Shape, perm: readonly number[]): number[] {
  const outShape = perm.map((p) => shape[p]);
  return Array.from({ length: x.length }, (_, i) => {
    const coords = unravel(i, outShape);
    const source = new Array<number>(shape.length);
    perm.forEach((p, d) => (source[p] = coords[d]));
    return x[ravel(source, shape)];
  });
}

describe('permute kernel', () => {
  const random = makeRandom(7);
  it('matches a naive reference for every rank up to 4 (size 0 and 1 included)', () => {
    for (let trial = 0; trial < 200; trial++) {
      const shape = randomShape(random, randomInt(random, 0, 4), 5);
      const perm = shuffle(random, shape.map((_, d) => d));
      const x = randomArray(random, sizeOf(shape));
      const out = new Float32Array(x.length);
      permute(x, shape, perm, out);
      expectExact(out, referencePermute(x, shape, perm), `${JSON.stringify(shape)} perm ${JSON.stringify(perm)}`);
    }
  });

  it('transposes large and batched matrices across cache blocks', () => {
    for (const [shape, perm] of [
      [[67, 45], [1, 0]],
      [[3, 40, 33], [0, 2, 1]],
      [[2, 3, 35, 4], [0, 1, 3, 2]],
      [[5, 6, 7, 8], [3, 1, 0, 2]],
      [[4, 1, 6, 5], [2, 0, 3, 1]],
    ] as [number[], number[]][]) {
      const x = randomArray(random, sizeOf(shape));
      const out = new Float32Array(x.length);
      permute(x, shape, perm, out);
      expectExact(out, referencePermute(x, shape, perm), `${JSON.stringify(shape)} perm ${JSON.stringify(perm)}`);
    }
  });
});

describe('slice and pad kernels', () => {
  const random = makeRandom(8);
  it('slice takes the block at begin of the given size', () => {
    for (let trial = 0; trial < 200; trial++) {
      const shape = randomShape(random, randomInt(random, 0, 4), 20);
      const begin = shape.map((d) => randomInt(random, 0, d));
      const size = shape.map((d, i) => randomInt(random, 0, d - begin[i]));
      const x = randomArray(random, sizeOf(shape));
      const out = new Float32Array(sizeOf(size));
      slice(x, shape, begin, size, out);
      const expected = Array.from({ length: out.length }, (_, i) => x[ravel(unravel(i, size).map((c, d) => c + begin[d]), shape)]);
      expectExact(out, expected, `${JSON.stringify(shape)} begin ${JSON.stringify(begin)} size ${JSON.stringify(size)}`);
    }
  });

  it('pad places the input at the before-offsets inside zeros', () => {
    for (let trial = 0; trial < 200; trial++) {
      const shape = randomShape(random, randomInt(random, 0, 4), 20);
      const padding = shape.map(() => [randomInt(random, 0, 3), randomInt(random, 0, 3)] as [number, number]);
      const outShape = shape.map((d, i) => d + padding[i][0] + padding[i][1]);
      const x = randomArray(random, sizeOf(shape));
      const out = new Float32Array(sizeOf(outShape));
      pad(x, shape, padding, out);
      const expected = Array.from({ length: out.length }, (_, i) => {
        const coords = unravel(i, outShape).map((c, d) => c - padding[d][0]);
        return coords.every((c, d) => c >= 0 && c < shape[d]) ? x[ravel(coords, shape)] : 0;
      });
      expectExact(out, expected, `${JSON.stringify(shape)} padding ${JSON.stringify(padding)}`);
    }
  });
});

describe('concat kernel', () => {
  const random = makeRandom(9);
  it('joins inputs along any axis (empty inputs included)', () => {
    for (let trial = 0; trial < 100; trial++) {
      const rank = randomInt(random, 1, 4);
      const base = randomShape(random, rank, 4);
      const axis = randomInt(random, 0, rank - 1);
      const shapes = Array.from({ length: randomInt(random, 1, 4) }, () => base.map((d, i) => (i === axis ? randomInt(random, 0, 20) : d)));
      const inputs = shapes.map((s) => randomArray(random, sizeOf(s)));
      const outShape = base.map((d, i) => (i === axis ? shapes.reduce((n, s) => n + s[axis], 0) : d));
      const out = new Float32Array(sizeOf(outShape));
      concat(inputs, shapes, axis, out, outShape);
      const expected = Array.from({ length: out.length }, (_, i) => {
        const coords = unravel(i, outShape);
        let t = 0;
        while (coords[axis] >= shapes[t][axis]) coords[axis] -= shapes[t++][axis];
        return inputs[t][ravel(coords, shapes[t])];
      });
      expectExact(out, expected, `${JSON.stringify(shapes)} axis ${axis}`);
    }
  });
});
