import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import { GatedError, Generator, OptionsError, ValueError, randn, zeros } from '@gated/core';
import { AttentionPooling, GRU, GRUCell, loadKerasGruWeights } from './index';

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

describe('AttentionPooling states its layout', () => {
  it("GRU's time-major default cannot meet a batch-first pooling default: batchFirst is required", () => {
    // Before: AttentionPooling defaulted to batch-first, so pooling a default (time-major) GRU's
    // [seqLen, batch, F] output averaged over the batch axis and returned [seqLen, F] without a word.
    expect(() => new AttentionPooling({ inputSize: 8, backend } as never)).toThrow(OptionsError);
    expect(() => new AttentionPooling({ inputSize: 8, backend } as never)).toThrow("option 'batchFirst' is required");
    const gru = new GRU({ inputSize: 3, hiddenSize: 4, bidirectional: true, backend, generator: new Generator(2) });
    const pool = new AttentionPooling({ inputSize: 8, batchFirst: gru.batchFirst, backend, generator: new Generator(3) });
    const { output } = gru.forward(randn([6, 2, 3], { backend }), null, { lengths: [6, 4] });
    expect(pool.forward(output, { lengths: [6, 4] }).pooled.shape).toEqual([2, 8]);
    expect(() => pool.forward(output, { length: [6, 4] } as never)).toThrow("AttentionPooling.forward(input, options): unknown option 'length'; did you mean 'lengths'");
    expect(() => new AttentionPooling({ inputSize: 8, batchFirst: true, batch_first: true, backend } as never)).toThrow("unknown option 'batch_first'");
    expect(() => new AttentionPooling({ inputSize: 8, batchFirst: true, mode: 'dot', backend } as never)).toThrow("option 'mode' must be one of 'additive', 'structured', got 'dot'");
  });
});

describe('loadKerasGruWeights validates everything before it changes anything', () => {
  const H = 2;
  const I = 3;
  const keras = () => ({
    kernel: { shape: [I, 3 * H], data: Array.from({ length: I * 3 * H }, (_, i) => i / 10) },
    recurrentKernel: { shape: [H, 3 * H], data: Array.from({ length: H * 3 * H }, (_, i) => -i / 10) },
    bias: { shape: [2, 3 * H], data: Array.from({ length: 6 * H }, (_, i) => i / 100) },
  });
  const snapshot = (m: GRU) => Object.entries(m.stateDict()).map(([k, v]) => [k, Array.from(v.dataSync())]);

  it.each([
    ['short kernel data', (w: ReturnType<typeof keras>) => (w.kernel.data = w.kernel.data.slice(0, 3)), 'Keras GRU: kernel of shape [3, 6] needs 18 values, got 3'],
    ['a NaN in the bias', (w: ReturnType<typeof keras>) => (w.bias.data[4] = Number.NaN), 'Keras GRU: bias holds NaN at position 4'],
    ['strings as data', (w: ReturnType<typeof keras>) => (w.recurrentKernel.data = w.recurrentKernel.data.map(String) as never), 'recurrentKernel.data must be an array or typed array of numbers'],
    ['a kernel for another input size', (w: ReturnType<typeof keras>) => (w.kernel = { shape: [4, 3 * H], data: new Array(24).fill(0) }), 'mis-shaped keys: weight_ih_l0: expected [6, 3], got [6, 4]'],
    ['a snake_case key', (w: ReturnType<typeof keras>) => Object.assign(w, { recurrent_kernel: w.recurrentKernel }), "unknown option 'recurrent_kernel'; did you mean 'recurrentKernel'"],
  ] as const)('%s: a typed error, and the GRU unchanged', (_label, corrupt, message) => {
    const gru = new GRU({ inputSize: I, hiddenSize: H, backend, generator: new Generator(4) });
    const before = snapshot(gru);
    const weights = keras();
    corrupt(weights);
    let error: unknown;
    try {
      loadKerasGruWeights(gru, weights);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GatedError);
    expect((error as Error).message).toContain(message);
    expect(snapshot(gru)).toEqual(before);
  });

  it('loads valid weights, NaN only with allowNonFinite, and refuses unknown options', () => {
    const gru = new GRU({ inputSize: I, hiddenSize: H, backend, generator: new Generator(4) });
    loadKerasGruWeights(gru, keras());
    const weights = keras();
    weights.bias.data[0] = Number.NaN;
    loadKerasGruWeights(gru, weights, { allowNonFinite: true });
    expect(Array.from(gru.stateDict().bias_ih_l0.dataSync()).some(Number.isNaN)).toBe(true);
    expect(() => loadKerasGruWeights(gru, keras(), { layers: 0 } as never)).toThrow("unknown option 'layers'; did you mean 'layer'");
    expect(() => loadKerasGruWeights(new LSTMLike() as never, keras())).toThrow('Keras GRU: expected a GRU or a GRUCell');
  });
});

class LSTMLike {
  readonly resetAfter = true;
  readonly numLayers = 1;
}
