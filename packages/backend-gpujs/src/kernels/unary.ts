import type { UnaryOp } from '@gated/core';
import type { GpujsStorage } from '../gpujs-storage';
import type { GpujsRuntime } from '../runtime';
import { NAN, NEG_INF, POS_INF, SPECIALS, kernelSource } from './source';

/**
 * Erfc for `y ≥ 0` by Abramowitz & Stegun 7.1.26 (|error of erf| < 1.5e-7), written as
 * `poly(t) · e^(−y²)` so that it keeps its relative accuracy where erfc is tiny (GELU of large
 * negative inputs). Statements leave the result in `c`.
 */
function erfcNonNegative(y: string): string {
  return [
    `let t = 1.0 / (1.0 + 0.3275911 * ${y});`,
    'let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));',
    `let c = poly * Math.exp(-(${y}) * (${y}));`,
  ].join('\n  ');
}

/**
 * The statements of `op(x)` for one element `x`, mirroring the CPU reference's special-value rules
 * (NaN propagates; `log(0) = −∞`, `log(<0) = NaN`...). GLSL leaves those cases undefined, so they are
 * spelled out with the `SPECIALS` input.
 */
export function unaryBody(op: UnaryOp): string {
  switch (op) {
    case 'neg':
      return 'return -x;';
    case 'abs':
      return 'return Math.abs(x);';
    case 'sign':
      // NaN and ±0 pass through unchanged, as torch.sign does.
      return 'if (x > 0.0) { return 1.0; }\n  if (x < 0.0) { return -1.0; }\n  return x;';
    case 'exp':
      return 'return Math.exp(x);';
    case 'log':
      return `if (x < 0.0) { return ${NAN}; }\n  if (x == 0.0) { return ${NEG_INF}; }\n  return Math.log(x);`;
    case 'log1p':
      // log(1 + x) · x / ((1 + x) − 1) cancels the rounding of 1 + x (Goldberg, "What every computer
      // scientist should know about floating-point arithmetic", theorem 4).
      return [
        `if (x < -1.0) { return ${NAN}; }`,
        `if (x == -1.0) { return ${NEG_INF}; }`,
        'let u = 1.0 + x;',
        // |x| below half an ulp of 1 (denormals included): log1p(x) = x to float32 precision.
        'if (u == 1.0) { return x; }',
        'let d = u - 1.0;',
        'if (d == x) { return Math.log(u); }',
        'return Math.log(u) * (x / d);',
      ].join('\n  ');
    case 'sqrt':
      return `if (x < 0.0) { return ${NAN}; }\n  return Math.sqrt(x);`;
    case 'reciprocal':
      return 'return 1.0 / x;';
    case 'square':
      return 'return x * x;';
    case 'sigmoid':
      // e^(−|x|) never overflows; the two branches are the same function.
      return 'if (x >= 0.0) { return 1.0 / (1.0 + Math.exp(-x)); }\n  let e = Math.exp(x);\n  return e / (1.0 + e);';
    case 'tanh':
      // (1 − e^(−2|x|)) / (1 + e^(−2|x|)) never overflows; below 0.1 the odd Taylor series to x⁹
      // avoids the cancellation in 1 − e^(−2|x|) (next term < 1e-13).
      return [
        'let ax = Math.abs(x);',
        'if (ax < 0.1) {',
        '  let x2 = x * x;',
        '  return x * (1.0 + x2 * (-0.3333333333 + x2 * (0.1333333333 + x2 * (-0.0539682540 + x2 * 0.0218694885))));',
        '}',
        'let t = Math.exp(-2.0 * ax);',
        'let r = (1.0 - t) / (1.0 + t);',
        'if (x < 0.0) { return -r; }',
        'return r;',
      ].join('\n  ');
    case 'relu':
      // `x <= 0` is false for NaN, so NaN propagates like torch.relu.
      return 'if (x <= 0.0) { return 0.0; }\n  return x;';
    case 'erf':
      return [
        `if (x == ${POS_INF}) { return 1.0; }`,
        `if (x == ${NEG_INF}) { return -1.0; }`,
        'let y = Math.abs(x);',
        erfcNonNegative('y'),
        'if (x < 0.0) { return c - 1.0; }',
        'return 1.0 - c;',
      ].join('\n  ');
    case 'gelu':
      // x/2 · erfc(−x/√2), as the CPU reference evaluates it.
      return [
        `if (x == ${POS_INF}) { return x; }`,
        `if (x == ${NEG_INF}) { return 0.0; }`,
        'let z = -x * 0.7071067811865476;',
        'let y = Math.abs(z);',
        erfcNonNegative('y'),
        'if (z < 0.0) { c = 2.0 - c; }',
        'return 0.5 * x * c;',
      ].join('\n  ');
    default:
      throw new Error(`gpujs unary: unknown op '${String(op)}'`);
  }
}

/** `out[i] = op(x[i])`. */
export function unary(runtime: GpujsRuntime, op: UnaryOp, x: GpujsStorage, size: number): GpujsStorage {
  return runtime.run(`unary ${op}`, `unary:${op}:${size}`, () => ({
    source: kernelSource(['a', SPECIALS], `let x = a[this.thread.x];\n  ${unaryBody(op)}`),
    size,
  }), [x, runtime.specials()]);
}
