import { describe, expect, it } from 'vitest';
import { gruStep, gruStepBackward, lstmStep, lstmStepBackward } from './recurrent';
import { expectClose, makeRandom, randomArray } from '../test-helpers';
import { FINITE_DIFFERENCE_STEP, GRADIENT_ATOL, GRADIENT_RTOL, RECURRENT_ATOL, RECURRENT_RTOL } from '../test-tolerance';

const sigmoid64 = (x: number): number => 1 / (1 + Math.exp(-x));

/** Naive float64 GRU step, one element at a time, straight from the PyTorch docstring. */
function gruReference(gx: ArrayLike<number>, gh: ArrayLike<number>, h: ArrayLike<number>, batch: number, H: number): { h: number[]; saved: number[] } {
  const hNext: number[] = [];
  const saved = new Array<number>(batch * 4 * H);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < H; j++) {
      const at = (gate: number) => b * 3 * H + gate * H + j;
      const r = sigmoid64(gx[at(0)] + gh[at(0)]);
      const z = sigmoid64(gx[at(1)] + gh[at(1)]);
      const n = Math.tanh(gx[at(2)] + r * gh[at(2)]);
      hNext.push((1 - z) * n + z * h[b * H + j]);
      [r, z, n, gh[at(2)]].forEach((v, k) => (saved[b * 4 * H + k * H + j] = v));
    }
  }
  return { h: hNext, saved };
}

/** Naive float64 LSTM step (gate order i, f, g, o). */
function lstmReference(gx: ArrayLike<number>, gh: ArrayLike<number>, c: ArrayLike<number>, batch: number, H: number): { h: number[]; c: number[]; saved: number[] } {
  const hNext: number[] = [];
  const cNext: number[] = [];
  const saved = new Array<number>(batch * 5 * H);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < H; j++) {
      const pre = (gate: number) => gx[b * 4 * H + gate * H + j] + gh[b * 4 * H + gate * H + j];
      const i = sigmoid64(pre(0));
      const f = sigmoid64(pre(1));
      const g = Math.tanh(pre(2));
      const o = sigmoid64(pre(3));
      const cn = f * c[b * H + j] + i * g;
      cNext.push(cn);
      hNext.push(o * Math.tanh(cn));
      [i, f, g, o, Math.tanh(cn)].forEach((v, k) => (saved[b * 5 * H + k * H + j] = v));
    }
  }
  return { h: hNext, c: cNext, saved };
}

/** Central differences of the scalar `loss` with respect to every element of `x` (float64). */
function numericGradient(x: Float32Array, loss: (x: Float64Array) => number): number[] {
  const point = Float64Array.from(x);
  return Array.from(x, (_, i) => {
    const original = point[i];
    point[i] = original + FINITE_DIFFERENCE_STEP;
    const plus = loss(point);
    point[i] = original - FINITE_DIFFERENCE_STEP;
    const minus = loss(point);
    point[i] = original;
    return (plus - minus) / (2 * FINITE_DIFFERENCE_STEP);
  });
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

describe('fused GRU step', () => {
  const random = makeRandom(11);
  const batch = 3;
  const H = 5;

  it('matches the naive float64 step, large pre-activations included', () => {
    for (const scale of [1, 30]) {
      const gx = randomArray(random, batch * 3 * H, -scale, scale);
      const gh = randomArray(random, batch * 3 * H, -scale, scale);
      const h = randomArray(random, batch * H, -1, 1);
      const hNext = new Float32Array(batch * H);
      const saved = new Float32Array(batch * 4 * H);
      gruStep(gx, gh, h, batch, H, hNext, saved);
      const expected = gruReference(gx, gh, h, batch, H);
      expectClose(hNext, expected.h, RECURRENT_ATOL, RECURRENT_RTOL, 'h');
      expectClose(saved, expected.saved, RECURRENT_ATOL, RECURRENT_RTOL, 'saved');
    }
  });

  it('backward matches finite differences of the float64 step', () => {
    const gx = randomArray(random, batch * 3 * H);
    const gh = randomArray(random, batch * 3 * H);
    const h = randomArray(random, batch * H, -1, 1);
    const weights = randomArray(random, batch * H);
    const hNext = new Float32Array(batch * H);
    const saved = new Float32Array(batch * 4 * H);
    gruStep(gx, gh, h, batch, H, hNext, saved);
    const dgx = new Float32Array(batch * 3 * H);
    const dgh = new Float32Array(batch * 3 * H);
    const dhDirect = new Float32Array(batch * H);
    gruStepBackward(weights, h, saved, batch, H, dgx, dgh, dhDirect);
    // loss = Σ weights ⊙ h', so dh' = weights.
    expectClose(dgx, numericGradient(gx, (x) => dot(weights, gruReference(x, gh, h, batch, H).h)), GRADIENT_ATOL, GRADIENT_RTOL, 'dgx');
    expectClose(dgh, numericGradient(gh, (x) => dot(weights, gruReference(gx, x, h, batch, H).h)), GRADIENT_ATOL, GRADIENT_RTOL, 'dgh');
    expectClose(dhDirect, numericGradient(h, (x) => dot(weights, gruReference(gx, gh, x, batch, H).h)), GRADIENT_ATOL, GRADIENT_RTOL, 'dhDirect');
  });

  it('does nothing for batch 0 or hiddenSize 0', () => {
    const empty = new Float32Array(0);
    expect(() => gruStep(empty, empty, empty, 0, 4, empty, empty)).not.toThrow();
    expect(() => gruStepBackward(empty, empty, empty, 2, 0, empty, empty, empty)).not.toThrow();
  });
});

describe('fused LSTM step', () => {
  const random = makeRandom(12);
  const batch = 2;
  const H = 4;

  it('matches the naive float64 step, large pre-activations included', () => {
    for (const scale of [1, 30]) {
      const gx = randomArray(random, batch * 4 * H, -scale, scale);
      const gh = randomArray(random, batch * 4 * H, -scale, scale);
      const c = randomArray(random, batch * H, -2, 2);
      const hNext = new Float32Array(batch * H);
      const cNext = new Float32Array(batch * H);
      const saved = new Float32Array(batch * 5 * H);
      lstmStep(gx, gh, c, batch, H, hNext, cNext, saved);
      const expected = lstmReference(gx, gh, c, batch, H);
      expectClose(hNext, expected.h, RECURRENT_ATOL, RECURRENT_RTOL, 'h');
      expectClose(cNext, expected.c, RECURRENT_ATOL, RECURRENT_RTOL, 'c');
      expectClose(saved, expected.saved, RECURRENT_ATOL, RECURRENT_RTOL, 'saved');
    }
  });

  it('backward matches finite differences of the float64 step', () => {
    const gx = randomArray(random, batch * 4 * H);
    const gh = randomArray(random, batch * 4 * H);
    const c = randomArray(random, batch * H, -2, 2);
    const weightsH = randomArray(random, batch * H);
    const weightsC = randomArray(random, batch * H);
    const hNext = new Float32Array(batch * H);
    const cNext = new Float32Array(batch * H);
    const saved = new Float32Array(batch * 5 * H);
    lstmStep(gx, gh, c, batch, H, hNext, cNext, saved);
    const dgates = new Float32Array(batch * 4 * H);
    const dcPrev = new Float32Array(batch * H);
    // loss = Σ weightsH ⊙ h' + Σ weightsC ⊙ c', so dh' = weightsH and dc' = weightsC.
    lstmStepBackward(weightsH, weightsC, c, saved, batch, H, dgates, dcPrev);
    const loss = (gx: ArrayLike<number>, gh: ArrayLike<number>, c: ArrayLike<number>): number => {
      const step = lstmReference(gx, gh, c, batch, H);
      return dot(weightsH, step.h) + dot(weightsC, step.c);
    };
    expectClose(dgates, numericGradient(gx, (x) => loss(x, gh, c)), GRADIENT_ATOL, GRADIENT_RTOL, 'dgates (gx)');
    expectClose(dgates, numericGradient(gh, (x) => loss(gx, x, c)), GRADIENT_ATOL, GRADIENT_RTOL, 'dgates (gh)');
    expectClose(dcPrev, numericGradient(c, (x) => loss(gx, gh, x)), GRADIENT_ATOL, GRADIENT_RTOL, 'dcPrev');
  });
});
