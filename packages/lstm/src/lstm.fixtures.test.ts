import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  FixtureChecker,
  TOLERANCE,
  fixtureRecurrentOptions,
  parseFixtureCases,
  runRecurrentFixtureCase,
  type RecurrentFixtureCase as FixtureCase,
} from '@gated/core/testing';
import { CpuBackend, availableKernelSets, type KernelSetName } from '@gated/backend-cpu';
import { LSTM, LSTMCell } from './index';

// Numbers from scripts/fixtures/gen_lstm.py (Debian python3-torch 1.13, float32, CPU):
//   seed(s); m = nn.LSTM(I, H, L, bias, batch_first, bidirectional); x = randn(...); h0, c0 = randn(...)
//   out, (hN, cN) = m(x, (h0, c0))   # or through pack_padded_sequence(enforce_sorted=False) / pad_packed_sequence
//   loss = (out * Wout).sum() + (hN * WhN).sum() + (cN * WcN).sum(); loss.backward()
// Every CPU kernel set this engine runs (GATED_KERNEL_SETS, set by the relaxed-SIMD vitest project,
// names them instead; a named set the engine lacks fails the constructor rather than being skipped).
const kernelSets = (process.env.GATED_KERNEL_SETS?.split(',') as KernelSetName[] | undefined) ?? availableKernelSets();
const checker = new FixtureChecker({ forward: TOLERANCE.pytorchForward, gradient: TOLERANCE.pytorchGradient });
const loadFixture = (name: string) => parseFixtureCases(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'), name);

/** Runs an LSTM or LSTMCell case through the shared runner and checks every output and gradient. */
function runCase(backend: CpuBackend, name: string, c: FixtureCase, useReference: boolean): void {
  const options = { ...fixtureRecurrentOptions(c.config), backend };
  const { loss, comparisons } = runRecurrentFixtureCase(c, backend, ({ input, states, lengths }) => {
    if (c.module === 'LSTMCell') {
      const cell = new LSTMCell(options);
      cell.useReference = useReference;
      cell.loadStateDict(c.params);
      const { hx, cx } = states;
      const { h, c: cNext } = cell.forward(input, hx && cx ? { h: hx, c: cx } : undefined);
      return { outputs: { h, c: cNext }, params: cell.stateDict() };
    }
    const lstm = new LSTM(options);
    lstm.useReference = useReference;
    lstm.loadStateDict(c.params);
    const { output, hN, cN } = lstm.forward(input, { h0: states.h0, c0: states.c0 }, lengths ? { lengths } : {});
    return { outputs: { output, hN, cN }, params: lstm.stateDict() };
  });
  expect(loss).toBeCloseTo(c.loss, 4);
  for (const r of comparisons) checker.check(`${name} ${r.label}`, r.actual, r.expected, r.kind);
}

const cases = loadFixture('lstm.json');

for (const kernels of kernelSets) {
  const backend = new CpuBackend({ kernels });
  for (const useReference of [false, true]) {
    describe(`lstm.json (PyTorch nn.LSTM / nn.LSTMCell), ${useReference ? 'op-by-op reference path' : 'fast path'}, ${kernels} kernels`, () => {
      for (const [name, c] of Object.entries(cases)) {
        it(`${name}: ${c.description}`, () => {
          runCase(backend, name, c, useReference);
        });
      }
    });
  }
}

afterAll(() => {
  // Reported in the PR: the largest error over every case, as max |got − expected| / max(1, |expected|).
  console.log(checker.summary('LSTM fixtures'));
});
