/**
 * Named tolerances of this package's tests (`|actual − expected| ≤ atol + rtol · |expected|`), so that
 * no test carries a bare literal and a reader can see why a comparison is as loose as it is.
 */

/** Absolute tolerance for one float32 rounding of an O(1) value against a float64 reference. */
export const FLOAT32_ATOL = 1e-6;
/** Relative tolerance for one float32 rounding (ε_f32 / 2 ≈ 6e-8, with headroom). */
export const FLOAT32_RTOL = 2e-7;
/** Absolute tolerance for results that accumulate many products (reductions, matmul) of O(1) values. */
export const ACCUMULATION_ATOL = 1e-5;
/** Relative tolerance for accumulated results. */
export const ACCUMULATION_RTOL = 1e-5;
/** A few float64 roundings, for scalar helpers evaluated in double precision. */
export const FLOAT64_RTOL = 1e-14;
/** Relative accuracy required of the erf / erfc implementation in float64, before float32 rounding. */
export const ERF_FLOAT64_RTOL = 1e-13;
/** Fused recurrent kernels (a handful of float32 roundings per element) against a float64 reference. */
export const RECURRENT_ATOL = 2e-6;
/** Relative tolerance of the fused recurrent kernels against a float64 reference. */
export const RECURRENT_RTOL = 1e-5;
/** Step of the central differences that check gradients of a float64 reference. */
export const FINITE_DIFFERENCE_STEP = 1e-6;
/** Analytic float32 gradients against central differences of a float64 reference. */
export const GRADIENT_ATOL = 1e-5;
/** Relative tolerance of analytic gradients against central differences. */
export const GRADIENT_RTOL = 1e-4;
