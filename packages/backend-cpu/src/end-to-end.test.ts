import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DisposedError, concat, getBackend, gt, indexSelect, scope, setBackend, tensor, where } from '@gated/core';
import { CpuBackend } from './index';
import { expectClose } from './test-helpers';
import { ACCUMULATION_ATOL, ACCUMULATION_RTOL, FLOAT32_ATOL, FLOAT32_RTOL } from './test-tolerance';

// Through core's public API: a smoke test of the backend and of core's dispatch and autograd.
describe('CpuBackend through @gated/core', () => {
  let backend: CpuBackend;
  let previous: ReturnType<typeof getBackend> | null = null;

  beforeEach(() => {
    try {
      previous = getBackend();
    } catch {
      previous = null;
    }
    backend = new CpuBackend();
    setBackend(backend);
  });

  afterEach(() => {
    if (previous !== null) setBackend(previous);
  });

  it('runs forward ops and reads values back', async () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const w = tensor([
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    expect(x.matmul(w).arraySync()).toEqual([
      [4, 5],
      [10, 11],
    ]);
    expect(await x.sum(1).array()).toEqual([6, 15]);
    expect(x.max(0).arraySync()).toEqual([4, 5, 6]);
    expect(x.transpose().arraySync()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(x.add(tensor([10, 20, 30])).arraySync()).toEqual([
      [11, 22, 33],
      [14, 25, 36],
    ]);
    expectClose(x.sigmoid().dataSync(), [1, 2, 3, 4, 5, 6].map((v) => 1 / (1 + Math.exp(-v))), FLOAT32_ATOL, FLOAT32_RTOL, 'sigmoid');
  });

  it('computes gradients of a small network with backward()', () => {
    // loss = Σ tanh(x·W + b)²; dW = xᵀ·g, db = Σ_rows g, with g = 2·y·(1 − y²).
    const xValues = [
      [0.5, -1],
      [2, 0.25],
      [-0.75, 1.5],
    ];
    const wValues = [
      [0.1, -0.2, 0.3],
      [0.4, 0.5, -0.6],
    ];
    const bValues = [0.01, -0.02, 0.03];
    const x = tensor(xValues);
    const w = tensor(wValues, undefined, { requiresGrad: true });
    const b = tensor(bValues, undefined, { requiresGrad: true });
    const loss = x.matmul(w).add(b).tanh().pow(2).sum();
    loss.backward();

    const dW = [0, 0, 0, 0, 0, 0];
    const db = [0, 0, 0];
    let expectedLoss = 0;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const y = Math.tanh(xValues[i][0] * wValues[0][j] + xValues[i][1] * wValues[1][j] + bValues[j]);
        expectedLoss += y * y;
        const g = 2 * y * (1 - y * y);
        db[j] += g;
        dW[j] += xValues[i][0] * g;
        dW[3 + j] += xValues[i][1] * g;
      }
    }
    expectClose([loss.item()], [expectedLoss], ACCUMULATION_ATOL, ACCUMULATION_RTOL, 'loss');
    expectClose(w.grad!.dataSync(), dW, ACCUMULATION_ATOL, ACCUMULATION_RTOL, 'dW');
    expectClose(b.grad!.dataSync(), db, ACCUMULATION_ATOL, ACCUMULATION_RTOL, 'db');
  });

  it('accumulates gradients through slicing, concatenation, broadcasting and indexing', () => {
    const a = tensor([1, 2, 3, 4], undefined, { requiresGrad: true });
    const joined = concat([a.slice([0], [2]).mul(2), a.slice([2], [2]).mul(3)]);
    // [2, 1] + [4] broadcasts to [2, 4]: every element of `joined` is summed twice.
    tensor([[1], [-1]]).add(joined).sum().backward();
    expect(Array.from(a.grad!.dataSync())).toEqual([4, 4, 6, 6]);

    const table = tensor(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      undefined,
      { requiresGrad: true },
    );
    const picked = indexSelect(table, 0, [2, 0, 2]);
    expect(picked.arraySync()).toEqual([
      [5, 6],
      [1, 2],
      [5, 6],
    ]);
    where(gt(picked, 2), picked, 0).sum().backward();
    expect(table.grad!.arraySync()).toEqual([
      [0, 0],
      [0, 0],
      [2, 2],
    ]);
  });

  it('frees what a scope creates and reports it through memory()', () => {
    const before = backend.memory().liveStorages;
    const kept = scope(() => {
      const x = tensor([1, 2, 3]);
      return x.mul(2).exp().sum();
    });
    expect(backend.memory().liveStorages).toBe(before + 1);
    kept.dispose();
    expect(backend.memory().liveStorages).toBe(before);
    expect(() => kept.dataSync()).toThrow(DisposedError);
  });
});
