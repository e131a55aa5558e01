import { describe, expect, it } from 'vitest';
import { checkPaddingIsNeverRead } from '@gated/core/testing';
import { CpuBackend } from '@gated/backend-cpu';
import { GRU } from './gru';

const backend = new CpuBackend();

// NaN, ±∞ and 3e38 at every step past a sequence's length: outputs, final states and every weight
// gradient are bit-identical to a run with zeros there, and the input's gradient there is exactly 0.
// Before padding was masked out of the input, one NaN there turned every weight gradient into NaN.
describe('GRU: padding is never read', () => {
  for (const bidirectional of [false, true]) {
    for (const batchFirst of [false, true]) {
      for (const resetAfter of [true, false]) {
        it(`2 layers, bidirectional=${bidirectional}, batchFirst=${batchFirst}, resetAfter=${resetAfter}`, () => {
          const gru = new GRU({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional, batchFirst, resetAfter, backend });
          const result = checkPaddingIsNeverRead(gru, 5, [5, 2, 1, 3]);
          expect(result.differences).toEqual([]);
          expect(Array.from(result.paddedInputGradient).every((g) => Object.is(g, 0))).toBe(true);
        });
      }
    }
  }
});
