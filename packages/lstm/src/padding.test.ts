import { describe, expect, it } from 'vitest';
import { checkPaddingIsNeverRead } from '@gated/core/testing';
import { CpuBackend } from '@gated/backend-cpu';
import { LSTM } from './lstm';

const backend = new CpuBackend();

// NaN, ±∞ and 3e38 at every step past a sequence's length: outputs, final states and every weight
// gradient are bit-identical to a run with zeros there, and the input's gradient there is exactly 0.
describe('LSTM: padding is never read', () => {
  for (const bidirectional of [false, true]) {
    for (const batchFirst of [false, true]) {
      it(`2 layers, bidirectional=${bidirectional}, batchFirst=${batchFirst}`, () => {
        const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional, batchFirst, backend });
        const result = checkPaddingIsNeverRead(lstm, 5, [5, 2, 1, 3]);
        expect(result.differences).toEqual([]);
        expect(Array.from(result.paddedInputGradient).every((g) => Object.is(g, 0))).toBe(true);
      });
    }
  }
});
