import { expect } from 'vitest';
import type { Shape } from '@gated/core';

/** A seeded PRNG (mulberry32) so that every random test is reproducible. */
export function makeRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `size` float32 values uniform in `[low, high)`. */
export function randomArray(random: () => number, size: number, low = -2, high = 2): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = low + (high - low) * random();
  return out;
}

/** An integer uniform in `[low, high]`. */
export function randomInt(random: () => number, low: number, high: number): number {
  return low + Math.floor(random() * (high - low + 1));
}

/** A random shape of `rank` with sizes in `[0, maxSize]`, size 0 rarer than the rest. */
export function randomShape(random: () => number, rank: number, maxSize = 4, allowZero = true): number[] {
  return Array.from({ length: rank }, () => (allowZero && random() < 0.1 ? 0 : randomInt(random, 1, maxSize)));
}

/** Number of elements of a shape. */
export function sizeOf(shape: Shape): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** The coordinates of flat row-major `index` in `shape`. */
export function unravel(index: number, shape: Shape): number[] {
  const coords = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    coords[d] = index % shape[d];
    index = Math.floor(index / shape[d]);
  }
  return coords;
}

/** The flat row-major index of `coords` in `shape`. */
export function ravel(coords: readonly number[], shape: Shape): number {
  let index = 0;
  for (let d = 0; d < shape.length; d++) index = index * shape[d] + coords[d];
  return index;
}

/** The flat index in `shape` that output coordinates `coords` read under NumPy broadcasting. */
export function broadcastIndex(coords: readonly number[], shape: Shape): number {
  const offset = coords.length - shape.length;
  return ravel(
    shape.map((d, i) => (d === 1 ? 0 : coords[offset + i])),
    shape,
  );
}

/** NumPy broadcast of shapes, for building test cases. */
export function broadcastShape(...shapes: Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => {
    let size = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i] ?? 1;
      if (d !== 1) size = d;
    }
    return size;
  });
}

/** A shape that broadcasts to `outShape`: a suffix of it with some axes set to 1. */
export function broadcastableTo(random: () => number, outShape: Shape): number[] {
  const drop = randomInt(random, 0, outShape.length);
  return outShape.slice(drop).map((d) => (random() < 0.3 ? 1 : d));
}

/**
 * Asserts element-wise closeness (`|a − e| ≤ atol + rtol · |e|`; NaN matches NaN, infinities must be
 * equal) and reports the worst element.
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number, label = 'values'): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let worst = -1;
  let worstError = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    let ok: boolean;
    if (Number.isNaN(e) || Number.isNaN(a)) ok = Number.isNaN(e) && Number.isNaN(a);
    else if (!Number.isFinite(e) || !Number.isFinite(a)) ok = a === e;
    else ok = Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) {
      const error = Number.isFinite(a - e) ? Math.abs(a - e) : Infinity;
      if (worst < 0 || error > worstError) {
        worst = i;
        worstError = error;
      }
    }
  }
  if (worst >= 0) {
    expect.fail(`${label}: worst mismatch at index ${worst}: got ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`);
  }
}

/** Asserts bit-for-bit equality of two float arrays (NaN equal to NaN). */
export function expectExact(actual: ArrayLike<number>, expected: ArrayLike<number>, label = 'values'): void {
  expectClose(actual, expected, 0, 0, label);
}
