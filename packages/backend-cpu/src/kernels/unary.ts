import { ValueError, type UnaryOp } from '@gated/core';

/**
 * Logistic function `1 / (1 + e⁻ˣ)` without overflow: for negative `x` it evaluates `eˣ / (1 + eˣ)`,
 * so `e^{|x|}` is never formed and large `|x|` gives 0 or 1 rather than NaN.
 */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

// W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969),
// 631–638, coefficients of Netlib SPECFUN `calerf` (rounded to the nearest double): relative error below 1e-15,
// far below float32 rounding. (Abramowitz–Stegun 7.1.26 is only good to ~1e-7 absolute.)
const ERF_A0 = 3.1611237438705655;
const ERF_A1 = 113.86415415105016;
const ERF_A2 = 377.485237685302;
const ERF_A3 = 3209.3775891384694;
const ERF_A4 = 0.18577770618460315;
const ERF_B0 = 23.601290952344122;
const ERF_B1 = 244.02463793444417;
const ERF_B2 = 1282.6165260773723;
const ERF_B3 = 2844.236833439171;
const ERFC_C = [
  0.5641884969886701, 8.883149794388377, 66.11919063714163, 298.6351381974001, 881.952221241769, 1712.0476126340707,
  2051.0783778260716, 1230.3393547979972, 2.1531153547440383e-8,
] as const;
const ERFC_D = [
  15.744926110709835, 117.6939508913125, 537.1811018620099, 1621.3895745666903, 3290.7992357334597, 4362.619090143247,
  3439.3676741437216, 1230.3393548037495,
] as const;
const ERFC_P = [
  0.30532663496123236, 0.36034489994980445, 0.12578172611122926, 0.016083785148742275, 0.0006587491615298378,
  0.016315387137302097,
] as const;
const ERFC_Q = [2.568520192289822, 1.8729528499234604, 0.5279051029514285, 0.06051834131244132, 0.0023352049762686918] as const;
const ONE_OVER_SQRT_PI = 0.5641895835477563;
const ERF_SMALL_LIMIT = 0.46875;

/** `erf(x)` for `|x| ≤ 0.46875` (Cody's first interval): `x · P(x²) / Q(x²)`. */
function erfSmall(x: number): number {
  const t = x * x;
  let num = ERF_A4 * t;
  let den = t;
  num = (num + ERF_A0) * t;
  den = (den + ERF_B0) * t;
  num = (num + ERF_A1) * t;
  den = (den + ERF_B1) * t;
  num = (num + ERF_A2) * t;
  den = (den + ERF_B2) * t;
  return (x * (num + ERF_A3)) / (den + ERF_B3);
}

/** `erfc(y)` for `y > 0.46875` (Cody's second and third intervals). */
function erfcLarge(y: number): number {
  let result: number;
  if (y <= 4) {
    let num = ERFC_C[8] * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + ERFC_C[i]) * y;
      den = (den + ERFC_D[i]) * y;
    }
    result = (num + ERFC_C[7]) / (den + ERFC_D[7]);
  } else {
    if (y >= 27) return 0;
    const t = 1 / (y * y);
    let num = ERFC_P[5] * t;
    let den = t;
    for (let i = 0; i < 4; i++) {
      num = (num + ERFC_P[i]) * t;
      den = (den + ERFC_Q[i]) * t;
    }
    result = (ONE_OVER_SQRT_PI - (t * (num + ERFC_P[4])) / (den + ERFC_Q[4])) / y;
  }
  // exp(−y²) split as exp(−r²)·exp(−(y−r)(y+r)) with r = y rounded to 1/16, so that y² is not
  // rounded before the exponential (Cody's trick; matters for the relative accuracy of erfc).
  const r = Math.trunc(y * 16) / 16;
  const del = (y - r) * (y + r);
  return Math.exp(-r * r) * Math.exp(-del) * result;
}

/** The Gauss error function, accurate to about 1e-15 relative (Cody 1969). */
export function erf(x: number): number {
  const y = Math.abs(x);
  if (y <= ERF_SMALL_LIMIT) return erfSmall(x);
  if (y !== y) return x;
  const value = 1 - erfcLarge(y);
  return x < 0 ? -value : value;
}

/** The complementary error function `1 − erf(x)`, accurate in relative terms also where it is tiny. */
export function erfc(x: number): number {
  const y = Math.abs(x);
  if (y <= ERF_SMALL_LIMIT) return 1 - erfSmall(x);
  if (y !== y) return x;
  const value = erfcLarge(y);
  return x < 0 ? 2 - value : value;
}

/**
 * GELU, exact erf form `x · Φ(x) = x/2 · (1 + erf(x/√2))`.
 *
 * @remarks Evaluated as `x/2 · erfc(−x/√2)`, which keeps full relative accuracy for large negative
 * `x` where `1 + erf` would cancel to zero.
 */
export function gelu(x: number): number {
  return 0.5 * x * erfc(-x * Math.SQRT1_2);
}

/**
 * `out[i] = op(x[i])` for `i < size`. One loop per op, so that the inner loop carries no dispatch.
 */
export function unary(op: UnaryOp, x: Float32Array, out: Float32Array, size: number): void {
  switch (op) {
    case 'neg':
      for (let i = 0; i < size; i++) out[i] = -x[i];
      return;
    case 'abs':
      for (let i = 0; i < size; i++) out[i] = Math.abs(x[i]);
      return;
    case 'sign':
      for (let i = 0; i < size; i++) {
        const v = x[i];
        // NaN and ±0 pass through unchanged, as torch.sign does.
        out[i] = v > 0 ? 1 : v < 0 ? -1 : v;
      }
      return;
    case 'exp':
      for (let i = 0; i < size; i++) out[i] = Math.exp(x[i]);
      return;
    case 'log':
      for (let i = 0; i < size; i++) out[i] = Math.log(x[i]);
      return;
    case 'log1p':
      for (let i = 0; i < size; i++) out[i] = Math.log1p(x[i]);
      return;
    case 'sqrt':
      for (let i = 0; i < size; i++) out[i] = Math.sqrt(x[i]);
      return;
    case 'reciprocal':
      for (let i = 0; i < size; i++) out[i] = 1 / x[i];
      return;
    case 'square':
      for (let i = 0; i < size; i++) {
        const v = x[i];
        out[i] = v * v;
      }
      return;
    case 'sigmoid':
      for (let i = 0; i < size; i++) out[i] = sigmoid(x[i]);
      return;
    case 'tanh':
      for (let i = 0; i < size; i++) out[i] = Math.tanh(x[i]);
      return;
    case 'relu':
      for (let i = 0; i < size; i++) {
        const v = x[i];
        // `v <= 0` is false for NaN, so NaN propagates like torch.relu.
        out[i] = v <= 0 ? 0 : v;
      }
      return;
    case 'gelu':
      for (let i = 0; i < size; i++) out[i] = gelu(x[i]);
      return;
    case 'erf':
      for (let i = 0; i < size; i++) out[i] = erf(x[i]);
      return;
    default:
      throw new ValueError(`cpu unary: unknown op '${String(op)}'`);
  }
}
