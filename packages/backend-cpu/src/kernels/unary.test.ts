import { describe, expect, it } from 'vitest';
import type { UnaryOp } from '@gated/core';
import { erf, erfc, gelu, sigmoid, unary } from './unary';
import { expectClose, makeRandom, randomArray } from '../test-helpers';
import { ERF_FLOAT64_RTOL, FLOAT32_ATOL, FLOAT32_RTOL, FLOAT64_RTOL } from '../test-tolerance';

// Independent float64 references for erf: the Maclaurin series (fine for |x| ≤ 3, where its terms
// lose at most ~1e-13 to cancellation) and the Laplace continued fraction for erfc (x ≥ 2).
function erfSeries(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const next = term / (2 * n + 1);
    sum += next;
    if (Math.abs(next) < 1e-18 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

function erfcContinuedFraction(x: number): number {
  let k = x;
  for (let n = 300; n >= 1; n--) k = x + n / 2 / k;
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * k);
}

const REFERENCES: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  abs: (x) => Math.abs(x),
  sign: (x) => Math.sign(x),
  exp: (x) => Math.exp(x),
  log: (x) => Math.log(x),
  log1p: (x) => Math.log1p(x),
  sqrt: (x) => Math.sqrt(x),
  reciprocal: (x) => 1 / x,
  square: (x) => x * x,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  tanh: (x) => Math.tanh(x),
  relu: (x) => Math.max(x, 0),
  gelu: (x) => (x / 2) * (1 + erfSeries(x / Math.SQRT2)),
  erf: (x) => erfSeries(x),
};

describe('unary kernels', () => {
  const random = makeRandom(1);
  for (const op of Object.keys(REFERENCES) as UnaryOp[]) {
    it(`${op} matches a float64 reference`, () => {
      const positive = op === 'log' || op === 'sqrt';
      const x = randomArray(random, 257, positive ? 0.01 : -3, 3);
      if (op === 'log1p') for (let i = 0; i < x.length; i++) x[i] = Math.abs(x[i]) - 0.9;
      const out = new Float32Array(x.length);
      unary(op, x, out, x.length);
      expectClose(out, Array.from(x, REFERENCES[op]), FLOAT32_ATOL, FLOAT32_RTOL, op);
    });
  }

  it('handles size 0 and writes only `size` elements', () => {
    const out = new Float32Array(3).fill(7);
    unary('exp', new Float32Array(3), out, 0);
    expect(Array.from(out)).toEqual([7, 7, 7]);
  });

  it('propagates NaN through relu, sign and sigmoid', () => {
    const out = new Float32Array(1);
    for (const op of ['relu', 'sign', 'sigmoid', 'tanh', 'gelu', 'erf'] as const) {
      unary(op, Float32Array.of(NaN), out, 1);
      expect(out[0], op).toBeNaN();
    }
  });
});

describe('stable sigmoid', () => {
  it('gives exact limits and no NaN at ±100 and ±1e4', () => {
    const x = Float32Array.of(-1e4, -100, 100, 1e4, -Infinity, Infinity);
    const out = new Float32Array(x.length);
    unary('sigmoid', x, out, x.length);
    expect(Array.from(out)).toEqual([0, Math.fround(Math.exp(-100) / (1 + Math.exp(-100))), 1, 1, 0, 1]);
    expect(out[1]).toBeGreaterThan(0);
  });

  it('keeps relative accuracy in the far negative tail', () => {
    for (const x of [-20, -50, -80, -700]) {
      const expected = 1 / (1 + Math.exp(-x));
      expect(Math.abs(sigmoid(x) - expected) / expected).toBeLessThanOrEqual(FLOAT64_RTOL);
    }
  });
});

describe('erf', () => {
  // Values from Abramowitz & Stegun table 7.1 / mpmath at 16 digits.
  const known: [number, number][] = [
    [0, 0],
    [1e-10, 1.1283791670955126e-10],
    [0.1, 0.1124629160182849],
    [0.25, 0.2763263901682369],
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [1.5, 0.9661051464753108],
    [2, 0.9953222650189527],
    [3, 0.9999779095030014],
  ];

  it('matches tabulated values to float64 accuracy', () => {
    for (const [x, value] of known) {
      expect(Math.abs(erf(x) - value)).toBeLessThanOrEqual(ERF_FLOAT64_RTOL * Math.abs(value));
      expect(erf(-x)).toBe(-erf(x));
    }
  });

  it('matches the Maclaurin series on a grid over [-3, 3]', () => {
    for (let x = -3; x <= 3; x += 0.01) {
      const expected = erfSeries(x);
      expect(Math.abs(erf(x) - expected), `erf(${x})`).toBeLessThanOrEqual(ERF_FLOAT64_RTOL * Math.abs(expected) + Number.MIN_VALUE);
    }
  });

  it('keeps erfc relatively accurate in the tail', () => {
    for (let x = 2; x <= 26; x += 0.25) {
      const expected = erfcContinuedFraction(x);
      expect(Math.abs(erfc(x) - expected) / expected, `erfc(${x})`).toBeLessThanOrEqual(ERF_FLOAT64_RTOL);
      expect(Math.abs(erfc(-x) - (2 - expected))).toBeLessThanOrEqual(ERF_FLOAT64_RTOL);
    }
    expect(erfc(30)).toBe(0);
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
  });

  it('gives GELU full relative accuracy for large negative inputs', () => {
    for (const x of [-6, -8, -10]) {
      const expected = (x / 2) * erfcContinuedFraction(-x / Math.SQRT2);
      expect(Math.abs(gelu(x) - expected) / Math.abs(expected)).toBeLessThanOrEqual(ERF_FLOAT64_RTOL);
    }
  });
});
