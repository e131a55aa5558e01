import { afterAll, describe, expect, it } from 'vitest';
import { add, mul, sum, type Tensor } from '@gated/core';
import { readFileSync } from 'node:fs';
import { FixtureChecker, TOLERANCE, fixtureTensor, parseFixtureCases, type FixtureTensor, type RecurrentFixtureCase as FixtureCase } from '@gated/core/testing';
import { CpuBackend } from '@gated/backend-cpu';
import { LSTM, LSTMCell } from './index';

// Numbers from scripts/fixtures/gen_lstm.py (Debian python3-torch 1.13, float32, CPU):
//   seed(s); m = nn.LSTM(I, H, L, bias, batch_first, bidirectional); x = randn(...); h0, c0 = randn(...)
//   out, (hN, cN) = m(x, (h0, c0))   # or through pack_padded_sequence(enforce_sorted=False) / pad_packed_sequence
//   loss = (out * Wout).sum() + (hN * WhN).sum() + (cN * WcN).sum(); loss.backward()
const backend = new CpuBackend();
const checker = new FixtureChecker({ forward: TOLERANCE.pytorchForward, gradient: TOLERANCE.pytorchGradient });
const loadFixture = (name: string) => parseFixtureCases(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'), name);

function weighted(t: Tensor, w: FixtureTensor): Tensor {
  return sum(mul(t, fixtureTensor(w, backend)));
}

function runSequenceCase(name: string, c: FixtureCase, useReference: boolean): void {
  const cfg = c.config;
  const lstm = new LSTM({
    inputSize: cfg.input_size as number,
    hiddenSize: cfg.hidden_size as number,
    numLayers: cfg.num_layers as number,
    bias: cfg.bias as boolean,
    batchFirst: cfg.batch_first as boolean,
    bidirectional: cfg.bidirectional as boolean,
    backend,
  });
  lstm.useReference = useReference;
  lstm.loadStateDict(c.params);
  expect(Object.keys(lstm.stateDict())).toEqual(Object.keys(c.params));
  const x = fixtureTensor(c.inputs.input as FixtureTensor, backend, true);
  const h0 = c.inputs.h0 ? fixtureTensor(c.inputs.h0 as FixtureTensor, backend, true) : undefined;
  const c0 = c.inputs.c0 ? fixtureTensor(c.inputs.c0 as FixtureTensor, backend, true) : undefined;
  const lengths = c.inputs.lengths as number[] | undefined;
  const { output, hN, cN } = lstm.forward(x, { h0, c0 }, lengths ? { lengths } : {});
  checker.check(`${name} output`, output, c.outputs.output, 'forward');
  checker.check(`${name} hN`, hN, c.outputs.hN, 'forward');
  checker.check(`${name} cN`, cN, c.outputs.cN, 'forward');
  const loss = add(add(weighted(output, c.lossWeights.Wout), weighted(hN, c.lossWeights.WhN)), weighted(cN, c.lossWeights.WcN));
  expect(loss.item()).toBeCloseTo(c.loss, 4);
  loss.backward();
  checker.check(`${name} dInput`, x.grad!, c.grads.input, 'gradient');
  if (h0) checker.check(`${name} dh0`, h0.grad!, c.grads.h0, 'gradient');
  if (c0) checker.check(`${name} dc0`, c0.grad!, c.grads.c0, 'gradient');
  const params = lstm.stateDict();
  for (const [key, expected] of Object.entries(c.grads.params)) checker.check(`${name} d${key}`, params[key].grad!, expected, 'gradient');
}

function runCellCase(name: string, c: FixtureCase, useReference: boolean): void {
  const cfg = c.config;
  const cell = new LSTMCell({ inputSize: cfg.input_size as number, hiddenSize: cfg.hidden_size as number, bias: cfg.bias as boolean, backend });
  cell.useReference = useReference;
  cell.loadStateDict(c.params);
  expect(Object.keys(cell.stateDict())).toEqual(Object.keys(c.params));
  const x = fixtureTensor(c.inputs.input as FixtureTensor, backend, true);
  const hx = c.inputs.hx ? fixtureTensor(c.inputs.hx as FixtureTensor, backend, true) : undefined;
  const cx = c.inputs.cx ? fixtureTensor(c.inputs.cx as FixtureTensor, backend, true) : undefined;
  const { h, c: cNext } = cell.forward(x, hx && cx ? { h: hx, c: cx } : undefined);
  checker.check(`${name} h`, h, c.outputs.h, 'forward');
  checker.check(`${name} c`, cNext, c.outputs.c, 'forward');
  add(weighted(h, c.lossWeights.Wh), weighted(cNext, c.lossWeights.Wc)).backward();
  checker.check(`${name} dInput`, x.grad!, c.grads.input, 'gradient');
  if (hx) checker.check(`${name} dhx`, hx.grad!, c.grads.hx, 'gradient');
  if (cx) checker.check(`${name} dcx`, cx.grad!, c.grads.cx, 'gradient');
  const params = cell.stateDict();
  for (const [key, expected] of Object.entries(c.grads.params)) checker.check(`${name} d${key}`, params[key].grad!, expected, 'gradient');
}

const cases = loadFixture('lstm.json');

for (const useReference of [false, true]) {
  describe(`lstm.json (PyTorch nn.LSTM / nn.LSTMCell), ${useReference ? 'op-by-op reference path' : 'fast path'}`, () => {
    for (const [name, c] of Object.entries(cases)) {
      it(`${name}: ${c.description}`, () => {
        if (c.module === 'LSTMCell') runCellCase(name, c, useReference);
        else runSequenceCase(name, c, useReference);
      });
    }
  });
}

afterAll(() => {
  // Reported in the PR: the largest error over every case, as max |got − expected| / max(1, |expected|).
  console.log(checker.summary('LSTM fixtures'));
});
