import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import { Generator, OptionsError, ValueError, randn, zeros } from '@gated/core';
import { GRU, GRUCell } from './index';

// Each case here ran silently before strict options: a PyTorch spelling was ignored (batch_first ran
// time-major, num_layers built one layer), a misspelled forward option turned masking off, and a
// state in the wrong form was dropped for zeros.
const backend = new CpuBackend();

describe('GRU and GRUCell reject unknown options and states in undocumented forms', () => {
  it('PyTorch spellings in the constructor name our key', () => {
    const base = { inputSize: 3, hiddenSize: 4, backend };
    expect(() => new GRU({ ...base, batch_first: true } as never)).toThrow(OptionsError);
    expect(() => new GRU({ ...base, batch_first: true } as never)).toThrow("new GRU(options): unknown option 'batch_first'; did you mean 'batchFirst' (PyTorch's batch_first)?");
    expect(() => new GRU({ ...base, num_layers: 2 } as never)).toThrow("did you mean 'numLayers'");
    expect(() => new GRU({ input_size: 3, hidden_size: 4, backend } as never)).toThrow("unknown option 'input_size'; did you mean 'inputSize'");
    expect(() => new GRU({ ...base, proj_size: 2 } as never)).toThrow('proj_size (an LSTM projection) is not supported');
    expect(() => new GRUCell({ ...base, reset_after: false } as never)).toThrow("new GRUCell(options): unknown option 'reset_after'; did you mean 'resetAfter'");
    expect(() => new GRU({ ...base, batchFirst: 'yes' } as never)).toThrow("option 'batchFirst' must be a boolean, got 'yes' (a string)");
    expect(() => new GRU({ ...base, hiddenSize: '4' } as never)).toThrow("option 'hiddenSize' must be a number, got '4' (a string)");
    expect(() => new GRU({ ...base, generator: 3 } as never)).toThrow("option 'generator' must be a Generator, got 3 (a number)");
  });

  it('null and undefined optional options mean the default', () => {
    const gru = new GRU({ inputSize: 3, hiddenSize: 4, backend, numLayers: undefined, batchFirst: null as never, generator: new Generator(1) });
    expect(gru.numLayers).toBe(1);
    expect(gru.batchFirst).toBe(false);
  });

  it('an unknown forward option is an error, not masking switched off', () => {
    const gru = new GRU({ inputSize: 3, hiddenSize: 4, backend, generator: new Generator(1) });
    const x = randn([5, 2, 3], { backend });
    expect(() => gru.forward(x, null, { length: [5, 2] } as never)).toThrow("GRU.forward(input, state, options): unknown option 'length'; did you mean 'lengths'");
    expect(() => gru.forward(x, null, { lengths: '5,2' } as never)).toThrow("option 'lengths' must be an array of numbers");
    expect(gru.forward(x, null, null).output.shape).toEqual([5, 2, 4]);
  });

  it('h0 is one Tensor or nothing; options passed in its place are pointed to the third argument', () => {
    const gru = new GRU({ inputSize: 3, hiddenSize: 4, backend, generator: new Generator(1) });
    const x = randn([5, 2, 3], { backend });
    const h = zeros([1, 2, 4], { backend });
    expect(() => gru.forward(x, [h] as never)).toThrow('GRU: h0 must be a Tensor [1, 2, 4] or null, got an array of 1 (Tensor [1, 2, 4])');
    expect(() => gru.forward(x, { h } as never)).toThrow(ValueError);
    expect(() => gru.forward(x, { lengths: [5, 2] } as never)).toThrow('forward options such as lengths go in the third argument');
    const cell = new GRUCell({ inputSize: 3, hiddenSize: 4, backend, generator: new Generator(1) });
    expect(() => cell.forward(randn([2, 3], { backend }), { h: zeros([2, 4], { backend }) } as never)).toThrow("GRUCell: h must be a Tensor [2, 4], got an object with keys { h }");
  });
});
