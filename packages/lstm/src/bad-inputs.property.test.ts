import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import { Generator, OptionsError, ShapeError, ValueError, randn } from '@gated/core';
import { RejectionCounter } from '@gated/core/testing';
import { LSTM, LSTMCell } from './index';

// Generated bad inputs to LSTM and LSTMCell: wrong ranks and shapes, states in the wrong shape or in
// an undocumented form ({ h, c } for the LSTM, a lone tensor, tuples of other lengths), bad lengths,
// unknown or mistyped options. Each must end in a typed error (class asserted) naming what it got.
const backend = new CpuBackend();
const RUNS = (numRuns: number) => ({ numRuns, seed: 20261203 });
const rejections = new RejectionCounter();
const I = 3;
const H = 4;

const show = (shape: readonly number[]) => `[${shape.join(', ')}]`;
const tensorOf = (shape: readonly number[]) => randn([...shape], { backend, generator: new Generator(5) });
const dims = (min: number, max: number) => fc.array(fc.integer({ min: 1, max: 4 }), { minLength: min, maxLength: max });
const config = fc.record({ numLayers: fc.integer({ min: 1, max: 2 }), bidirectional: fc.boolean(), batchFirst: fc.boolean() });
const lstmOf = (c: { numLayers: number; bidirectional: boolean; batchFirst: boolean }) => new LSTM({ inputSize: I, hiddenSize: H, backend, generator: new Generator(1), ...c });
const LSTM_KEYS = ['inputSize', 'hiddenSize', 'numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional', 'generator', 'backend', 'projSize'];

describe('bad inputs to LSTM and LSTMCell end in typed errors (property-based)', () => {
  it('LSTM: an input of the wrong rank or feature size is a ShapeError naming its shape', () => {
    fc.assert(
      fc.property(config, dims(0, 5).filter((s) => !((s.length === 2 || s.length === 3) && s[s.length - 1] === I)), (c, shape) => {
        rejections.expect(() => lstmOf(c).forward(tensorOf(shape)), ShapeError, [show(shape), `${I}]`], shape);
      }),
      RUNS(100),
    );
  });

  it('LSTM: h0 or c0 of the wrong shape is a ShapeError naming both shapes, in either state form', () => {
    fc.assert(
      fc.property(config, fc.integer({ min: 1, max: 3 }), dims(1, 4), fc.constantFrom('h0', 'c0'), fc.boolean(), (c, B, badShape, which, tuple) => {
        const expected = [c.numLayers * (c.bidirectional ? 2 : 1), B, H];
        fc.pre(show(badShape) !== show(expected));
        const good = tensorOf(expected);
        const bad = tensorOf(badShape);
        const [h0, c0] = which === 'h0' ? [bad, good] : [good, bad];
        const state = tuple ? ([h0, c0] as const) : { h0, c0 };
        rejections.expect(() => lstmOf(c).forward(tensorOf(c.batchFirst ? [B, 2, I] : [2, B, I]), state), ShapeError, [`${which} must be ${show(expected)}`, `got ${show(badShape)}`], badShape);
      }),
      RUNS(150),
    );
  });

  it('LSTM and LSTMCell: a state in an undocumented form is an error naming what it got, never a zero state', () => {
    const forms = (names: readonly [string, string]) =>
      fc.oneof(
        fc.constant('tensor' as const).map(() => ({ state: tensorOf([1, 2, H]) as unknown, mention: 'got a Tensor' })),
        fc.integer({ min: 0, max: 4 }).filter((n) => n !== 2).map((n) => ({ state: Array.from({ length: n }, () => tensorOf([1, 2, H])) as unknown, mention: `got an array of ${n}` })),
        fc.constantFrom('h', 'c', 'hx', 'cx', 'hidden', 'state', 'h_0', 'c_n', 'hN').filter((k) => !names.includes(k)).map((k) => ({ state: { [k]: tensorOf([1, 2, H]) } as unknown, mention: `unknown option '${k}'` })),
        fc.oneof(fc.double(), fc.string({ maxLength: 3 }), fc.boolean()).map((v) => ({ state: v as unknown, mention: `state must be { ${names[0]}, ${names[1]} }` })),
        fc.oneof(fc.double(), fc.string({ maxLength: 3 }), fc.constant([1, 2])).map((v) => ({ state: { [names[0]]: v } as unknown, mention: `option '${names[0]}' must be a Tensor` })),
      );
    const lstm = lstmOf({ numLayers: 1, bidirectional: false, batchFirst: false });
    const cell = new LSTMCell({ inputSize: I, hiddenSize: H, backend, generator: new Generator(2) });
    fc.assert(
      fc.property(fc.boolean().chain((isCell) => fc.tuple(fc.constant(isCell), forms(isCell ? ['h', 'c'] : ['h0', 'c0']))), ([isCell, { state, mention }]) => {
        const call = isCell ? () => cell.forward(tensorOf([2, I]), state as never) : () => lstm.forward(tensorOf([3, 2, I]), state as never);
        rejections.expect(call, ValueError, [isCell ? 'LSTMCell.forward(x, state)' : 'LSTM.forward(input, state, options)', mention], state);
      }),
      RUNS(250),
    );
  });

  it('LSTM: bad lengths and unknown forward options are typed errors naming them', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 5 }).filter((l) => l.length !== 2).map((l) => ({ options: { lengths: l } as object, error: ShapeError, mention: `got ${l.length}` })),
          fc.oneof(fc.integer({ min: 4, max: 40 }), fc.integer({ min: -40, max: -1 }), fc.double({ min: 0.1, max: 2.9, noInteger: true }), fc.constant(Number.NaN)).map((v) => ({ options: { lengths: [3, v] } as object, error: ValueError, mention: 'lengths[1]' })),
          fc.constantFrom('length', 'seq_lengths', 'lens', 'mask', 'lengths_').map((k) => ({ options: { [k]: [3, 3] } as object, error: OptionsError, mention: `unknown option '${k}'` })),
        ),
        ({ options, error, mention }) => {
          rejections.expect(() => lstmOf({ numLayers: 1, bidirectional: true, batchFirst: false }).forward(tensorOf([3, 2, I]), null, options), error, [mention], options);
        },
      ),
      RUNS(150),
    );
  });

  it('LSTM and LSTMCell: unknown, mistyped and refused options are typed errors naming the option', () => {
    const bad = fc.oneof(
      fc.oneof(fc.constantFrom('batch_first', 'num_layers', 'hidden_size', 'bias_ih', 'dropout_p'), fc.string({ minLength: 1, maxLength: 8 })).filter((k) => !LSTM_KEYS.includes(k) && k !== '__proto__' && k !== 'proj_size').map((k) => ({ options: { [k]: 1 }, error: OptionsError, mention: `unknown option '${k}'` })),
      fc.tuple(fc.constantFrom('batchFirst', 'bidirectional', 'bias'), fc.oneof(fc.string({ maxLength: 3 }), fc.integer())).map(([k, v]) => ({ options: { [k]: v }, error: OptionsError, mention: `option '${k}' must be a boolean` })),
      fc.integer({ min: 1, max: 8 }).map((v) => ({ options: { projSize: v }, error: ValueError, mention: `projSize (PyTorch proj_size) is not supported; expected 0 or undefined, got ${v}` })),
      fc.integer({ min: 1, max: 8 }).map((v) => ({ options: { proj_size: v }, error: ValueError, mention: `projSize (PyTorch proj_size) is not supported; expected 0 or undefined, got ${v}` })),
    );
    fc.assert(
      fc.property(bad, (b) => {
        rejections.expect(() => new LSTM({ inputSize: I, hiddenSize: H, backend, ...b.options } as never), b.error, ['LSTM', b.mention], b.options);
      }),
      RUNS(150),
    );
  });

  it('counts at least 600 rejected bad inputs in this run (core and gru count 1,000 or more each)', () => {
    console.log(`lstm bad inputs rejected: ${rejections.count} (${[...rejections.byClass].map(([k, v]) => `${k} ${v}`).join(', ')})`);
    expect(rejections.count).toBeGreaterThanOrEqual(600);
  });
});
