import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import { ValueError } from '../errors';
import { scope } from '../memory';
import { add, matmul, mul, pow, square, sub, sum } from '../ops';
import { tensor, zeros } from '../tensor/creation';
import type { Tensor } from '../tensor/tensor';
import { TOLERANCE, assertClose } from '../testing';
import { Linear } from '../nn/linear';
import { Adam, AdamW } from './adam';
import { CosineAnnealingLR, StepLR } from './lr-scheduler';
import type { Optimizer, OptimizerStateDict } from './optimizer';
import { SGD } from './sgd';

const backend = new CpuBackend();

interface Fx {
  shape: number[];
  data: number[];
}
interface OptimCase {
  optimizer: 'SGD' | 'Adam' | 'AdamW';
  hyperparameters: Record<string, unknown>;
  problem: { x: Fx; y: Fx };
  initialParams: { W: Fx; b: Fx };
  steps: { loss: number; params: { W: Fx; b: Fx } }[];
}
interface SchedulerCase {
  scheduler: string;
  baseLr: number;
  hyperparameters: Record<string, number>;
  lrs: number[];
}
const fixtures = JSON.parse(readFileSync(new URL('../__fixtures__/optim.json', import.meta.url), 'utf8')).cases as Record<string, OptimCase & SchedulerCase>;
const load = (t: Fx, requiresGrad = false): Tensor => tensor(Float32Array.from(t.data), t.shape, { backend, requiresGrad });

/**
 * Parameters after 20 optimizer steps against PyTorch's: float32 on both sides, but PyTorch's CPU
 * kernels fuse multiply-adds and sum in another order, and the differences compound over the steps,
 * so this is the gradient tolerance rather than the forward one.
 */
const TRAJECTORY = TOLERANCE.pytorchGradient;

function build(c: OptimCase, params: Tensor[]): Optimizer<{ lr: number }> {
  const h = c.hyperparameters;
  const common = { lr: h.lr as number, weightDecay: h.weight_decay as number, maximize: h.maximize as boolean };
  if (c.optimizer === 'SGD') {
    return new SGD(params, { ...common, momentum: h.momentum as number, dampening: h.dampening as number, nesterov: h.nesterov as boolean });
  }
  const adam = { ...common, betas: h.betas as [number, number], eps: h.eps as number, amsgrad: h.amsgrad as boolean };
  return c.optimizer === 'Adam' ? new Adam(params, adam) : new AdamW(params, adam);
}

function problemLoss(c: OptimCase, w: Tensor, b: Tensor): Tensor {
  const x = load(c.problem.x);
  const y = load(c.problem.y);
  // loss(W, b) = sum((x @ W + b - y)**2) + 0.1*sum(W**4)
  return add(sum(square(sub(add(matmul(x, w), b), y))), mul(sum(pow(w, 4)), 0.1));
}

function run(c: OptimCase, optimizer: Optimizer<{ lr: number }>, w: Tensor, b: Tensor, from: number, to: number): { maxError: number } {
  let maxError = 0;
  for (let k = from; k < to; k++) {
    optimizer.zeroGrad();
    const loss = problemLoss(c, w, b);
    assertClose([loss.item()], [c.steps[k].loss], TRAJECTORY, `${k} loss`);
    loss.backward();
    optimizer.step();
    for (const [name, p] of [['W', w], ['b', b]] as const) {
      const expected = c.steps[k].params[name].data;
      const got = p.dataSync();
      assertClose(got, expected, TRAJECTORY, `step ${k + 1} ${name}`);
      got.forEach((v, i) => (maxError = Math.max(maxError, Math.abs(v - expected[i]))));
    }
  }
  return { maxError };
}

const optimizerCases = Object.entries(fixtures).filter(([, c]) => c.optimizer !== undefined);

describe('optimizers match PyTorch over 20 steps (optim.json)', () => {
  it.each(optimizerCases)('%s', (name, c) => {
    const w = load(c.initialParams.W, true);
    const b = load(c.initialParams.b, true);
    const { maxError } = run(c, build(c, [w, b]), w, b, 0, c.steps.length);
    console.log(`optimizer trajectory ${name}: max |Δparam| over 20 steps = ${maxError.toExponential(2)}`);
  });

  it.each(optimizerCases)('%s: state saved after 10 steps and restored into a new optimizer continues the trajectory', (_name, c) => {
    const w = load(c.initialParams.W, true);
    const b = load(c.initialParams.b, true);
    const first = build(c, [w, b]);
    run(c, first, w, b, 0, 10);
    const saved: OptimizerStateDict = first.stateDict();
    first.disposeState();
    const second = build(c, [w, b]);
    second.loadStateDict(saved);
    run(c, second, w, b, 10, 20);
  });
});

describe('Optimizer', () => {
  it("keeps the backend's live storage count flat across steps (no leaks)", () => {
    for (const make of [
      (p: Tensor[]) => new SGD(p, { lr: 0.01, momentum: 0.9, weightDecay: 0.1, nesterov: true }),
      (p: Tensor[]) => new Adam(p, { lr: 0.01, weightDecay: 0.1, amsgrad: true }),
      (p: Tensor[]) => new AdamW(p, { lr: 0.01 }),
    ]) {
      const layer = new Linear({ inFeatures: 3, outFeatures: 2, backend });
      const optimizer = make(layer.parameters());
      const x = tensor([[1, 2, 3], [4, 5, 6]], undefined, { backend });
      // The forward graph is freed by the scope; what remains is the optimizer's own bookkeeping.
      const stepOnce = () =>
        scope(() => {
          optimizer.zeroGrad();
          sum(square(layer.forward(x))).backward();
          optimizer.step();
        });
      stepOnce();
      stepOnce();
      const before = backend.memory().liveStorages;
      for (let i = 0; i < 5; i++) stepOnce();
      expect(backend.memory().liveStorages).toBe(before);
    }
  });

  it('accepts a module, parameter groups with their own hyperparameters, and skips parameters without a gradient', () => {
    const a = new Linear({ inFeatures: 2, outFeatures: 2, backend });
    const b = new Linear({ inFeatures: 2, outFeatures: 2, backend });
    const fromModule = new SGD(a, { lr: 0.1 });
    expect(fromModule.paramGroups[0].params).toEqual(a.parameters());
    const grouped = new SGD([{ params: a }, { params: b.parameters(), lr: 0.5 }], { lr: 0.1, momentum: 0.9 });
    expect(grouped.paramGroups.map((g) => [g.lr, g.momentum])).toEqual([[0.1, 0.9], [0.5, 0.9]]);
    const before = b.weight.dataSync();
    sum(a.forward(tensor([[1, 1]], undefined, { backend }))).backward();
    grouped.step();
    expect(b.weight.dataSync()).toEqual(before);
    expect(a.weight.dataSync()).not.toEqual(a.weight.grad!.dataSync());
  });

  it('rejects invalid hyperparameters with ValueErrors that name the optimizer and the value', () => {
    const p = [zeros([2], { backend, requiresGrad: true })];
    expect(() => new SGD(p, { lr: -1 })).toThrow(ValueError);
    expect(() => new SGD(p, { lr: -1 })).toThrow('SGD: lr must be a finite number ≥ 0, got -1');
    expect(() => new SGD(p, { nesterov: true })).toThrow('SGD: nesterov momentum requires momentum > 0 and dampening = 0');
    expect(() => new Adam(p, { betas: [0.9, 1] })).toThrow('Adam: betas[1] must be in [0, 1), got 1');
    expect(() => new AdamW(p, { betas: [-0.1, 0.9] })).toThrow('AdamW: betas[0] must be in [0, 1), got -0.1');
    expect(() => new Adam(p, { eps: -1 })).toThrow('Adam: eps must be a finite number ≥ 0, got -1');
    expect(() => new Adam(p, { weightDecay: Number.NaN })).toThrow(ValueError);
    expect(() => new Adam([])).toThrow('Adam: got an empty parameter list');
    // A tensor listed twice in one group (a tied weight) is optimised once; across groups it is an error.
    expect(new Adam([p[0], p[0]]).paramGroups[0].params).toEqual([p[0]]);
    expect(() => new Adam([{ params: [p[0]] }, { params: [p[0]], lr: 0.1 }])).toThrow('Adam: a parameter appears in more than one parameter group (again in group 1)');
    const ok = new SGD(p, { lr: 0.1 });
    ok.paramGroups[0].lr = -0.5;
    expect(() => ok.step()).toThrow('SGD: lr must be a finite number ≥ 0, got -0.5');
  });

  it('refuses a state dict for other parameters', () => {
    const p = zeros([2], { backend, requiresGrad: true });
    const q = zeros([3], { backend, requiresGrad: true });
    const source = new Adam([p]);
    sum(p).backward();
    source.step();
    expect(() => new Adam([q]).loadStateDict(source.stateDict())).toThrow("Adam.loadStateDict: state 'expAvg' of parameter 0 must have the parameter's shape [3], got [2]");
    expect(() => new Adam([p, q]).loadStateDict(source.stateDict())).toThrow('parameter group 0 has 2 parameters, the saved one 1');
  });
});

describe('learning-rate schedulers match PyTorch (optim.json)', () => {
  it.each([
    ['step_lr', (o: SGD, h: Record<string, number>) => new StepLR(o, { stepSize: h.step_size, gamma: h.gamma })],
    ['cosine_annealing_lr', (o: SGD, h: Record<string, number>) => new CosineAnnealingLR(o, { tMax: h.T_max, etaMin: h.eta_min })],
  ] as const)('%s', (name, make) => {
    const c = fixtures[name];
    const p = zeros([1], { backend, requiresGrad: true });
    const optimizer = new SGD([p], { lr: c.baseLr });
    const scheduler = make(optimizer, c.hyperparameters);
    const lrs: number[] = [];
    for (let epoch = 0; epoch < c.lrs.length; epoch++) {
      lrs.push(optimizer.paramGroups[0].lr);
      optimizer.step();
      scheduler.step();
    }
    // Python doubles computed with the same recursive formulas; libm cos may differ in the last bit.
    assertClose(lrs, c.lrs, { atol: 1e-15, rtol: 1e-12 }, name);
  });

  it('validates options', () => {
    const optimizer = new SGD([zeros([1], { backend, requiresGrad: true })]);
    expect(() => new StepLR(optimizer, { stepSize: 0 })).toThrow('StepLR: stepSize must be a positive integer, got 0');
    expect(() => new CosineAnnealingLR(optimizer, { tMax: 1.5 })).toThrow(ValueError);
  });
});
