import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import { OPTIONAL_KERNELS, ValueError, tensor, type Backend, type OptionalKernel } from '../index';
import { conformanceCases, type ConformanceCase } from './conformance';
import { gradcheck } from './gradcheck';

// The suite itself: a case the backend cannot run is skipped with a reason (and refuses to run), a
// declared kernel is really called, and a declaration that disagrees with the backend fails.

const ALL_KERNELS: readonly OptionalKernel[] = ['gruStep', 'gruStepBackward', 'lstmStep', 'lstmStepBackward', 'recurrentLayer', 'recurrentLayerBackward'];

/** A CpuBackend with the named optional kernels removed (an own `undefined` hides the prototype method). */
function cpuWithout(...missing: OptionalKernel[]): Backend {
  const backend = new CpuBackend();
  for (const name of missing) Object.defineProperty(backend, name, { value: undefined });
  return backend;
}

const find = (cases: ConformanceCase[], fragment: string): ConformanceCase[] => cases.filter((c) => c.name.includes(fragment));
const declarationCase = (cases: ConformanceCase[]): ConformanceCase => {
  const found = cases.filter((c) => c.group === 'kernels');
  expect(found).toHaveLength(1);
  return found[0];
};

describe('conformanceCases: optional kernels', () => {
  it('OPTIONAL_KERNELS lists every optional method of the Backend contract', () => {
    expect([...OPTIONAL_KERNELS].sort()).toEqual([...ALL_KERNELS].sort());
  });

  it('skips, with a reason, the fused cases of a backend that declares no fused kernel; their run() throws', async () => {
    const cases = conformanceCases(() => cpuWithout(...ALL_KERNELS));
    const fused = find(cases, '(fused');
    expect(fused.map((c) => c.name)).toEqual(['GRU step (fused) forward and backward against float64', 'LSTM step (fused) forward and backward against float64']);
    for (const c of fused) {
      expect(c.skip).toMatch(/declares none of the optional kernels (gruStep, gruStepBackward|lstmStep, lstmStepBackward)/);
      expect(() => c.run()).toThrow(/skipped: the backend declares none/);
    }
    const wholeLayer = find(cases, 'whole layer');
    expect(wholeLayer).toHaveLength(6);
    for (const c of wholeLayer) {
      expect(c.skip).toMatch(/does not declare recurrentLayer, recurrentLayerBackward/);
      expect(() => c.run()).toThrow(/skipped: the backend does not declare/);
    }
    // Every other case runs: no skip anywhere else.
    expect(cases.filter((c) => c.skip !== undefined)).toHaveLength(8);
    await declarationCase(cases).run();
  });

  it('fails a backend that declares gruStep but has no gruStep method (the case used to return early and pass)', () => {
    const cases = conformanceCases(() => cpuWithout('gruStep'), { kernels: ALL_KERNELS });
    const [gru] = find(cases, 'GRU step (fused');
    expect(gru.skip).toBeUndefined();
    expect(() => gru.run()).toThrow('the backend declares the optional kernel gruStep but has no gruStep method');
    expect(() => declarationCase(cases).run()).toThrow("backend 'cpu': declares gruStep but has no gruStep method");
  });

  it('fails a backend that implements a kernel it does not declare', () => {
    const cases = conformanceCases(() => new CpuBackend(), { kernels: ['gruStep', 'gruStepBackward'] });
    expect(() => declarationCase(cases).run()).toThrow(/implements lstmStep but does not declare it.*implements lstmStepBackward/);
  });

  it('calls each declared kernel and core’s composed step for the others', () => {
    const backend = new CpuBackend();
    const calls: string[] = [];
    const cpuStep = backend.gruStep.bind(backend);
    Object.defineProperty(backend, 'gruStep', { value: (args: Parameters<typeof cpuStep>[0]) => (calls.push('gruStep'), cpuStep(args)) });
    Object.defineProperty(backend, 'gruStepBackward', { value: undefined });
    const cases = conformanceCases(() => backend, { kernels: ['gruStep', 'lstmStep', 'lstmStepBackward'] });
    const [gru] = find(cases, 'GRU step (fused');
    expect(gru.name).toBe('GRU step (fused gruStep) forward and backward against float64');
    gru.run();
    expect(calls).toEqual(['gruStep']);
  });

  it('fails a declared fused kernel that computes the wrong numbers', () => {
    const backend = new CpuBackend();
    const cpuStep = backend.lstmStep.bind(backend);
    Object.defineProperty(backend, 'lstmStep', {
      value: (args: Parameters<typeof cpuStep>[0]) => cpuStep({ ...args, c: backend.fill(args.batch * args.hiddenSize, 0) }),
    });
    const [lstm] = find(conformanceCases(() => backend, { kernels: ALL_KERNELS }), 'LSTM step (fused');
    expect(() => lstm.run()).toThrow(/lstm fused h': 12 of 12 values differ/);
  });

  it('refuses an unknown kernel name with a ValueError naming it and the known ones', () => {
    expect(() => conformanceCases(() => new CpuBackend(), { kernels: ['gruLayer' as OptionalKernel] })).toThrow(ValueError);
    expect(() => conformanceCases(() => new CpuBackend(), { kernels: ['gruLayer' as OptionalKernel] })).toThrow(/'gruLayer'.*expected some of gruStep, gruStepBackward/);
  });
});

describe('gradcheck', () => {
  it('refuses a check of no element (a size-0 input), which would pass whatever the backward does', () => {
    const backend = new CpuBackend();
    const empty = tensor(new Float32Array(0), [0, 3], { backend });
    expect(() => gradcheck((t) => t.mul(2), [empty])).toThrow(/no element was checked/);
  });
});
