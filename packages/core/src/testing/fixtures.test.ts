import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import { tensor } from '../tensor/creation';
import { FixtureChecker, fixtureTensor, maxRelativeError, parseFixtureCases } from './fixtures';
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
