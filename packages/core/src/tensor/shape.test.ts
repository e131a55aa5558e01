import { describe, expect, it } from 'vitest';
import { broadcastStrides, contiguousStrides, sizeOfShape } from '../index';

describe('shape helpers for backend authors', () => {
  it('sizes and row-major strides', () => {
    expect(sizeOfShape([])).toBe(1);
    expect(sizeOfShape([2, 0, 3])).toBe(0);
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(contiguousStrides([])).toEqual([]);
  });

  it('broadcast strides are 0 on missing and size-1 axes (NumPy rules, aligned right)', () => {
    expect(broadcastStrides([3, 1], [2, 3, 4])).toEqual([0, 1, 0]);
    expect(broadcastStrides([4], [2, 3, 4])).toEqual([0, 0, 1]);
    expect(broadcastStrides([2, 3, 4], [2, 3, 4])).toEqual([12, 4, 1]);
  });
});
