import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { reversalIndex } from './recurrent-base';

describe('reversalIndex', () => {
  it('reverses each sequence within its length and leaves padding in place', () => {
    // T = 3, B = 2, lengths [3, 1]: rows are (t, b) → t·B + b.
    expect(Array.from(reversalIndex(Int32Array.from([3, 1]), 3, 2))).toEqual([4, 1, 2, 3, 0, 5]);
    expect(Array.from(reversalIndex(null, 2, 1))).toEqual([1, 0]);
  });

  it('is an involution, which the backward of the reversed direction relies on (its gradient is the same gather)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 6 }), fc.array(fc.nat(), { minLength: 6, maxLength: 6 }), (T, B, raw) => {
        const lengths = Int32Array.from({ length: B }, (_, b) => raw[b] % (T + 1));
        const index = reversalIndex(lengths, T, B);
        expect(Array.from(index, (i) => index[i])).toEqual(Array.from(index, (_, i) => i));
      }),
    );
  });
});
