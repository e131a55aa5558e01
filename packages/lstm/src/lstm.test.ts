import { describe, expect, it } from 'vitest';
import { LSTM_CELL, ShapeError, ValueError, manualSeed, randn, recurrentLayer, sum, tensor, zeros, type Tensor } from '@gated/core';
import { Float64Tensor, TOLERANCE, assertClose, gradcheck } from '@gated/core/testing';
import { CpuBackend } from '@gated/backend-cpu';
import { LSTM, LSTMCell } from './index';

const backend = new CpuBackend();
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/**
 * A float64 one-layer LSTM over `[T, B, I]`, written from the PyTorch docstring with plain loops:
 * the reference of the gradcheck. Returns `output` `[T, B, H]`.
 */
function lstmFloat64(x: Float64Tensor, wIh: Float64Tensor, wHh: Float64Tensor, bIh: Float64Tensor, bHh: Float64Tensor): Float64Tensor {
  const [T, B, I] = x.shape;
  const H = wHh.shape[1];
  const out = new Float64Array(T * B * H);
  const h = new Float64Array(B * H);
  const c = new Float64Array(B * H);
  for (let t = 0; t < T; t++) {
    const hPrev = Float64Array.from(h);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < H; j++) {
        const gate = (k: number) => {
          const row = k * H + j;
          let a = bIh.data[row] + bHh.data[row];
          for (let p = 0; p < I; p++) a += wIh.data[row * I + p] * x.data[(t * B + b) * I + p];
          for (let p = 0; p < H; p++) a += wHh.data[row * H + p] * hPrev[b * H + p];
          return a;
        };
        const i = sigmoid(gate(0));
        const f = sigmoid(gate(1));
        const g = Math.tanh(gate(2));
        const o = sigmoid(gate(3));
        c[b * H + j] = f * c[b * H + j] + i * g;
        h[b * H + j] = o * Math.tanh(c[b * H + j]);
        out[(t * B + b) * H + j] = h[b * H + j];
      }
    }
  }
  return new Float64Tensor([T, B, H], out);
}

describe('LSTM', () => {
  it('has PyTorch parameter names, shapes and count (gate order i, f, g, o: 4·hiddenSize rows)', () => {
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, backend });
    const shapes = Object.fromEntries(lstm.namedParameters().map(([name, p]) => [name, [...p.shape]]));
    expect(shapes).toEqual({
      weight_ih_l0: [20, 3], weight_hh_l0: [20, 5], bias_ih_l0: [20], bias_hh_l0: [20],
      weight_ih_l0_reverse: [20, 3], weight_hh_l0_reverse: [20, 5], bias_ih_l0_reverse: [20], bias_hh_l0_reverse: [20],
      weight_ih_l1: [20, 10], weight_hh_l1: [20, 5], bias_ih_l1: [20], bias_hh_l1: [20],
      weight_ih_l1_reverse: [20, 10], weight_hh_l1_reverse: [20, 5], bias_ih_l1_reverse: [20], bias_hh_l1_reverse: [20],
    });
    // 4H(I+H) + 8H per layer and direction: 2·(4·5·8 + 40) + 2·(4·5·15 + 40)
    expect(lstm.numParameters()).toBe(2 * (4 * 5 * 8 + 40) + 2 * (4 * 5 * 15 + 40));
  });

  it('returns output, hN and cN with PyTorch shapes for every layout', () => {
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, batchFirst: true, backend });
    const { output, hN, cN } = lstm.forward(randn([2, 5, 3], { backend }));
    expect(output.shape).toEqual([2, 5, 8]);
    expect(hN.shape).toEqual([4, 2, 4]);
    expect(cN.shape).toEqual([4, 2, 4]);
    const unbatched = new LSTM({ inputSize: 3, hiddenSize: 4, backend }).forward(randn([5, 3], { backend }));
    expect(unbatched.output.shape).toEqual([5, 4]);
    expect(unbatched.hN.shape).toEqual([1, 4]);
    expect(unbatched.cN.shape).toEqual([1, 4]);
  });

  it('records one autograd node per layer and direction (the fast path)', () => {
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, backend });
    const loss = sum(lstm.forward(randn([6, 2, 3], { backend })).output);
    const names: string[] = [];
    const seen = new Set<unknown>();
    const stack: Tensor[] = [loss];
    while (stack.length > 0) {
      const t = stack.pop()!;
      const node = t.gradNode;
      if (node === null || seen.has(node)) continue;
      seen.add(node);
      names.push(node.name);
      stack.push(...node.inputs);
    }
    expect(names.filter((n) => n === 'LSTMLayer')).toHaveLength(4);
  });

  it('matches a float64 reference in gradients (gradcheck on input and every parameter)', () => {
    manualSeed(7);
    const lstm = new LSTM({ inputSize: 2, hiddenSize: 3, backend });
    const p = lstm.stateDict();
    const x = randn([4, 2, 2], { backend });
    const inputs = [x, p.weight_ih_l0, p.weight_hh_l0, p.bias_ih_l0, p.bias_hh_l0];
    // The module's own path with the checked tensors as its parameters: the single-node layer given
    // the input and its weights (what RecurrentBase runs per layer and direction).
    const forwardWith = (xIn: Tensor, wIh: Tensor, wHh: Tensor, bIh: Tensor, bHh: Tensor) => {
      const B = xIn.shape[1];
      const h0 = zeros([B, 3], { backend });
      return recurrentLayer(LSTM_CELL, { input: { x: xIn, weightIh: wIh, biasIh: bIh }, h0, c0: zeros([B, 3], { backend }), weightHh: wHh, biasHh: bHh, mask: null }).output;
    };
    // The module itself runs exactly that path: same values.
    assertClose(lstm.forward(x).output.dataSync(), forwardWith(x, ...(inputs.slice(1) as [Tensor, Tensor, Tensor, Tensor])).dataSync(), TOLERANCE.exact, 'module vs path');
    const result = gradcheck(forwardWith as (...t: Tensor[]) => Tensor, inputs, { reference: lstmFloat64 as (...t: Float64Tensor[]) => Float64Tensor, label: 'LSTM gradcheck' });
    expect(result.checked).toBe(x.size + inputs.slice(1).reduce((n, t) => n + t.size, 0));
  });

  it('gives zero output and zero input gradient past each sequence length', () => {
    const lstm = new LSTM({ inputSize: 2, hiddenSize: 3, bidirectional: true, backend });
    const x = randn([4, 2, 2], { backend, requiresGrad: true });
    const { output } = lstm.forward(x, undefined, { lengths: [4, 2] });
    sum(output).backward();
    const out = output.dataSync();
    const grad = x.grad!.dataSync();
    for (let t = 2; t < 4; t++) {
      for (let j = 0; j < 6; j++) expect(out[(t * 2 + 1) * 6 + j]).toBe(0);
      for (let j = 0; j < 2; j++) expect(grad[(t * 2 + 1) * 2 + j]).toBe(0);
    }
  });

  it('applies dropout between layers only in training mode', () => {
    manualSeed(3);
    const lstm = new LSTM({ inputSize: 2, hiddenSize: 3, numLayers: 2, dropout: 0.5, backend });
    const x = randn([3, 2, 2], { backend });
    lstm.eval();
    const a = lstm.forward(x).output.dataSync();
    const b = lstm.forward(x).output.dataSync();
    assertClose(a, b, TOLERANCE.exact, 'eval mode is deterministic');
    lstm.train();
    const c = lstm.forward(x).output.dataSync();
    expect([...c]).not.toEqual([...a]);
  });

  describe('typed errors that say expected vs got', () => {
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, backend });

    it('rejects a wrong input shape', () => {
      expect(() => lstm.forward(randn([5, 2, 6], { backend }))).toThrow(ShapeError);
      expect(() => lstm.forward(randn([5, 2, 6], { backend }))).toThrow('LSTM: input must be [seqLen, batch, 3] (batchFirst=false), got [5, 2, 6]');
    });

    it('rejects wrong h0 / c0 shapes', () => {
      const x = randn([5, 2, 3], { backend });
      expect(() => lstm.forward(x, { h0: zeros([1, 2, 4], { backend }) })).toThrow(/LSTM: h0 must be \[2, 2, 4\].*got \[1, 2, 4\]/);
      expect(() => lstm.forward(x, { c0: zeros([2, 3, 4], { backend }) })).toThrow(/LSTM: c0 must be \[2, 2, 4\].*got \[2, 3, 4\]/);
    });

    it('rejects a bare tensor as the state (the GRU calling convention)', () => {
      const x = randn([5, 2, 3], { backend });
      expect(() => lstm.forward(x, zeros([2, 2, 4], { backend }) as never)).toThrow(ValueError);
      expect(() => lstm.forward(x, zeros([2, 2, 4], { backend }) as never)).toThrow('pass { h0, c0 }');
    });

    it('rejects invalid lengths', () => {
      const x = randn([5, 2, 3], { backend });
      expect(() => lstm.forward(x, undefined, { lengths: [5] })).toThrow(ShapeError);
      expect(() => lstm.forward(x, undefined, { lengths: [6, 1] })).toThrow('LSTM: lengths[0] is 6, greater than seqLen 5');
      expect(() => lstm.forward(x, undefined, { lengths: [1.5, 1] })).toThrow(ValueError);
    });

    it('rejects invalid options, projSize included', () => {
      expect(() => new LSTM({ inputSize: 0, hiddenSize: 4, backend })).toThrow('LSTM: inputSize must be a positive integer, got 0');
      expect(() => new LSTM({ inputSize: 3, hiddenSize: 4, dropout: 1, backend })).toThrow(ValueError);
      expect(() => new LSTM({ inputSize: 3, hiddenSize: 4, projSize: 2, backend })).toThrow('LSTM: projSize (PyTorch proj_size) is not supported; expected 0 or undefined, got 2');
      expect(() => new LSTM({ inputSize: 3, hiddenSize: 4, projSize: 0, backend })).not.toThrow();
    });
  });
});

describe('LSTMCell', () => {
  it('steps like a one-step LSTM with the same weights', () => {
    manualSeed(11);
    const cell = new LSTMCell({ inputSize: 3, hiddenSize: 4, backend });
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, backend });
    const p = cell.stateDict();
    lstm.loadStateDict({ weight_ih_l0: p.weight_ih, weight_hh_l0: p.weight_hh, bias_ih_l0: p.bias_ih, bias_hh_l0: p.bias_hh });
    const x = randn([2, 3], { backend });
    const h = randn([2, 4], { backend });
    const c = randn([2, 4], { backend });
    const step = cell.forward(x, { h, c });
    const seq = lstm.forward(x.reshape([1, 2, 3]), { h0: h.reshape([1, 2, 4]), c0: c.reshape([1, 2, 4]) });
    assertClose(step.h.dataSync(), seq.hN.dataSync(), TOLERANCE.exact, 'h');
    assertClose(step.c.dataSync(), seq.cN.dataSync(), TOLERANCE.exact, 'c');
  });

  it('rejects wrong shapes and a state that is not { h, c }', () => {
    const cell = new LSTMCell({ inputSize: 3, hiddenSize: 4, backend });
    expect(() => cell.forward(randn([2, 5], { backend }))).toThrow('LSTMCell: input must be [batch, 3] or unbatched [3], got [2, 5]');
    expect(() => cell.forward(randn([2, 3], { backend }), { h: zeros([2, 4], { backend }), c: zeros([3, 4], { backend }) })).toThrow(ShapeError);
    expect(() => cell.forward(randn([2, 3], { backend }), zeros([2, 4], { backend }) as never)).toThrow(ValueError);
    expect(() => new LSTMCell({ inputSize: 3, hiddenSize: -1, backend })).toThrow('LSTMCell: hiddenSize must be a positive integer, got -1');
  });

  it('accepts unbatched input and returns an unbatched state', () => {
    const cell = new LSTMCell({ inputSize: 3, hiddenSize: 4, backend });
    const { h, c } = cell.forward(tensor([0.1, -0.2, 0.3], [3], { backend }));
    expect(h.shape).toEqual([4]);
    expect(c.shape).toEqual([4]);
  });
});
