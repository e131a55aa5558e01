import { describe, expect, it } from 'vitest';
import {
  GRU_CELL,
  GRU_RESET_BEFORE_CELL,
  LSTM_CELL,
  Generator,
  ShapeError,
  ValueError,
  concat,
  mul,
  randn,
  recurrentLayer,
  reshape,
  slice,
  sum,
  add,
  type RecurrentCell,
  type Tensor,
} from '@gated/core';
import { TOLERANCE, assertClose, gradcheck } from '@gated/core/testing';
import { CpuBackend } from '@gated/backend-cpu';
import { GRU, GRUCell } from './index';

const backend = new CpuBackend();
const rand = (shape: number[], seed: number, requiresGrad = false) => randn(shape, { backend, generator: new Generator(seed), requiresGrad });
const make = (options: Partial<ConstructorParameters<typeof GRU>[0]> = {}, seed = 1) =>
  new GRU({ inputSize: 3, hiddenSize: 4, backend, generator: new Generator(seed), ...options });
const weighted = (t: Tensor, seed: number) => sum(mul(t, rand([...t.shape], seed)));

describe('GRU shapes (nn.GRU rules)', () => {
  it('seq-first, batch-first, unbatched, bidirectional and multi-layer', () => {
    const cases: [Partial<ConstructorParameters<typeof GRU>[0]>, number[], number[], number[]][] = [
      [{}, [5, 2, 3], [5, 2, 4], [1, 2, 4]],
      [{ batchFirst: true }, [2, 5, 3], [2, 5, 4], [1, 2, 4]],
      [{ bidirectional: true, numLayers: 3 }, [5, 2, 3], [5, 2, 8], [6, 2, 4]],
      [{ bidirectional: true, batchFirst: true }, [2, 5, 3], [2, 5, 8], [2, 2, 4]],
      [{ numLayers: 2, batchFirst: true }, [5, 3], [5, 4], [2, 4]],
    ];
    for (const [options, input, output, hN] of cases) {
      const result = make(options).forward(rand(input, 2));
      expect([...result.output.shape]).toEqual(output);
      expect([...result.hN.shape]).toEqual(hN);
    }
  });

  it('names parameters as PyTorch, initialised in U(−1/√H, 1/√H)', () => {
    const gru = make({ numLayers: 2, bidirectional: true, hiddenSize: 16 });
    const names = Object.keys(gru.stateDict());
    expect(names.slice(0, 8)).toEqual([
      'weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0',
      'weight_ih_l0_reverse', 'weight_hh_l0_reverse', 'bias_ih_l0_reverse', 'bias_hh_l0_reverse',
    ]);
    expect([...gru.stateDict().weight_ih_l1.shape]).toEqual([48, 32]);
    for (const p of gru.parameters()) for (const v of p.dataSync()) expect(Math.abs(v)).toBeLessThanOrEqual(0.25);
    expect(Object.keys(make({ bias: false }).stateDict())).toEqual(['weight_ih_l0', 'weight_hh_l0']);
    // The same seed gives the same weights.
    expect(make({}, 7).stateDict().weight_hh_l0.dataSync()).toEqual(make({}, 7).stateDict().weight_hh_l0.dataSync());
  });
});

describe('GRU errors say what was expected and what came', () => {
  it('wrong input shapes', () => {
    const gru = new GRU({ inputSize: 8, hiddenSize: 4, backend });
    expect(() => gru.forward(rand([5, 3, 6], 1))).toThrow(new ShapeError('GRU: input must be [seqLen, batch, 8] (batchFirst=false), got [5, 3, 6]'));
    expect(() => gru.forward(rand([5, 6], 1))).toThrow('GRU: unbatched input must be [seqLen, 8], got [5, 6]');
    expect(() => gru.forward(rand([8], 1))).toThrow(/input must be \[seqLen, batch, 8\] \(batchFirst=false\) or unbatched \[seqLen, 8\], got \[8\]/);
    const bf = new GRU({ inputSize: 8, hiddenSize: 4, batchFirst: true, backend });
    expect(() => bf.forward(rand([2, 5, 7], 1))).toThrow('GRU: input must be [batch, seqLen, 8] (batchFirst=true), got [2, 5, 7]');
  });

  it('h0 of the wrong shape (never batch-first)', () => {
    const gru = make({ numLayers: 2, batchFirst: true });
    expect(() => gru.forward(rand([3, 5, 3], 1), rand([3, 2, 4], 2))).toThrow(
      'GRU: h0 must be [2, 3, 4] ([numLayers·numDirections, batch, hiddenSize]; never batch-first), got [3, 2, 4]',
    );
    expect(() => gru.forward(rand([5, 3], 1), rand([2, 1, 4], 2))).toThrow(/h0 must be \[2, 4\]/);
  });

  it('invalid lengths', () => {
    const gru = make();
    const x = rand([5, 2, 3], 1);
    expect(() => gru.forward(x, null, { lengths: [5] })).toThrow(new ShapeError('GRU: lengths must have one entry per sequence (2), got 1'));
    expect(() => gru.forward(x, null, { lengths: [6, 1] })).toThrow(new ValueError('GRU: lengths[0] is 6, greater than seqLen 5'));
    expect(() => gru.forward(x, null, { lengths: [2, -1] })).toThrow('GRU: lengths[1] must be a non-negative integer, got -1');
    expect(() => gru.forward(x, null, { lengths: [2.5, 1] })).toThrow('GRU: lengths[0] must be a non-negative integer, got 2.5');
    expect(() => gru.forward(x, null, { lengths: [Number.NaN, 1] })).toThrow(ValueError);
  });

  it('non-finite or invalid configuration', () => {
    expect(() => make({ inputSize: Number.NaN })).toThrow(new ValueError('GRU: inputSize must be a positive integer, got NaN'));
    expect(() => make({ hiddenSize: 0 })).toThrow('GRU: hiddenSize must be a positive integer, got 0');
    expect(() => make({ numLayers: Infinity })).toThrow('GRU: numLayers must be a positive integer, got Infinity');
    expect(() => make({ dropout: Infinity })).toThrow('GRU: dropout must be a finite number in [0, 1), got Infinity');
    expect(() => make({ dropout: 1 })).toThrow(ValueError);
    expect(() => make({ resetAfter: 'no' as unknown as boolean })).toThrow('GRU: resetAfter must be a boolean, got no');
    expect(() => make({ bidirectional: 1 as unknown as boolean })).toThrow("new GRU(options): option 'bidirectional' must be a boolean, got 1 (a number)");
  });

  it('GRUCell shapes and errors', () => {
    const cell = new GRUCell({ inputSize: 3, hiddenSize: 4, backend, generator: new Generator(1) });
    expect([...cell.forward(rand([2, 3], 1)).shape]).toEqual([2, 4]);
    expect([...cell.forward(rand([3], 1)).shape]).toEqual([4]);
    expect(() => cell.forward(rand([2, 5], 1))).toThrow(new ShapeError('GRUCell: input must be [batch, 3] or unbatched [3], got [2, 5]'));
    expect(() => cell.forward(rand([2, 3], 1), rand([3, 4], 2))).toThrow('GRUCell: h must be [2, 4] for input [2, 3], got [3, 4]');
    expect(() => new GRUCell({ inputSize: -1, hiddenSize: 4, backend })).toThrow('GRUCell: inputSize must be a positive integer, got -1');
  });
});

describe('variable lengths without packing', () => {
  for (const bidirectional of [false, true]) {
    it(`equals running each sequence alone (bidirectional=${bidirectional})`, () => {
      const gru = make({ bidirectional, numLayers: 2 });
      const lengths = [3, 5, 1, 4, 0];
      const T = 5;
      const x = rand([T, 5, 3], 3, true);
      const LD = bidirectional ? 4 : 2;
      const h0 = rand([LD, 5, 4], 4);
      const { output, hN } = gru.forward(x, h0, { lengths });
      const out = output.dataSync();
      const D = bidirectional ? 8 : 4;
      lengths.forEach((len, b) => {
        // Steps at and after the length are exactly zero.
        for (let t = len; t < T; t++) for (let j = 0; j < D; j++) expect(out[(t * 5 + b) * D + j]).toBe(0);
        const hb = slice(h0, [0, b, 0], [LD, 1, 4]);
        if (len === 0) {
          assertClose(slice(hN, [0, b, 0], [LD, 1, 4]).dataSync(), hb.dataSync(), TOLERANCE.exact, 'length 0 keeps h0');
          return;
        }
        const alone = gru.forward(slice(x, [0, b, 0], [len, 1, 3]), hb);
        assertClose(slice(output, [0, b, 0], [len, 1, D]).dataSync(), alone.output.dataSync(), TOLERANCE.accumulation, `output ${b}`);
        assertClose(slice(hN, [0, b, 0], [LD, 1, 4]).dataSync(), alone.hN.dataSync(), TOLERANCE.accumulation, `hN ${b}`);
      });
      // Padded input steps get exactly zero gradient.
      add(weighted(output, 5), weighted(hN, 6)).backward();
      const dx = x.grad!.dataSync();
      lengths.forEach((len, b) => {
        for (let t = len; t < T; t++) for (let i = 0; i < 3; i++) expect(dx[(t * 5 + b) * 3 + i]).toBe(0);
      });
    });
  }
});

describe('streaming and truncated BPTT', () => {
  it('passing hN back as h0 continues a sequence exactly', () => {
    const gru = make({ numLayers: 2, bidirectional: false });
    const x = rand([7, 2, 3], 8);
    const full = gru.forward(x);
    const first = gru.forward(slice(x, [0, 0, 0], [3, 2, 3]));
    const second = gru.forward(slice(x, [3, 0, 0], [4, 2, 3]), first.hN);
    assertClose(concat([first.output, second.output], 0).dataSync(), full.output.dataSync(), TOLERANCE.exact, 'output');
    assertClose(second.hN.dataSync(), full.hN.dataSync(), TOLERANCE.exact, 'hN');
  });

  it('detach cuts the graph between chunks', () => {
    const gru = make();
    const x1 = rand([3, 2, 3], 9, true);
    const x2 = rand([3, 2, 3], 10, true);
    const first = gru.forward(x1);
    const second = gru.forward(x2, first.hN.detach());
    weighted(second.output, 11).backward();
    expect(x1.grad).toBeNull();
    expect(x2.grad).not.toBeNull();
    // The parameters' gradient is that of the second chunk alone.
    const alone = make();
    weighted(alone.forward(x2.detach(), first.hN.detach()).output, 11).backward();
    assertClose(gru.stateDict().weight_hh_l0.grad!.dataSync(), alone.stateDict().weight_hh_l0.grad!.dataSync(), TOLERANCE.exact, 'dW_hh');
  });

  it('a 1000-step sequence runs forward and backward (one node per layer, no deep graph)', () => {
    const gru = make({ hiddenSize: 8 });
    const x = rand([1000, 2, 3], 12, true);
    weighted(gru.forward(x).output, 13).backward();
    expect(Number.isFinite(x.grad!.dataSync()[0])).toBe(true);
  });
});

describe('dropout between layers', () => {
  it('applies in training only and never after the last layer', () => {
    const x = rand([4, 2, 3], 14);
    const withDropout = make({ numLayers: 2, dropout: 0.5 }, 3);
    const plain = make({ numLayers: 2 }, 3);
    const eval_ = withDropout.eval().forward(x).output.dataSync();
    assertClose(eval_, plain.forward(x).output.dataSync(), TOLERANCE.exact, 'eval mode');
    expect(withDropout.train().forward(x).output.dataSync()).not.toEqual(eval_);
    const single = make({ dropout: 0.5 }, 3);
    assertClose(single.train().forward(x).output.dataSync(), make({}, 3).forward(x).output.dataSync(), TOLERANCE.exact, 'one layer');
  });
});

describe('fast path equals the op-by-op composition', () => {
  for (const resetAfter of [true, false]) {
    it(`2 layers, bidirectional, lengths, h0 (resetAfter=${resetAfter})`, () => {
      const run = (useReference: boolean) => {
        const gru = make({ numLayers: 2, bidirectional: true, batchFirst: true, resetAfter }, 21);
        gru.useReference = useReference;
        const x = rand([4, 6, 3], 22, true);
        const h0 = rand([4, 4, 4], 23, true);
        const { output, hN } = gru.forward(x, h0, { lengths: [6, 2, 0, 5] });
        add(weighted(output, 24), weighted(hN, 25)).backward();
        return [output, hN, x.grad!, h0.grad!, ...gru.parameters().map((p) => p.grad!)].map((t) => t.dataSync());
      };
      const fast = run(false);
      const reference = run(true);
      fast.forEach((values, i) => assertClose(values, reference[i], TOLERANCE.accumulation, `tensor ${i}`));
    });
  }
});

describe('gradcheck of the single BPTT node', () => {
  const cases: [string, RecurrentCell, boolean][] = [
    ['GRU (reset after)', GRU_CELL, false],
    ['GRU (reset before)', GRU_RESET_BEFORE_CELL, false],
    ['GRU with lengths mask', GRU_CELL, true],
    ['LSTM', LSTM_CELL, true],
  ];
  for (const [label, cell, masked] of cases) {
    it(label, () => {
      const T = 4;
      const B = 3;
      const H = 2;
      const G = cell.gateCount;
      const mask = masked ? Float32Array.from({ length: T * B }, (_, i) => (Math.floor(i / B) < [4, 2, 0][i % B] ? 1 : 0)) : null;
      const fn = (gx: Tensor, h0: Tensor, w: Tensor, b: Tensor, c0: Tensor) => {
        const r = recurrentLayer(cell, { gx, h0, c0: cell.hasCellState ? c0 : null, weightHh: w, biasHh: b, mask });
        const parts = [reshape(r.output, [T * B * H]), reshape(r.h, [B * H])];
        if (r.c !== null) parts.push(reshape(r.c, [B * H]));
        return concat(parts, 0);
      };
      const inputs = [rand([T, B, G * H], 31), rand([B, H], 32), rand([G * H, H], 33), rand([G * H], 34), rand([B, H], 35)];
      const result = gradcheck(fn, inputs, { label, checkInputs: cell.hasCellState ? [0, 1, 2, 3, 4] : [0, 1, 2, 3] });
      expect(result.checked).toBeGreaterThan(0);
    });
  }
});
