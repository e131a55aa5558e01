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
import { GRU, GRUCell } from './index';

// Numbers from scripts/fixtures/gen_gru.py (Debian python3-torch 1.13, float32, CPU):
//   seed(s); m = nn.GRU(I, H, L, bias, batch_first, bidirectional); x = randn(...); h0 = randn(...)
//   out, hN = m(x, h0)   # or through pack_padded_sequence(enforce_sorted=False) / pad_packed_sequence
//   loss = (out * randn_like(out)).sum() + (hN * randn_like(hN)).sum(); loss.backward()
// Every CPU kernel set this engine runs (GATED_KERNEL_SETS, set by the relaxed-SIMD vitest project,
// names them instead; a named set the engine lacks fails the constructor rather than being skipped).
const kernelSets = (process.env.GATED_KERNEL_SETS?.split(',') as KernelSetName[] | undefined) ?? availableKernelSets();
const checker = new FixtureChecker({ forward: TOLERANCE.pytorchForward, gradient: TOLERANCE.pytorchGradient });
const loadFixture = (name: string) => parseFixtureCases(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'), name);

/** Runs a GRU or GRUCell case through the shared runner and checks every output and gradient. */
function runCase(backend: CpuBackend, name: string, c: FixtureCase, useReference: boolean): void {
  const options = { ...fixtureRecurrentOptions(c.config), backend };
  const { loss, comparisons } = runRecurrentFixtureCase(c, backend, ({ input, states, lengths }) => {
    if (c.module === 'GRUCell') {
      const cell = new GRUCell(options);
      cell.useReference = useReference;
      cell.loadStateDict(c.params);
      return { outputs: { h: cell.forward(input, states.hx) }, params: cell.stateDict() };
    }
    const gru = new GRU({ ...options, resetAfter: c.config.reset_after as boolean });
    gru.useReference = useReference;
    gru.loadStateDict(c.params);
    const { output, hN } = gru.forward(input, states.h0, lengths ? { lengths } : {});
    return { outputs: { output, hN }, params: gru.stateDict() };
  });
  expect(loss).toBeCloseTo(c.loss, 4);
  for (const r of comparisons) checker.check(`${name} ${r.label}`, r.actual, r.expected, r.kind);
}

const suites: [string, Record<string, FixtureCase>][] = [
  ['gru.json (PyTorch nn.GRU / nn.GRUCell)', loadFixture('gru.json')],
  ['gru-reset-before.json (float64 reference, resetAfter: false)', loadFixture('gru-reset-before.json')],
];

for (const kernels of kernelSets) {
  const backend = new CpuBackend({ kernels });
  for (const [title, cases] of suites) {
    for (const useReference of [false, true]) {
      describe(`${title}, ${useReference ? 'op-by-op reference path' : 'fast path'}, ${kernels} kernels`, () => {
        for (const [name, c] of Object.entries(cases)) {
          it(`${name}: ${c.description}`, () => {
            runCase(backend, name, c, useReference);
          });
        }
      });
    }
  }
}

afterAll(() => {
  // Reported in the PR: the largest error over every case, as max |got − expected| / max(1, |expected|).
  console.log(checker.summary('GRU fixtures'));
});
