import { afterAll, describe, expect, it } from 'vitest';
import { mul, sum, add } from '@gated/core';
import { readFileSync } from 'node:fs';
import { FixtureChecker, TOLERANCE, fixtureTensor, parseFixtureCases, type FixtureTensor, type RecurrentFixtureCase as FixtureCase } from '@gated/core/testing';
import { CpuBackend } from '@gated/backend-cpu';
import { GRU, GRUCell } from './index';

// Numbers from scripts/fixtures/gen_gru.py (Debian python3-torch 1.13, float32, CPU):
//   seed(s); m = nn.GRU(I, H, L, bias, batch_first, bidirectional); x = randn(...); h0 = randn(...)
//   out, hN = m(x, h0)   # or through pack_padded_sequence(enforce_sorted=False) / pad_packed_sequence
//   loss = (out * randn_like(out)).sum() + (hN * randn_like(hN)).sum(); loss.backward()
const backend = new CpuBackend();
const checker = new FixtureChecker({ forward: TOLERANCE.pytorchForward, gradient: TOLERANCE.pytorchGradient });
const loadFixture = (name: string) => parseFixtureCases(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'), name);

function runSequenceCase(name: string, c: FixtureCase, useReference: boolean): void {
  const cfg = c.config;
  const gru = new GRU({
    inputSize: cfg.input_size as number,
    hiddenSize: cfg.hidden_size as number,
    numLayers: cfg.num_layers as number,
    bias: cfg.bias as boolean,
    batchFirst: cfg.batch_first as boolean,
    bidirectional: cfg.bidirectional as boolean,
    resetAfter: cfg.reset_after as boolean,
    backend,
  });
  gru.useReference = useReference;
  gru.loadStateDict(c.params);
  const x = fixtureTensor(c.inputs.input as FixtureTensor, backend, true);
  const h0 = c.inputs.h0 ? fixtureTensor(c.inputs.h0 as FixtureTensor, backend, true) : undefined;
  const lengths = c.inputs.lengths as number[] | undefined;
  const { output, hN } = gru.forward(x, h0, lengths ? { lengths } : {});
  checker.check(`${name} output`, output, c.outputs.output, 'forward');
  checker.check(`${name} hN`, hN, c.outputs.hN, 'forward');
  const loss = add(sum(mul(output, fixtureTensor(c.lossWeights.Wout, backend))), sum(mul(hN, fixtureTensor(c.lossWeights.WhN, backend))));
  expect(loss.item()).toBeCloseTo(c.loss, 4);
  loss.backward();
  checker.check(`${name} dInput`, x.grad!, c.grads.input, 'gradient');
  if (h0) checker.check(`${name} dh0`, h0.grad!, c.grads.h0, 'gradient');
  const params = gru.stateDict();
  expect(Object.keys(params)).toEqual(Object.keys(c.params));
  for (const [key, expected] of Object.entries(c.grads.params)) checker.check(`${name} d${key}`, params[key].grad!, expected, 'gradient');
}

function runCellCase(name: string, c: FixtureCase, useReference: boolean): void {
  const cfg = c.config;
  const cell = new GRUCell({ inputSize: cfg.input_size as number, hiddenSize: cfg.hidden_size as number, bias: cfg.bias as boolean, backend });
  cell.useReference = useReference;
  cell.loadStateDict(c.params);
  const x = fixtureTensor(c.inputs.input as FixtureTensor, backend, true);
  const hx = c.inputs.hx ? fixtureTensor(c.inputs.hx as FixtureTensor, backend, true) : undefined;
  const h = cell.forward(x, hx);
  checker.check(`${name} h`, h, c.outputs.h, 'forward');
  sum(mul(h, fixtureTensor(c.lossWeights.Wh, backend))).backward();
  checker.check(`${name} dInput`, x.grad!, c.grads.input, 'gradient');
  if (hx) checker.check(`${name} dhx`, hx.grad!, c.grads.hx, 'gradient');
  const params = cell.stateDict();
  for (const [key, expected] of Object.entries(c.grads.params)) checker.check(`${name} d${key}`, params[key].grad!, expected, 'gradient');
}

const suites: [string, Record<string, FixtureCase>][] = [
  ['gru.json (PyTorch nn.GRU / nn.GRUCell)', loadFixture('gru.json')],
  ['gru-reset-before.json (float64 reference, resetAfter: false)', loadFixture('gru-reset-before.json')],
];

for (const [title, cases] of suites) {
  for (const useReference of [false, true]) {
    describe(`${title}, ${useReference ? 'op-by-op reference path' : 'fast path'}`, () => {
      for (const [name, c] of Object.entries(cases)) {
        it(`${name}: ${c.description}`, () => {
          if (c.module === 'GRUCell') runCellCase(name, c, useReference);
          else runSequenceCase(name, c, useReference);
        });
      }
    });
  }
}

afterAll(() => {
  // Reported in the PR: the largest error over every case, as max |got − expected| / max(1, |expected|).
  console.log(checker.summary('GRU fixtures'));
});
