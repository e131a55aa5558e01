import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import { tensor } from '../tensor/creation';
import { mul } from '../ops/binary';
import { FixtureChecker, fixtureRecurrentOptions, fixtureTensor, maxRelativeError, parseFixtureCases, runRecurrentFixtureCase, type RecurrentFixtureCase } from './fixtures';
import { TOLERANCE } from './tolerance';

const backend = new CpuBackend();

describe('fixture readers', () => {
  it('parses a gated-fixtures/v1 file and refuses anything else by name', () => {
    const text = JSON.stringify({ format: 'gated-fixtures/v1', cases: { a: { loss: 1 } } });
    expect(parseFixtureCases<{ loss: number }>(text).a.loss).toBe(1);
    expect(() => parseFixtureCases(JSON.stringify({ format: 'v0', cases: {} }), 'old.json')).toThrow(
      "old.json: expected format 'gated-fixtures/v1', got \"v0\"",
    );
    expect(() => parseFixtureCases(JSON.stringify({ format: 'gated-fixtures/v1' }))).toThrow('expected an object of cases, got undefined');
  });

  it('builds float32 tensors with the fixture shape', () => {
    const t = fixtureTensor({ shape: [2, 2], data: [1, 2, 3, 0.1] }, backend, true);
    expect(t.shape).toEqual([2, 2]);
    expect(t.requiresGrad).toBe(true);
    expect(t.dataSync()[3]).toBe(Math.fround(0.1));
  });

  it('measures |a − e| / max(1, |e|)', () => {
    expect(maxRelativeError([1.5, 20], [1, 10])).toBe(1);
    expect(maxRelativeError([0.5], [0.25])).toBe(0.25);
  });
});

describe('FixtureChecker', () => {
  it('passes values within tolerance and reports the worst error per kind', () => {
    const checker = new FixtureChecker({ forward: TOLERANCE.pytorchForward, gradient: TOLERANCE.pytorchGradient });
    checker.check('out', tensor([1, 2], undefined, { backend }), { shape: [2], data: [1, 2 + 1e-6] }, 'forward');
    expect(checker.worst.forward).toBeCloseTo(5e-7, 12);
    expect(checker.worst.gradient).toBe(0);
    expect(checker.summary('T')).toBe('T: max forward error 5.00e-7, max gradient error 0.00e+0');
  });

  it('fails on a wrong shape or a value outside the tolerance, naming the label', () => {
    const checker = new FixtureChecker({ forward: TOLERANCE.pytorchForward });
    const t = tensor([1, 2], undefined, { backend });
    expect(() => checker.check('out', t, { shape: [1, 2], data: [1, 2] }, 'forward')).toThrow('out: expected shape [1, 2], got [2]');
    expect(() => checker.check('out', t, { shape: [2], data: [1, 2.01] }, 'forward')).toThrow(/out/);
  });
});

describe('runRecurrentFixtureCase', () => {
  // A one-parameter "module" h = w ⊙ x, so that the expected loss and gradients are easy to write down.
  const c: RecurrentFixtureCase = {
    module: 'Toy',
    description: 'h = w * x',
    config: { input_size: 2, hidden_size: 2, bias: false },
    inputs: { input: { shape: [2], data: [1, 2] }, hx: null },
    params: { w: { shape: [2], data: [3, 4] } },
    outputs: { h: { shape: [2], data: [3, 8] } },
    lossWeights: { Wh: { shape: [2], data: [1, -1] } },
    loss: -5,
    // The type intersects `params` with an index signature of tensors, which a literal cannot satisfy.
    grads: { input: { shape: [2], data: [3, -4] }, params: { w: { shape: [2], data: [1, -2] } } } as unknown as RecurrentFixtureCase['grads'],
  };
  const w = () => fixtureTensor(c.params.w, backend, true);

  it('forms the weighted loss, runs backward and pairs every output and gradient with the fixture', () => {
    const weight = w();
    const { loss, comparisons } = runRecurrentFixtureCase(c, backend, ({ input, states }) => {
      expect(states.hx).toBeUndefined();
      return { outputs: { h: mul(input, weight) }, params: { w: weight } };
    });
    expect(loss).toBe(-5);
    expect(comparisons.map((r) => [r.label, r.kind, Array.from(r.actual.dataSync())])).toEqual([
      ['h', 'forward', [3, 8]],
      ['dInput', 'gradient', [3, -4]],
      ['dw', 'gradient', [1, -2]],
    ]);
    expect(fixtureRecurrentOptions(c.config)).toEqual({ inputSize: 2, hiddenSize: 2, bias: false });
  });

  it('names a missing output and a state dict that differs from the fixture', () => {
    const weight = w();
    expect(() => runRecurrentFixtureCase(c, backend, () => ({ outputs: {}, params: { w: weight } }))).toThrow("Toy: the run returned no 'h'");
    expect(() => runRecurrentFixtureCase(c, backend, ({ input }) => ({ outputs: { h: mul(input, weight) }, params: { v: weight } }))).toThrow(
      "Toy: state dict keys [v] differ from the fixture's [w]",
    );
  });
});
