import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import { Generator, OptionsError, ValueError, randn, sum } from '@gated/core';
import { TOLERANCE, assertClose } from '@gated/core/testing';
import { LSTM, LSTMCell } from './index';

// Before strict states, `lstm.forward(x, [h0, c0])` (PyTorch's tuple) and `{ h, c }` ran from a zero
// state without a word, and `proj_size` slipped past the refusal of `projSize`.
const backend = new CpuBackend();

describe('LSTM and LSTMCell states: exactly the documented forms', () => {
  const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, backend, generator: new Generator(5) });
  const x = randn([5, 2, 3], { backend, generator: new Generator(6) });
  const h0 = randn([2, 2, 4], { backend, generator: new Generator(7) });
  const c0 = randn([2, 2, 4], { backend, generator: new Generator(8) });

  it("PyTorch's tuple [h0, c0] gives exactly the result of { h0, c0 }", () => {
    const fromObject = lstm.forward(x, { h0, c0 });
    const fromTuple = lstm.forward(x, [h0, c0]);
    assertClose(fromTuple.output.dataSync(), fromObject.output.dataSync(), TOLERANCE.exact, 'output');
    assertClose(fromTuple.cN.dataSync(), fromObject.cN.dataSync(), TOLERANCE.exact, 'cN');
    // and it is not the zero-state result
    const zero = lstm.forward(x);
    expect(Math.abs(sum(fromTuple.output).item() - sum(zero.output).item())).toBeGreaterThan(1e-3);
  });

  it('{ h, c } and other shapes are errors naming what they got', () => {
    expect(() => lstm.forward(x, { h: h0, c: c0 } as never)).toThrow(OptionsError);
    expect(() => lstm.forward(x, { h: h0, c: c0 } as never)).toThrow("LSTM.forward(input, state, options): unknown option 'h'; did you mean 'h0'");
    expect(() => lstm.forward(x, [h0] as never)).toThrow("state must be { h0, c0 } or PyTorch's tuple [h0, c0] with two Tensors, got an array of 1");
    expect(() => lstm.forward(x, [h0, c0, c0] as never)).toThrow(ValueError);
    expect(() => lstm.forward(x, { h0, c0: 'zeros' } as never)).toThrow("option 'c0' must be a Tensor, got 'zeros' (a string)");
    expect(() => lstm.forward(x, null, { length: [5, 5] } as never)).toThrow("did you mean 'lengths'");
  });

  it('LSTMCell takes { h, c } or [h, c], and nothing else', () => {
    const cell = new LSTMCell({ inputSize: 3, hiddenSize: 4, backend, generator: new Generator(9) });
    const xs = randn([2, 3], { backend });
    const h = randn([2, 4], { backend });
    const c = randn([2, 4], { backend });
    const a = cell.forward(xs, { h, c });
    const b = cell.forward(xs, [h, c]);
    assertClose(b.c.dataSync(), a.c.dataSync(), TOLERANCE.exact, 'c');
    expect(() => cell.forward(xs, { h0: h, c0: c } as never)).toThrow("LSTMCell.forward(x, state): unknown option 'h0'; did you mean 'h'");
    expect(() => cell.forward(xs, { h } as never)).toThrow("option 'c' (a Tensor) is required");
  });

  it('proj_size reaches the same refusal as projSize; other PyTorch spellings name ours', () => {
    const base = { inputSize: 3, hiddenSize: 4, backend };
    expect(() => new LSTM({ ...base, proj_size: 2 } as never)).toThrow('LSTM: projSize (PyTorch proj_size) is not supported; expected 0 or undefined, got 2');
    expect(() => new LSTM({ ...base, proj_size: 0 } as never)).toThrow("unknown option 'proj_size'; did you mean 'projSize'");
    expect(() => new LSTM({ ...base, batch_first: true } as never)).toThrow("did you mean 'batchFirst'");
    expect(() => new LSTMCell({ ...base, bias_ih: true } as never)).toThrow("new LSTMCell(options): unknown option 'bias_ih'");
  });
});
