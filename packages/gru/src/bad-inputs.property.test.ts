import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import { Generator, OptionsError, ShapeError, StateDictError, ValueError, randn, type Tensor } from '@gated/core';
import { RejectionCounter } from '@gated/core/testing';
import { AttentionPooling, GRU, GRUCell, loadKerasGruWeights } from './index';

// Generated bad inputs to GRU, GRUCell, AttentionPooling and the Keras loader: wrong ranks and
// shapes, states in the wrong shape or form, bad lengths, unknown or mistyped options, non-finite
// weights. Each must end in a typed error (its class asserted) whose message names what it got and
// what it expected; the last test asserts how many were rejected.
const backend = new CpuBackend();
const RUNS = (numRuns: number) => ({ numRuns, seed: 20261203 });
const rejections = new RejectionCounter();
const I = 3;
const H = 4;

const show = (shape: readonly number[]) => `[${shape.join(', ')}]`;
const same = (a: readonly number[], b: readonly number[]) => show(a) === show(b);
const tensorOf = (shape: readonly number[]) => randn([...shape], { backend, generator: new Generator(7) });
const dims = (min: number, max: number) => fc.array(fc.integer({ min: 1, max: 4 }), { minLength: min, maxLength: max });
const config = fc.record({ numLayers: fc.integer({ min: 1, max: 2 }), bidirectional: fc.boolean(), batchFirst: fc.boolean() });
const gruOf = (c: { numLayers: number; bidirectional: boolean; batchFirst: boolean }) => new GRU({ inputSize: I, hiddenSize: H, backend, generator: new Generator(1), ...c });
const notATensor = fc.oneof(fc.double(), fc.string({ maxLength: 4 }), fc.array(fc.double(), { maxLength: 3 }), fc.constant({ h: 1 }), fc.constant({ lengths: [1] }));
const unknownKey = (known: readonly string[]) =>
  fc.oneof(fc.constantFrom('batch_first', 'num_layers', 'hidden_size', 'input_size', 'proj_size', 'length', 'reset_after', 'dropout_p'), fc.string({ minLength: 1, maxLength: 10 })).filter((k) => !known.includes(k) && k !== '__proto__');
const GRU_KEYS = ['inputSize', 'hiddenSize', 'numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional', 'generator', 'backend', 'resetAfter'];
const CELL_KEYS = ['inputSize', 'hiddenSize', 'bias', 'generator', 'backend', 'resetAfter'];
const POOL_KEYS = ['inputSize', 'mode', 'attentionSize', 'hops', 'batchFirst', 'generator', 'backend'];

describe('bad inputs to GRU, GRUCell, AttentionPooling and the Keras loader end in typed errors (property-based)', () => {
  it('GRU: an input of the wrong rank or feature size is a ShapeError naming its shape and inputSize', () => {
    fc.assert(
      fc.property(config, dims(0, 5).filter((s) => !((s.length === 2 || s.length === 3) && s[s.length - 1] === I)), (c, shape) => {
        rejections.expect(() => gruOf(c).forward(tensorOf(shape)), ShapeError, [show(shape), `${I}]`], shape);
      }),
      RUNS(150),
    );
  });

  it('GRU: h0 of the wrong shape is a ShapeError naming both shapes; anything but a Tensor is a ValueError', () => {
    fc.assert(
      fc.property(config, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), dims(1, 4), (c, B, T, h0Shape) => {
        const gru = gruOf(c);
        const expected = [c.numLayers * (c.bidirectional ? 2 : 1), B, H];
        fc.pre(!same(h0Shape, expected));
        const x = tensorOf(c.batchFirst ? [B, T, I] : [T, B, I]);
        rejections.expect(() => gru.forward(x, tensorOf(h0Shape)), ShapeError, [`h0 must be ${show(expected)}`, `got ${show(h0Shape)}`], h0Shape);
      }),
      RUNS(150),
    );
    fc.assert(
      fc.property(config, notATensor, (c, h0) => {
        rejections.expect(() => gruOf(c).forward(tensorOf([2, 2, I]), h0 as never), ValueError, ['h0 must be a Tensor', 'got '], h0);
      }),
      RUNS(80),
    );
  });

  it('GRU and AttentionPooling: lengths of the wrong count or value are typed errors naming the entry', () => {
    const badLengths = (B: number, T: number) =>
      fc.oneof(
        fc.array(fc.integer({ min: 0, max: T }), { minLength: 0, maxLength: 5 }).filter((l) => l.length !== B).map((l) => ({ lengths: l, error: ShapeError, mention: `got ${l.length}` })),
        fc.tuple(fc.oneof(fc.integer({ min: T + 1, max: 50 }), fc.integer({ min: -50, max: -1 }), fc.double({ min: 0.1, max: T - 0.1, noInteger: true }), fc.constantFrom(Number.NaN, Infinity)), fc.nat({ max: B - 1 })).map(([v, at]) => {
          const lengths = new Array<number>(B).fill(T);
          lengths[at] = v;
          return { lengths, error: ValueError, mention: `lengths[${at}]` };
        }),
      );
    fc.assert(
      fc.property(
        fc.tuple(config, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.boolean()).chain((t) => fc.tuple(fc.constant(t), badLengths(t[1], t[2]))),
        ([[c, B, T, pool], bad]) => {
          const x = tensorOf(c.batchFirst ? [B, T, I] : [T, B, I]);
          const call = pool
            ? () => new AttentionPooling({ inputSize: I, batchFirst: c.batchFirst, backend }).forward(x, { lengths: bad.lengths })
            : () => gruOf(c).forward(x, null, { lengths: bad.lengths });
          rejections.expect(call, bad.error, [bad.mention], bad.lengths);
        },
      ),
      RUNS(200),
    );
  });

  it('GRU, GRUCell and AttentionPooling: unknown option keys are OptionsErrors naming the key', () => {
    const builders = [
      ['GRU', GRU_KEYS, (o: object) => new GRU({ inputSize: I, hiddenSize: H, backend, ...o })],
      ['GRUCell', CELL_KEYS, (o: object) => new GRUCell({ inputSize: I, hiddenSize: H, backend, ...o })],
      ['AttentionPooling', POOL_KEYS, (o: object) => new AttentionPooling({ inputSize: I, batchFirst: true, backend, ...o })],
      ['GRU.forward', ['lengths'], (o: object) => gruOf({ numLayers: 1, bidirectional: false, batchFirst: false }).forward(tensorOf([2, 1, I]), null, o)],
      ['AttentionPooling.forward', ['lengths'], (o: object) => new AttentionPooling({ inputSize: I, batchFirst: true, backend }).forward(tensorOf([1, 2, I]), o)],
    ] as const;
    fc.assert(
      fc.property(fc.constantFrom(...builders).chain((b) => fc.tuple(fc.constant(b), unknownKey(b[1]))), ([[name, , build], key]) => {
        rejections.expect(() => build({ [key]: 1 }), OptionsError, [name, `unknown option '${key}'`], key);
      }),
      RUNS(200),
    );
  });

  it('GRU, GRUCell and AttentionPooling: mistyped and out-of-range options are typed errors naming the option', () => {
    const bad = fc.oneof(
      fc.tuple(fc.constantFrom('inputSize', 'hiddenSize', 'numLayers'), fc.oneof(fc.integer({ min: -5, max: 0 }), fc.double({ min: 0.1, max: 9.9, noInteger: true }), fc.constantFrom(Number.NaN, Infinity))).map(([k, v]) => ({ options: { [k]: v }, error: ValueError, mention: `${k} must be a positive integer` })),
      fc.tuple(fc.constantFrom('batchFirst', 'bidirectional', 'bias'), fc.oneof(fc.string({ maxLength: 3 }), fc.integer())).map(([k, v]) => ({ options: { [k]: v }, error: OptionsError, mention: `option '${k}' must be a boolean` })),
      fc.oneof(fc.double({ min: 1, max: 5 }), fc.double({ max: -0.001, noNaN: true }), fc.constantFrom(Number.NaN, Infinity)).map((v) => ({ options: { dropout: v }, error: ValueError, mention: 'dropout must be a finite number in [0, 1)' })),
    );
    fc.assert(
      fc.property(bad, fc.boolean(), (b, cell) => {
        fc.pre(!cell || !('numLayers' in b.options || 'bidirectional' in b.options || 'dropout' in b.options || 'batchFirst' in b.options));
        const build = cell ? () => new GRUCell({ inputSize: I, hiddenSize: H, backend, ...b.options } as never) : () => new GRU({ inputSize: I, hiddenSize: H, backend, ...b.options } as never);
        rejections.expect(build, b.error, [cell ? 'GRUCell' : 'GRU', b.mention], b.options);
      }),
      RUNS(150),
    );
    fc.assert(
      fc.property(fc.constantFrom<unknown>(undefined, 'yes', 1, null), (batchFirst) => {
        rejections.expect(() => new AttentionPooling({ inputSize: I, backend, batchFirst } as never), OptionsError, ['batchFirst'], batchFirst);
      }),
      RUNS(20),
    );
  });

  it('GRUCell: inputs and states of the wrong shape or kind are typed errors naming them', () => {
    const cell = new GRUCell({ inputSize: I, hiddenSize: H, backend, generator: new Generator(2) });
    fc.assert(
      fc.property(dims(0, 3).filter((s) => !((s.length === 1 || s.length === 2) && s[s.length - 1] === I)), (shape) => {
        rejections.expect(() => cell.forward(tensorOf(shape)), ShapeError, [show(shape), `${I}]`], shape);
      }),
      RUNS(60),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.oneof(dims(1, 3).map((s) => tensorOf(s) as unknown), notATensor), (B, h) => {
        const expected = [B, H];
        fc.pre(!(h && typeof h === 'object' && 'shape' in (h as Tensor) && same((h as Tensor).shape, expected)));
        const isShapeCase = h !== null && typeof h === 'object' && 'shape' in (h as object) && Array.isArray((h as Tensor).shape) && typeof (h as Tensor).dataSync === 'function';
        rejections.expect(() => cell.forward(tensorOf([B, I]), h as never), isShapeCase ? ShapeError : ValueError, [`h must be`, show(expected)], h);
      }),
      RUNS(100),
    );
  });

  it('AttentionPooling: inputs of the wrong rank or feature size are ShapeErrors naming the shape', () => {
    const pool = new AttentionPooling({ inputSize: I, batchFirst: false, backend, generator: new Generator(3) });
    fc.assert(
      fc.property(dims(0, 5).filter((s) => !(s.length === 3 && s[2] === I)), (shape) => {
        rejections.expect(() => pool.forward(tensorOf(shape)), ShapeError, [show(shape), `[seqLen, batch, ${I}]`], shape);
      }),
      RUNS(60),
    );
  });

  it('loadKerasGruWeights: bad arrays are typed errors, and the GRU is left unchanged', () => {
    const gru = new GRU({ inputSize: I, hiddenSize: H, backend, generator: new Generator(4) });
    const snapshot = () => Object.values(gru.stateDict()).map((t) => Array.from(t.dataSync()));
    const before = snapshot();
    const good = () => ({
      kernel: { shape: [I, 3 * H], data: new Array(I * 3 * H).fill(0.1) },
      recurrentKernel: { shape: [H, 3 * H], data: new Array(H * 3 * H).fill(0.2) },
      bias: { shape: [2, 3 * H], data: new Array(6 * H).fill(0.3) },
    });
    const corruption = fc.oneof(
      fc.tuple(fc.constantFrom('kernel', 'recurrentKernel', 'bias'), fc.integer({ min: 0, max: 40 })).map(([name, n]) => ({ name, kind: 'length' as const, n })),
      fc.tuple(fc.constantFrom('kernel', 'recurrentKernel', 'bias'), fc.constantFrom(Number.NaN, Infinity, -Infinity), fc.nat({ max: 11 })).map(([name, v, at]) => ({ name, kind: 'finite' as const, v, at })),
      fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 })).filter(([a]) => a !== I).map(([a]) => ({ name: 'kernel', kind: 'shape' as const, a })),
    );
    fc.assert(
      fc.property(corruption, (c) => {
        const weights = good() as Record<string, { shape: number[]; data: number[] }>;
        const target = weights[c.name];
        let error: typeof ShapeError | typeof ValueError | typeof StateDictError = ValueError;
        let mention = '';
        if (c.kind === 'length') {
          fc.pre(c.n !== target.data.length);
          target.data = target.data.slice(0, c.n).concat(new Array(Math.max(0, c.n - target.data.length)).fill(0));
          error = ShapeError;
          mention = `needs ${target.shape.reduce((a, b) => a * b, 1)} values, got ${c.n}`;
        } else if (c.kind === 'finite') {
          target.data[c.at] = c.v;
          mention = `${c.name} holds ${c.v} at position ${c.at}`;
        } else {
          weights.kernel = { shape: [c.a, 3 * H], data: new Array(c.a * 3 * H).fill(0) };
          error = StateDictError;
          mention = `weight_ih_l0: expected [${3 * H}, ${I}], got [${3 * H}, ${c.a}]`;
        }
        rejections.expect(() => loadKerasGruWeights(gru, weights as never), error, [mention], c);
        expect(snapshot()).toEqual(before);
      }),
      RUNS(150),
    );
  });

  it('counts at least 1,000 rejected bad inputs in this run', () => {
    console.log(`gru bad inputs rejected: ${rejections.count} (${[...rejections.byClass].map(([k, v]) => `${k} ${v}`).join(', ')})`);
    expect(rejections.count).toBeGreaterThanOrEqual(1000);
  });
});
