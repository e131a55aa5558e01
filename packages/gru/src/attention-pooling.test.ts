import { describe, expect, it } from 'vitest';
import { Generator, ShapeError, ValueError, mul, randn, slice, sum, type Tensor } from '@gated/core';
import { TOLERANCE, assertClose, gradcheck } from '@gated/core/testing';
import { CpuBackend } from '@gated/backend-cpu';
import { AttentionPooling, GRU } from './index';

const backend = new CpuBackend();
const rand = (shape: number[], seed: number, requiresGrad = false) => randn(shape, { backend, generator: new Generator(seed), requiresGrad });

describe('AttentionPooling', () => {
  for (const mode of ['additive', 'structured'] as const) {
    const hops = mode === 'structured' ? 3 : 1;
    const make = () => new AttentionPooling({ inputSize: 4, attentionSize: 5, mode, hops, batchFirst: true, backend, generator: new Generator(1) });

    it(`${mode}: shapes, weights summing to 1, padded steps exactly 0, empty sequences pool to 0`, () => {
      const pool = make();
      const x = rand([3, 6, 4], 2, true);
      const { pooled, weights, penalty } = pool.forward(x, { lengths: [6, 2, 0] });
      expect([...pooled.shape]).toEqual([3, hops * 4]);
      expect([...weights.shape]).toEqual(mode === 'additive' ? [3, 6] : [3, hops, 6]);
      const w = weights.dataSync();
      const lengths = [6, 2, 0];
      for (let b = 0; b < 3; b++) {
        for (let k = 0; k < hops; k++) {
          let total = 0;
          for (let t = 0; t < 6; t++) {
            const v = w[(b * hops + k) * 6 + t];
            if (t >= lengths[b]) expect(v).toBe(0);
            total += v;
          }
          expect(total).toBeCloseTo(lengths[b] > 0 ? 1 : 0, 6);
        }
      }
      expect([...pooled.dataSync().slice(2 * hops * 4)]).toEqual(new Array(hops * 4).fill(0));
      const loss = penalty === null ? sum(mul(pooled, rand([3, hops * 4], 3))) : sum(mul(pooled, rand([3, hops * 4], 3))).add(penalty);
      loss.backward();
      const dx = x.grad!.dataSync();
      expect(dx.every((v) => Number.isFinite(v))).toBe(true);
      for (let t = 2; t < 6; t++) for (let i = 0; i < 4; i++) expect(dx[(1 * 6 + t) * 4 + i]).toBe(0);
      for (const p of pool.parameters()) expect(p.grad!.dataSync().every((v) => Number.isFinite(v))).toBe(true);
    });

    it(`${mode}: masking equals pooling the truncated sequence`, () => {
      const pool = make();
      const x = rand([2, 6, 4], 4);
      const masked = pool.forward(x, { lengths: [6, 3] });
      const alone = pool.forward(slice(x, [1, 0, 0], [1, 3, 4]));
      assertClose(slice(masked.pooled, [1, 0], [1, hops * 4]).dataSync(), alone.pooled.dataSync(), TOLERANCE.accumulation, 'pooled');
    });

    it(`${mode}: gradcheck`, () => {
      const pool = make();
      const fn = (x: Tensor) => {
        const r = pool.forward(x, { lengths: [3, 2] });
        return r.penalty === null ? r.pooled : r.pooled.add(r.penalty);
      };
      expect(gradcheck(fn, [rand([2, 3, 4], 5)], { label: `${mode} attention` }).checked).toBe(24);
    });
  }

  it('structured penalty is ‖AAᵀ − I‖²_F', () => {
    const pool = new AttentionPooling({ inputSize: 4, mode: 'structured', hops: 2, batchFirst: true, backend, generator: new Generator(1) });
    const { weights, penalty } = pool.forward(rand([1, 5, 4], 6));
    const a = weights.dataSync();
    let expected = 0;
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        let dot = 0;
        for (let t = 0; t < 5; t++) dot += a[i * 5 + t] * a[j * 5 + t];
        expected += (dot - (i === j ? 1 : 0)) ** 2;
      }
    }
    expect(penalty!.item()).toBeCloseTo(expected, 5);
  });

  it('pools the outputs of a bidirectional GRU with lengths', () => {
    const gru = new GRU({ inputSize: 3, hiddenSize: 4, bidirectional: true, batchFirst: true, backend, generator: new Generator(7) });
    const pool = new AttentionPooling({ inputSize: 8, batchFirst: true, backend, generator: new Generator(8) });
    const lengths = [5, 2];
    const { pooled, weights } = pool.forward(gru.forward(rand([2, 5, 3], 9), null, { lengths }).output, { lengths });
    expect([...pooled.shape]).toEqual([2, 8]);
    expect(weights.dataSync()[5 + 2]).toBe(0);
  });

  it('errors', () => {
    const pool = new AttentionPooling({ inputSize: 4, batchFirst: true, backend });
    expect(() => pool.forward(rand([2, 5, 3], 1))).toThrow(new ShapeError('AttentionPooling: input must be [batch, seqLen, 4] (batchFirst=true), got [2, 5, 3]'));
    expect(() => pool.forward(rand([2, 5, 4], 1), { lengths: [6, 1] })).toThrow(new ValueError('AttentionPooling: lengths[0] is 6, greater than seqLen 5'));
    expect(() => pool.forward(rand([2, 5, 4], 1), { lengths: [1] })).toThrow(ShapeError);
    expect(() => new AttentionPooling({ inputSize: 4, hops: 2, batchFirst: true, backend })).toThrow('AttentionPooling: hops must be 1 in additive mode, got 2');
    expect(() => new AttentionPooling({ inputSize: Number.NaN, batchFirst: true, backend })).toThrow(ValueError);
  });
});
