import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { add, mul, sum, type Tensor } from '@gated/core';
import { FixtureChecker, TOLERANCE, fixtureTensor, parseFixtureCases, type FixtureTensor } from '@gated/core/testing';
import { CpuBackend } from '@gated/backend-cpu';
import { AttentionPooling } from './index';

// attention.json: scripts/fixtures/gen_attention.py writes both pooling modes in PyTorch ops from the
// papers (HAN's additive attention, Lin et al.'s structured self-attention with its penalty), with a
// softmax over each sequence's valid prefix only, and
//   loss = sum(pooled · Wp) + sum(weights · Ww) (+ penalty_coef · penalty); loss.backward()
interface AttentionCase {
  readonly description: string;
  readonly config: { mode: 'additive' | 'structured'; input_size: number; attention_size: number; hops: number; batch_first: boolean; penalty_coef: number };
  readonly inputs: { input: FixtureTensor; lengths: number[] | null };
  readonly params: Record<string, FixtureTensor>;
  readonly outputs: { pooled: FixtureTensor; weights: FixtureTensor; penalty?: FixtureTensor };
  readonly lossWeights: { Wp: FixtureTensor; Ww: FixtureTensor };
  readonly loss: number;
  readonly grads: { input: FixtureTensor; params: Record<string, FixtureTensor> };
}

const backend = new CpuBackend();
const checker = new FixtureChecker({ forward: TOLERANCE.pytorchForward, gradient: TOLERANCE.pytorchGradient });
const cases = parseFixtureCases<AttentionCase>(readFileSync(new URL('./__fixtures__/attention.json', import.meta.url), 'utf8'), 'attention.json');

describe('AttentionPooling against PyTorch (attention.json)', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: ${c.description}`, () => {
      const cfg = c.config;
      const pool = new AttentionPooling({ inputSize: cfg.input_size, attentionSize: cfg.attention_size, mode: cfg.mode, hops: cfg.hops, batchFirst: cfg.batch_first, backend });
      pool.loadStateDict(c.params);
      const x = fixtureTensor(c.inputs.input, backend, true);
      const { pooled, weights, penalty } = pool.forward(x, c.inputs.lengths === null ? {} : { lengths: c.inputs.lengths });
      checker.check(`${name} pooled`, pooled, c.outputs.pooled, 'forward');
      checker.check(`${name} weights`, weights, c.outputs.weights, 'forward');
      let loss: Tensor = add(sum(mul(pooled, fixtureTensor(c.lossWeights.Wp, backend))), sum(mul(weights, fixtureTensor(c.lossWeights.Ww, backend))));
      if (c.outputs.penalty !== undefined) {
        expect(penalty).not.toBeNull();
        checker.check(`${name} penalty`, penalty!.reshape([1]), c.outputs.penalty, 'forward');
        loss = add(loss, mul(penalty!, cfg.penalty_coef));
      } else {
        expect(penalty).toBeNull();
      }
      expect(loss.item()).toBeCloseTo(c.loss, 4);
      loss.backward();
      checker.check(`${name} dInput`, x.grad!, c.grads.input, 'gradient');
      const params = pool.stateDict();
      expect(Object.keys(params).sort()).toEqual(Object.keys(c.params).sort());
      for (const [key, expected] of Object.entries(c.grads.params)) checker.check(`${name} d${key}`, params[key].grad!, expected, 'gradient');
    });
  }
});

afterAll(() => {
  console.log(checker.summary('AttentionPooling fixtures'));
});
