import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import { tensor } from '../index';
import { pow, sum } from './index';

describe('pow', () => {
  it('gives a zero exponent gradient where the base is 0 and the exponent ≥ 0, as PyTorch does', () => {
    const backend = new CpuBackend();
    const e = tensor([2, 0, 2], undefined, { backend, requiresGrad: true });
    sum(pow(tensor([0, 0, 2], undefined, { backend }), e)).backward();
    const g = e.grad!.dataSync();
    expect(g[0]).toBe(0);
    expect(g[1]).toBe(0);
    expect(g[2]).toBeCloseTo(4 * Math.log(2), 5);
  });
});
