/** Summary statistics of repeated timings, in milliseconds. */
export interface TimingSummary {
  /** The middle value (the mean of the two middle values for an even count): the reported figure. */
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** Median absolute deviation from the median, a spread measure robust to one slow outlier. */
  readonly madMs: number;
  /** The number of timed runs. */
  readonly runs: number;
}

/** The median of `values` (not modified); throws on an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median: no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median, min, max and median absolute deviation of `samples`; throws on an empty list. */
export function summarize(samples: readonly number[]): TimingSummary {
  const medianMs = median(samples);
  return {
    medianMs,
    minMs: Math.min(...samples),
    maxMs: Math.max(...samples),
    madMs: median(samples.map((s) => Math.abs(s - medianMs))),
    runs: samples.length,
  };
}

/** Milliseconds between two `process.hrtime.bigint()` readings. */
export function elapsedMs(start: bigint, end: bigint): number {
  return Number(end - start) / 1e6;
}
