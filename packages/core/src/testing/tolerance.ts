/** An absolute and a relative tolerance: `|actual − expected| ≤ atol + rtol · |expected|`. */
export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

/**
 * Named tolerances for tests, so that no test carries a bare literal and a reader can see why a
 * comparison is as loose as it is.
 */
export const TOLERANCE = {
  /** Bit-exact: layout ops, copies, comparisons, anything that does no arithmetic. */
  exact: { atol: 0, rtol: 0 },
  /** One float32 rounding of an element-wise function of float32 inputs, against a float64 reference. */
  elementwise: { atol: 1e-6, rtol: 2e-6 },
  /** Results that accumulate many float32 roundings: reductions, matmul, softmax, fused recurrent steps. */
  accumulation: { atol: 2e-5, rtol: 1e-4 },
  /** Forward values against PyTorch fixtures (float32 on both sides, different summation orders). */
  pytorchForward: { atol: 1e-5, rtol: 1e-5 },
  /** Gradients against PyTorch fixtures (relative 1e-4). */
  pytorchGradient: { atol: 1e-5, rtol: 1e-4 },
  /** Analytic float32 gradients against central differences of a float64 reference (gradcheck). */
  gradcheck: { atol: 1e-4, rtol: 1e-3 },
  /**
   * Analytic gradients against central differences of the float32 function itself, when no float64
   * reference exists: the difference quotient carries float32 noise of about ε_f32 / h.
   */
  gradcheckFloat32: { atol: 5e-3, rtol: 2e-2 },
  /** A device backend (GPU shaders with highp float32) against the CPU backend. */
  device: { atol: 1e-4, rtol: 1e-4 },
} as const satisfies Record<string, Tolerance>;

/** Whether one value is within tolerance of another (NaN matches only NaN; infinities must be equal). */
export function isClose(actual: number, expected: number, tolerance: Tolerance): boolean {
  if (Number.isNaN(expected) || Number.isNaN(actual)) return Number.isNaN(expected) && Number.isNaN(actual);
  if (!Number.isFinite(expected) || !Number.isFinite(actual)) return actual === expected;
  return Math.abs(actual - expected) <= tolerance.atol + tolerance.rtol * Math.abs(expected);
}

/**
 * Throws an `Error` describing the worst mismatch when `actual` and `expected` differ in length or in
 * any element beyond `tolerance`.
 */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: Tolerance, label = 'values'): void {
  if (actual.length !== expected.length) {
    throw new Error(`${label}: expected ${expected.length} values, got ${actual.length}`);
  }
  let worst = -1;
  let worstExcess = 0;
  let failures = 0;
  for (let i = 0; i < actual.length; i++) {
    if (!isClose(actual[i], expected[i], tolerance)) {
      failures++;
      const excess = Math.abs(actual[i] - expected[i]) - tolerance.rtol * Math.abs(expected[i]);
      if (worst < 0 || !(excess <= worstExcess)) {
        worst = i;
        worstExcess = excess;
      }
    }
  }
  if (failures > 0) {
    throw new Error(
      `${label}: ${failures} of ${actual.length} values differ beyond atol=${tolerance.atol}, rtol=${tolerance.rtol}; ` +
        `worst at index ${worst}: got ${actual[worst]}, expected ${expected[worst]}`,
    );
  }
}
