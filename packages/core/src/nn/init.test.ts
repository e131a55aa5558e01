import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import { ShapeError } from '../errors';
import { Generator } from '../random';
import { zeros } from '../tensor/creation';
import { TOLERANCE, assertClose } from '../testing';
import * as init from './init';

const backend = new CpuBackend();

function stats(values: Float32Array): { mean: number; std: number; maxAbs: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance), maxAbs: Math.max(...values.map(Math.abs)) };
}

/** Sample statistics of 20,000 draws: the standard error of the std estimate is about 0.5 %. */
const SAMPLE = { atol: 0, rtol: 0.03 };

describe('init', () => {
  it('fills in place (the same tensor object) and is seeded', () => {
    const t = zeros([64, 32], { backend });
    expect(init.xavierUniform(t, { generator: new Generator(1) })).toBe(t);
    expect(init.xavierUniform(zeros([64, 32], { backend }), { generator: new Generator(1) }).dataSync()).toEqual(t.dataSync());
  });

  it('draws with the bounds and standard deviations of PyTorch', () => {
    const shape = [200, 100];
    const g = new Generator(5);
    const xu = stats(init.xavierUniform(zeros(shape, { backend }), { gain: 2, generator: g }).dataSync());
    expect(xu.maxAbs).toBeLessThanOrEqual(2 * Math.sqrt(6 / 300));
    const xn = stats(init.xavierNormal(zeros(shape, { backend }), { generator: g }).dataSync());
    assertClose([xn.std], [Math.sqrt(2 / 300)], SAMPLE, 'xavierNormal std');
    const ku = stats(init.kaimingUniform(zeros(shape, { backend }), { a: Math.sqrt(5), generator: g }).dataSync());
    expect(ku.maxAbs).toBeLessThanOrEqual(1 / Math.sqrt(100));
    const kn = stats(init.kaimingNormal(zeros(shape, { backend }), { mode: 'fanOut', nonlinearity: 'relu', generator: g }).dataSync());
    assertClose([kn.std], [Math.sqrt(2 / 200)], SAMPLE, 'kaimingNormal std');
    const n = stats(init.normal(zeros(shape, { backend }), { mean: 3, std: 0.5, generator: g }).dataSync());
    assertClose([n.mean, n.std], [3, 0.5], SAMPLE, 'normal');
    expect(init.calculateGain('tanh')).toBe(5 / 3);
    expect(init.calculateGain('leaky_relu', Math.sqrt(5))).toBe(Math.sqrt(1 / 3));
    expect([...init.constant(zeros([2], { backend }), 7).dataSync()]).toEqual([7, 7]);
  });

  it.each([
    [[5, 3]],
    [[3, 5]],
    [[4, 2, 3]],
  ])('orthogonal %j has orthonormal rows or columns', (shape) => {
    const t = init.orthogonal(zeros(shape, { backend }), { gain: 1, generator: new Generator(9) });
    const rows = shape[0];
    const cols = t.size / rows;
    const v = t.dataSync();
    const small = Math.min(rows, cols);
    const gram: number[] = [];
    const identity: number[] = [];
    for (let i = 0; i < small; i++) {
      for (let j = 0; j < small; j++) {
        let dot = 0;
        if (rows >= cols) for (let r = 0; r < rows; r++) dot += v[r * cols + i] * v[r * cols + j];
        else for (let c = 0; c < cols; c++) dot += v[i * cols + c] * v[j * cols + c];
        gram.push(dot);
        identity.push(i === j ? 1 : 0);
      }
    }
    assertClose(gram, identity, TOLERANCE.accumulation, 'QᵀQ');
  });

  it('orthogonal is fast for a large recurrent weight (QR of the needed size only)', () => {
    const start = performance.now();
    init.orthogonal(zeros([768, 256], { backend }));
    expect(performance.now() - start).toBeLessThan(5000);
  });

  it('throws ShapeErrors for tensors without fans', () => {
    expect(() => init.xavierUniform(zeros([3], { backend }))).toThrow(ShapeError);
    expect(() => init.orthogonal(zeros([3], { backend }))).toThrow('init.orthogonal: only tensors with 2 or more dimensions are supported, got shape [3]');
  });
});
