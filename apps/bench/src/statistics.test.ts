import { describe, expect, it } from 'vitest';
import { elapsedMs, median, summarize } from './statistics';

describe('statistics', () => {
  it('takes the median of odd and even counts without reordering the input', () => {
    const values = [5, 1, 3];
    expect(median(values)).toBe(3);
    expect(values).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(() => median([])).toThrow('no values');
  });

  it('summarizes median, min, max, MAD and the run count, robust to one outlier', () => {
    expect(summarize([10, 11, 9, 10, 100])).toEqual({ medianMs: 10, minMs: 9, maxMs: 100, madMs: 1, runs: 5 });
  });

  it('converts hrtime nanoseconds to milliseconds', () => {
    expect(elapsedMs(1_000_000n, 3_500_000n)).toBe(2.5);
  });
});
