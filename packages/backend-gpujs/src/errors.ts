import { BackendError } from '@gated/core';

/** Thrown before a kernel runs when its output would exceed what the device (or float32 indexing) allows. */
export class GpujsLimitError extends BackendError {}

/**
 * Thrown when gpu.js replaced a kernel by its CPU fallback. gpu.js does that with only a console
 * warning; this backend promised the mode the user asked for, so it refuses instead.
 */
export class GpujsFallbackError extends BackendError {}
