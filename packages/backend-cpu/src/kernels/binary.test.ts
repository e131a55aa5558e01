import { describe, expect, it } from 'vitest';
import type { BinaryOp, Shape } from '@gated/core';
import { binary, binaryScalar, where } from './binary';
import {
  broadcastIndex,
  broadcastShape,
  broadcastableTo,
  expectClose,
  makeRandom,
  randomArray,
  randomInt,
  randomShape,
  sizeOf,
  unravel,
} from '../test-helpers';
import { FLOAT32_ATOL, FLOAT32_RTOL } from '../test-tolerance';

const REFERENCES: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => Math.pow(a, b),
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a > b ? a : b),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a < b ? a : b),
  eq: (a, b) => Number(a === b),
  ne: (a, b) => Number(a !== b),
  lt: (a, b) => Number(a < b),
  le: (a, b) => Number(a <= b),
  gt: (a, b) => Number(a > b),
  ge: (a, b) => Number(a >= b),
};
const OPS = Object.keys(REFERENCES) as BinaryOp[];

function referenceBinary(op: BinaryOp, a: Float32Array, aShape: Shape, b: Float32Array, bShape: Shape, outShape: Shape): number[] {
  return Array.from({ length: sizeOf(outShape) }, (_, i) => {
    const coords = unravel(i, outShape);
    return REFERENCES[op](a[broadcastIndex(coords, aShape)], b[broadcastIndex(coords, bShape)]);
  });
}

// Small integers make comparisons hit ties; positive bases keep pow real.
function operands(random: () => number, op: BinaryOp, size: number): Float32Array {
  if (op === 'pow') return randomArray(random, size, 0.1, 2);
  if (['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'maximum', 'minimum'].includes(op)) {
    return Float32Array.from({ length: size }, () => randomInt(random, -2, 2));
  }
  return randomArray(random, size);
}

describe('binary kernel', () => {
  const random = makeRandom(2);
  for (const op of OPS) {
    it(`${op} broadcasts like NumPy over random shapes`, () => {
      for (let trial = 0; trial < 60; trial++) {
        const outShape = randomShape(random, randomInt(random, 0, 4));
        let aShape = broadcastableTo(random, outShape);
        let bShape = broadcastableTo(random, outShape);
        if (trial % 5 === 0) aShape = [...outShape];
        if (trial % 7 === 0) bShape = trial % 2 === 0 ? [] : outShape.map(() => 1);
        const resultShape = broadcastShape(aShape, bShape);
        const a = operands(random, op, sizeOf(aShape));
        const b = operands(random, op, sizeOf(bShape));
        const out = new Float32Array(sizeOf(resultShape));
        binary(op, a, aShape, b, bShape, out, resultShape);
        const label = `${op} ${JSON.stringify(aShape)} ${JSON.stringify(bShape)}`;
        expectClose(out, referenceBinary(op, a, aShape, b, bShape, resultShape), FLOAT32_ATOL, FLOAT32_RTOL, label);
      }
    });
  }

  it('handles a [n, 1] × [1, m] outer broadcast and a one-element side', () => {
    const a = Float32Array.of(1, 2, 3);
    const b = Float32Array.of(10, 20);
    const out = new Float32Array(6);
    binary('mul', a, [3, 1], b, [1, 2], out, [3, 2]);
    expect(Array.from(out)).toEqual([10, 20, 20, 40, 30, 60]);
    const scalarFirst = new Float32Array(3);
    binary('sub', Float32Array.of(10), [1, 1], a, [3], scalarFirst, [1, 3]);
    expect(Array.from(scalarFirst)).toEqual([9, 8, 7]);
  });

  it('propagates NaN through maximum and minimum from either side', () => {
    const a = Float32Array.of(NaN, 1, 2);
    const b = Float32Array.of(0, NaN, 1);
    for (const op of ['maximum', 'minimum'] as const) {
      const out = new Float32Array(3);
      binary(op, a, [3], b, [3], out, [3]);
      expect(Number.isNaN(out[0]) && Number.isNaN(out[1])).toBe(true);
      expect(out[2]).toBe(op === 'maximum' ? 2 : 1);
    }
  });
});

describe('binaryScalar kernel', () => {
  const random = makeRandom(3);
  for (const op of OPS) {
    it(`${op} with the scalar second and first`, () => {
      const x = operands(random, op, 33);
      for (const scalar of op === 'pow' ? [0.5, 2, 3] : [-1, 0, 1.5, 2]) {
        for (const scalarFirst of [false, true]) {
          const out = new Float32Array(x.length);
          binaryScalar(op, x, scalar, out, x.length, scalarFirst);
          const expected = Array.from(x, (v) => (scalarFirst ? REFERENCES[op](scalar, v) : REFERENCES[op](v, scalar)));
          expectClose(out, expected, FLOAT32_ATOL, FLOAT32_RTOL, `${op} scalar=${scalar} scalarFirst=${scalarFirst}`);
        }
      }
    });
  }

  it('rounds once: the scalar is not rounded to float32 first', () => {
    const out = new Float32Array(1);
    binaryScalar('mul', Float32Array.of(3), 0.1, out, 1, false);
    expect(out[0]).toBe(Math.fround(3 * 0.1));
  });
});

describe('where kernel', () => {
  const random = makeRandom(4);
  it('broadcasts condition, a and b three ways', () => {
    for (let trial = 0; trial < 100; trial++) {
      const outShape = randomShape(random, randomInt(random, 0, 4));
      const shapes = [0, 1, 2].map(() => broadcastableTo(random, outShape));
      const resultShape = broadcastShape(...shapes);
      const [cShape, aShape, bShape] = shapes;
      const condition = Float32Array.from({ length: sizeOf(cShape) }, () => (random() < 0.5 ? 0 : random() < 0.5 ? 1 : -0.5));
      const a = randomArray(random, sizeOf(aShape));
      const b = randomArray(random, sizeOf(bShape));
      const out = new Float32Array(sizeOf(resultShape));
      where(condition, cShape, a, aShape, b, bShape, out, resultShape);
      const expected = Array.from({ length: out.length }, (_, i) => {
        const coords = unravel(i, resultShape);
        return condition[broadcastIndex(coords, cShape)] !== 0 ? a[broadcastIndex(coords, aShape)] : b[broadcastIndex(coords, bShape)];
      });
      expect(Array.from(out), JSON.stringify(shapes)).toEqual(expected);
    }
  });
});
