import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { requireOrSkip } from '../../../vitest.skip';
import { readFileSync } from 'node:fs';
import { Generator, scope, type Backend } from '@gated/core';
import {
  TOLERANCE,
  assertClose,
  fixtureRecurrentOptions,
  maxRelativeError,
  parseFixtureCases,
  runRecurrentFixtureCase,
  type FixtureTensor,
  type RecurrentFixtureCase,
  type Tolerance,
} from '@gated/core/testing';
import { CpuBackend } from '@gated/backend-cpu';
import { GRU, GRUCell } from '@gated/gru';
import { LSTM, LSTMCell } from '@gated/lstm';
import { GpujsBackend } from './gpujs-backend';
import type { GpujsStorage } from './gpujs-storage';
import { probeMode, type GpujsMode } from './mode';

// The PyTorch fixtures of @gated/gru and @gated/lstm (scripts/fixtures/gen_gru.py, gen_lstm.py:
// python3-torch 1.13, float32, CPU), run on GpujsBackend's fast path, where every time step is the
// backend's fused gruStep / lstmStep and their backward kernels. Every output and gradient is compared
// with PyTorch and with @gated/backend-cpu (the reference backend) on the same case.
//
// Tolerances: against backend-cpu, TOLERANCE.device (atol 1e-4, rtol 1e-4: GPU highp float32 against
// the CPU backend). Against PyTorch, the CPU backend's fixture tolerances widened by TOLERANCE.device
// (forward atol 1.1e-4, rtol 1.1e-4; gradients atol 1.1e-4, rtol 2e-4).

const MODES: readonly GpujsMode[] = ['cpu', 'webasm', 'headlessgl'];

const widen = (a: Tolerance, b: Tolerance): Tolerance => ({ atol: a.atol + b.atol, rtol: a.rtol + b.rtol });
const VS_PYTORCH = {
  forward: widen(TOLERANCE.pytorchForward, TOLERANCE.device),
  gradient: widen(TOLERANCE.pytorchGradient, TOLERANCE.device),
} as const;
const VS_CPU = TOLERANCE.device;

const fixtureUrl = (pkg: 'gru' | 'lstm', name: string) => new URL(`../../${pkg}/src/__fixtures__/${name}`, import.meta.url);
const loadFixture = (pkg: 'gru' | 'lstm', name: string) => parseFixtureCases(readFileSync(fixtureUrl(pkg, name), 'utf8'), name);

type Family = 'gru' | 'lstm';
type Kind = 'forward' | 'gradient';

interface Suite {
  readonly title: string;
  readonly family: Family;
  readonly cases: Record<string, RecurrentFixtureCase>;
}

const SUITES: readonly Suite[] = [
  { title: 'gru.json', family: 'gru', cases: loadFixture('gru', 'gru.json') },
  { title: 'gru-reset-before.json', family: 'gru', cases: loadFixture('gru', 'gru-reset-before.json') },
  { title: 'lstm.json', family: 'lstm', cases: loadFixture('lstm', 'lstm.json') },
];

/** One compared result: its label, the PyTorch tensor it must match, and what the backend computed. */
interface Result {
  readonly label: string;
  readonly kind: Kind;
  readonly expected: FixtureTensor;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/**
 * Runs one fixture case on `backend` through core's shared runner (the one the package fixture suites
 * use: load the state dict, forward, loss = Σ outputs ⊙ lossWeights, backward) and reads every output
 * and gradient back.
 */
function runCase(family: Family, c: RecurrentFixtureCase, backend: Backend): { loss: number; results: Result[] } {
  const options = { ...fixtureRecurrentOptions(c.config), backend };
  const { loss, comparisons } = runRecurrentFixtureCase(c, backend, ({ input, states, lengths }) => {
    const forwardOptions = lengths ? { lengths } : {};
    if (family === 'gru') {
      if (c.module === 'GRUCell') {
        const cell = new GRUCell(options);
        cell.loadStateDict(c.params);
        return { outputs: { h: cell.forward(input, states.hx) }, params: cell.stateDict() };
      }
      const gru = new GRU({ ...options, resetAfter: c.config.reset_after as boolean });
      gru.loadStateDict(c.params);
      const { output, hN } = gru.forward(input, states.h0, forwardOptions);
      return { outputs: { output, hN }, params: gru.stateDict() };
    }
    if (c.module === 'LSTMCell') {
      const cell = new LSTMCell(options);
      cell.loadStateDict(c.params);
      const { hx, cx } = states;
      const { h, c: cNext } = cell.forward(input, hx && cx ? { h: hx, c: cx } : undefined);
      return { outputs: { h, c: cNext }, params: cell.stateDict() };
    }
    const lstm = new LSTM(options);
    lstm.loadStateDict(c.params);
    const { output, hN, cN } = lstm.forward(input, { h0: states.h0, c0: states.c0 }, forwardOptions);
    return { outputs: { output, hN, cN }, params: lstm.stateDict() };
  });
  const results = comparisons.map((r) => ({ label: r.label, kind: r.kind, expected: r.expected, shape: [...r.actual.shape], values: r.actual.dataSync() }));
  return { loss, results };
}

// backend-cpu's results, computed once per case and shared by the modes.
const cpu = new CpuBackend();
const cpuResults = new Map<RecurrentFixtureCase, Result[]>();
function onCpu(family: Family, c: RecurrentFixtureCase): Result[] {
  let results = cpuResults.get(c);
  if (results === undefined) {
    results = runCase(family, c, cpu).results;
    cpuResults.set(c, results);
  }
  return results;
}

/** Whether the case's steps can run the fused kernels: every LSTM, and the GRU with `resetAfter: true`. */
function usesFusedKernels(family: Family, c: RecurrentFixtureCase): boolean {
  return family === 'lstm' || c.config.reset_after !== false;
}

const summaries: string[] = [];

/** Spies on the fused step kernels, to check which path a case took. */
const spyOnSteps = (backend: GpujsBackend) => ({
  gruStep: vi.spyOn(backend, 'gruStep'),
  gruStepBackward: vi.spyOn(backend, 'gruStepBackward'),
  lstmStep: vi.spyOn(backend, 'lstmStep'),
  lstmStepBackward: vi.spyOn(backend, 'lstmStepBackward'),
});

for (const mode of MODES) {
  describe(`GpujsBackend (${mode}) parity with PyTorch and backend-cpu`, () => {
    // Where the mode cannot run, every case is skipped with the reason (a failure with CI=true).
    const runs = requireOrSkip(`gpu.js mode '${mode}'`, probeMode(mode));
    let backend: GpujsBackend;
    let spies: ReturnType<typeof spyOnSteps>;
    const worst = { pytorchForward: 0, pytorchGradient: 0, cpu: 0 };
    beforeAll(() => {
      if (!runs) return;
      backend = GpujsBackend.create({ mode });
      spies = spyOnSteps(backend);
    });
    afterAll(() => {
      if (!runs) return;
      summaries.push(
        `${mode}: max error vs PyTorch ${worst.pytorchForward.toExponential(2)} (forward), ${worst.pytorchGradient.toExponential(2)} (gradients); ` +
          `vs backend-cpu ${worst.cpu.toExponential(2)}`,
      );
      backend.destroy();
    });

    for (const suite of SUITES) {
      for (const [name, c] of Object.entries(suite.cases)) {
        it(`${suite.title} ${name}: ${c.description}`, () => {
          for (const spy of Object.values(spies)) spy.mockClear();
          // scope frees the case's textures at once rather than whenever the garbage collector runs.
          const { loss, results } = scope(() => runCase(suite.family, c, backend));
          expect(loss).toBeCloseTo(c.loss, 3);
          const reference = onCpu(suite.family, c);
          expect(results.map((r) => r.label)).toEqual(reference.map((r) => r.label));
          results.forEach((r, i) => {
            expect(r.shape, `${name} ${r.label} shape`).toEqual(r.expected.shape);
            assertClose(r.values, r.expected.data, VS_PYTORCH[r.kind], `${name} ${r.label} vs PyTorch`);
            assertClose(r.values, reference[i].values, VS_CPU, `${name} ${r.label} vs backend-cpu`);
            const key = r.kind === 'forward' ? 'pytorchForward' : 'pytorchGradient';
            worst[key] = Math.max(worst[key], maxRelativeError(r.values, r.expected.data));
            worst.cpu = Math.max(worst.cpu, maxRelativeError(r.values, reference[i].values));
          });
          const [step, stepBackward, other, otherBackward] =
            suite.family === 'gru'
              ? [spies.gruStep, spies.gruStepBackward, spies.lstmStep, spies.lstmStepBackward]
              : [spies.lstmStep, spies.lstmStepBackward, spies.gruStep, spies.gruStepBackward];
          if (usesFusedKernels(suite.family, c)) {
            expect(step, 'the fused forward step ran').toHaveBeenCalled();
            expect(stepBackward, 'the fused backward step ran').toHaveBeenCalled();
          } else {
            // resetAfter: false has no fused kernel in the contract; core composes it from primitives.
            expect(step).not.toHaveBeenCalled();
            expect(stepBackward).not.toHaveBeenCalled();
          }
          expect(other).not.toHaveBeenCalled();
          expect(otherBackward).not.toHaveBeenCalled();
        });
      }
    }

    // The fixtures have hiddenSize 4 and batch ≤ 4; these shapes exercise the kernels' index arithmetic
    // (hiddenSize 1, odd sizes, a row wider than a texture's typical tile) and saturated gates, one
    // kernel at a time, against backend-cpu's fused kernels on identical inputs.
    const SHAPES: readonly [number, number][] = [
      [1, 1],
      [5, 7],
      [2, 33],
    ];
    for (const [batch, hiddenSize] of SHAPES) {
      it(`fused kernels match backend-cpu's on batch ${batch}, hiddenSize ${hiddenSize}, and are built once`, () => {
        const gen = new Generator(batch * 100 + hiddenSize);
        // Pre-activations up to about ±12 reach the saturated ends of σ and tanh.
        const random = (n: number) => Float32Array.from({ length: n }, () => gen.nextNormal() * 4);
        const H = hiddenSize;
        const before = backend.memory();
        const made: GpujsStorage[] = [];
        const up = (values: Float32Array) => {
          const s = backend.upload(values);
          made.push(s);
          return s;
        };
        const read = (s: GpujsStorage) => {
          made.push(s);
          return backend.readSync(s);
        };
        const compare = (label: string, actual: GpujsStorage, expected: unknown) =>
          assertClose(read(actual), cpu.readSync(expected as never), VS_CPU, `batch ${batch}, hiddenSize ${H}: ${label}`);

        const runAll = () => {
          const gx = random(batch * 3 * H);
          const gh = random(batch * 3 * H);
          const h = random(batch * H);
          const dh = random(batch * H);
          const g = backend.gruStep({ gx: up(gx), gh: up(gh), h: up(h), batch, hiddenSize: H });
          const gc = cpu.gruStep({ gx: cpu.upload(gx), gh: cpu.upload(gh), h: cpu.upload(h), batch, hiddenSize: H });
          compare("gru h'", g.h, gc.h);
          compare('gru saved', g.saved, gc.saved);
          // The backward kernels get backend-cpu's saved gates, so each is checked on its own.
          const savedGates = cpu.readSync(gc.saved);
          const gb = backend.gruStepBackward({ dh: up(dh), h: up(h), saved: up(savedGates), batch, hiddenSize: H });
          const gbc = cpu.gruStepBackward({ dh: cpu.upload(dh), h: cpu.upload(h), saved: gc.saved, batch, hiddenSize: H });
          compare('gru dgx', gb.dgx, gbc.dgx);
          compare('gru dgh', gb.dgh, gbc.dgh);
          compare('gru dhDirect', gb.dhDirect, gbc.dhDirect);

          const lgx = random(batch * 4 * H);
          const lgh = random(batch * 4 * H);
          const c = random(batch * H);
          const dc = random(batch * H);
          const l = backend.lstmStep({ gx: up(lgx), gh: up(lgh), c: up(c), batch, hiddenSize: H });
          const lc = cpu.lstmStep({ gx: cpu.upload(lgx), gh: cpu.upload(lgh), c: cpu.upload(c), batch, hiddenSize: H });
          compare("lstm h'", l.h, lc.h);
          compare("lstm c'", l.c, lc.c);
          compare('lstm saved', l.saved, lc.saved);
          const lb = backend.lstmStepBackward({ dh: up(dh), dc: up(dc), c: up(c), saved: up(cpu.readSync(lc.saved)), batch, hiddenSize: H });
          const lbc = cpu.lstmStepBackward({ dh: cpu.upload(dh), dc: cpu.upload(dc), c: cpu.upload(c), saved: lc.saved, batch, hiddenSize: H });
          compare('lstm dgates', lb.dgates, lbc.dgates);
          compare('lstm dcPrev', lb.dcPrev, lbc.dcPrev);
        };

        runAll();
        const kernels = backend.kernelCount;
        runAll();
        expect(backend.kernelCount, 'a second step of the same shape builds no kernel').toBe(kernels);
        for (const s of made) backend.dispose(s);
        expect(backend.memory(), 'every result was a storage of its own, and all are freed').toEqual(before);
      });
    }
  });
}

afterAll(() => {
  // Reported in the PR: max |got − expected| / max(1, |expected|) over every output and gradient.
  for (const line of summaries) console.log(`parity ${line}`);
});
