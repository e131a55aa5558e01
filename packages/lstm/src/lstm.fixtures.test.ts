import { afterAll, describe, expect, it } from 'vitest';
import { add, mul, sum, type Tensor } from '@gated/core';
import { TOLERANCE, assertClose } from '@gated/core/testing';
import { CpuBackend } from '@gated/backend-cpu';
import { LSTM, LSTMCell } from './index';
import { loadFixture, maxRelativeError, toTensor, type FixtureCase, type FixtureTensor } from './fixture-helpers';

// Numbers from scripts/fixtures/gen_lstm.py (Debian python3-torch 1.13, float32, CPU):
//   seed(s); m = nn.LSTM(I, H, L, bias, batch_first, bidirectional); x = randn(...); h0, c0 = randn(...)
//   out, (hN, cN) = m(x, (h0, c0))   # or through pack_padded_sequence(enforce_sorted=False) / pad_packed_sequence
//   loss = (out * Wout).sum() + (hN * WhN).sum() + (cN * WcN).sum(); loss.backward()
const backend = new CpuBackend();
const worst = { forward: 0, gradient: 0 };

function check(label: string, actual: Tensor, expected: FixtureTensor, kind: 'forward' | 'gradient'): void {
  expect([...actual.shape], `${label} shape`).toEqual(expected.shape);
  const values = actual.dataSync();
  worst[kind] = Math.max(worst[kind], maxRelativeError(values, expected.data));
  assertClose(values, expected.data, kind === 'forward' ? TOLERANCE.pytorchForward : TOLERANCE.pytorchGradient, label);
}

function weighted(t: Tensor, w: FixtureTensor): Tensor {
  return sum(mul(t, toTensor(w, backend)));
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
  const x = toTensor(c.inputs.input as FixtureTensor, backend, true);
  const h0 = c.inputs.h0 ? toTensor(c.inputs.h0 as FixtureTensor, backend, true) : undefined;
  const c0 = c.inputs.c0 ? toTensor(c.inputs.c0 as FixtureTensor, backend, true) : undefined;
  const lengths = c.inputs.lengths as number[] | undefined;
  const { output, hN, cN } = lstm.forward(x, { h0, c0 }, lengths ? { lengths } : {});
  check(`${name} output`, output, c.outputs.output, 'forward');
  check(`${name} hN`, hN, c.outputs.hN, 'forward');
  check(`${name} cN`, cN, c.outputs.cN, 'forward');
  const loss = add(add(weighted(output, c.lossWeights.Wout), weighted(hN, c.lossWeights.WhN)), weighted(cN, c.lossWeights.WcN));
  expect(loss.item()).toBeCloseTo(c.loss, 4);
  loss.backward();
  check(`${name} dInput`, x.grad!, c.grads.input, 'gradient');
  if (h0) check(`${name} dh0`, h0.grad!, c.grads.h0, 'gradient');
  if (c0) check(`${name} dc0`, c0.grad!, c.grads.c0, 'gradient');
  const params = lstm.stateDict();
  for (const [key, expected] of Object.entries(c.grads.params)) check(`${name} d${key}`, params[key].grad!, expected, 'gradient');
}

function runCellCase(name: string, c: FixtureCase, useReference: boolean): void {
  const cfg = c.config;
  const cell = new LSTMCell({ inputSize: cfg.input_size as number, hiddenSize: cfg.hidden_size as number, bias: cfg.bias as boolean, backend });
  cell.useReference = useReference;
  cell.loadStateDict(c.params);
  expect(Object.keys(cell.stateDict())).toEqual(Object.keys(c.params));
  const x = toTensor(c.inputs.input as FixtureTensor, backend, true);
  const hx = c.inputs.hx ? toTensor(c.inputs.hx as FixtureTensor, backend, true) : undefined;
  const cx = c.inputs.cx ? toTensor(c.inputs.cx as FixtureTensor, backend, true) : undefined;
  const { h, c: cNext } = cell.forward(x, hx && cx ? { h: hx, c: cx } : undefined);
  check(`${name} h`, h, c.outputs.h, 'forward');
  check(`${name} c`, cNext, c.outputs.c, 'forward');
  add(weighted(h, c.lossWeights.Wh), weighted(cNext, c.lossWeights.Wc)).backward();
  check(`${name} dInput`, x.grad!, c.grads.input, 'gradient');
  if (hx) check(`${name} dhx`, hx.grad!, c.grads.hx, 'gradient');
  if (cx) check(`${name} dcx`, cx.grad!, c.grads.cx, 'gradient');
  const params = cell.stateDict();
  for (const [key, expected] of Object.entries(c.grads.params)) check(`${name} d${key}`, params[key].grad!, expected, 'gradient');
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
  console.log(`LSTM fixtures: max forward error ${worst.forward.toExponential(2)}, max gradient error ${worst.gradient.toExponential(2)}`);
});
