import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import {
  Adam,
  AdamW,
  CosineAnnealingLR,
  Dropout,
  Embedding,
  GELU,
  Generator,
  LayerNorm,
  Linear,
  OptionsError,
  ReLU,
  SGD,
  Sequential,
  Sigmoid,
  Tanh,
  SerializationError,
  ShapeError,
  StateDictError,
  StepLR,
  ValueError,
  binaryCrossEntropyWithLogits,
  clipGradNorm,
  crossEntropy,
  l1Loss,
  loadSafetensors,
  mseLoss,
  nllLoss,
  randn,
  saveSafetensors,
  stateDictFromJSON,
  stateDictToJSON,
  tensor,
  zeros,
  type Tensor,
} from './index';
import { formatShape as formatShapeForTests } from './errors';
import { RejectionCounter } from './testing';

// Property tests on the public API with generated bad inputs: wrong shapes and ranks, unknown and
// mistyped options, non-finite and out-of-range values, malformed files. Each one must end in a typed
// error (the class is asserted) whose message names what it got and what it expected: never a NaN
// result, a hang or a TypeError from inside a kernel. The last test asserts how many were rejected.
const backend = new CpuBackend();
const RUNS = (numRuns: number) => ({ numRuns, seed: 20261203 });
const rejections = new RejectionCounter();

const dims = (min: number, max: number) => fc.array(fc.integer({ min: 1, max: 4 }), { minLength: min, maxLength: max });
const tensorOf = (shape: readonly number[]) => randn([...shape], { backend, generator: new Generator(shape.length) });
/** Keys that are not in `known`: PyTorch spellings, typos and noise. */
const unknownKey = (known: readonly string[], extra: readonly string[] = []) =>
  fc.oneof(fc.constantFrom(...extra, 'learning_rate', 'batch_first', 'num_layers', 'weight_decay', 'device', 'dtype', 'length', '__proto__x'), fc.string({ minLength: 1, maxLength: 12 })).filter((k) => !known.includes(k) && k !== '__proto__');
/** A value whose type is not `kind`. */
const wrongType = (kind: 'number' | 'boolean') =>
  fc.oneof(
    kind === 'number' ? fc.boolean() : fc.double(),
    fc.string({ maxLength: 5 }),
    fc.constant({}),
    fc.array(fc.integer(), { maxLength: 2 }).filter((a) => kind === 'boolean' || a.length > 0),
  ).filter((v) => typeof v !== kind);
const nonFinite = fc.constantFrom(Number.NaN, Infinity, -Infinity);

interface Target {
  readonly name: string;
  readonly known: readonly string[];
  readonly numbers: readonly string[];
  readonly booleans: readonly string[];
  readonly call: (options: Record<string, unknown>) => unknown;
}

const params = () => [zeros([2], { backend, requiresGrad: true })];
const x22 = () => tensor([[1, 2], [3, 4]], undefined, { backend });
const targets: Target[] = [
  { name: 'new Linear', known: ['inFeatures', 'outFeatures', 'bias', 'backend', 'generator'], numbers: ['inFeatures', 'outFeatures'], booleans: ['bias'], call: (o) => new Linear({ inFeatures: 2, outFeatures: 3, backend, ...o }) },
  { name: 'new Embedding', known: ['numEmbeddings', 'embeddingDim', 'paddingIdx', 'backend', 'generator'], numbers: ['numEmbeddings', 'embeddingDim', 'paddingIdx'], booleans: [], call: (o) => new Embedding({ numEmbeddings: 4, embeddingDim: 2, backend, ...o }) },
  { name: 'new Dropout', known: ['p', 'generator'], numbers: ['p'], booleans: [], call: (o) => new Dropout(o) },
  { name: 'new LayerNorm', known: ['normalizedShape', 'eps', 'elementwiseAffine', 'bias', 'backend'], numbers: ['eps'], booleans: ['elementwiseAffine', 'bias'], call: (o) => new LayerNorm({ normalizedShape: 2, backend, ...o }) },
  { name: 'new GELU', known: ['approximate'], numbers: [], booleans: [], call: (o) => new GELU(o) },
  { name: 'new SGD', known: ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize'], numbers: ['lr', 'momentum', 'dampening', 'weightDecay'], booleans: ['nesterov', 'maximize'], call: (o) => new SGD(params(), o) },
  { name: 'new Adam', known: ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize'], numbers: ['lr', 'eps', 'weightDecay'], booleans: ['amsgrad', 'maximize'], call: (o) => new Adam(params(), o) },
  { name: 'new AdamW', known: ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize'], numbers: ['lr', 'eps', 'weightDecay'], booleans: ['amsgrad', 'maximize'], call: (o) => new AdamW(params(), o) },
  { name: 'new StepLR', known: ['stepSize', 'gamma'], numbers: ['stepSize', 'gamma'], booleans: [], call: (o) => new StepLR(new SGD(params()), { stepSize: 2, ...o } as never) },
  { name: 'new CosineAnnealingLR', known: ['tMax', 'etaMin'], numbers: ['tMax', 'etaMin'], booleans: [], call: (o) => new CosineAnnealingLR(new SGD(params()), { tMax: 2, ...o } as never) },
  { name: 'clipGradNorm', known: ['errorIfNonfinite'], numbers: [], booleans: ['errorIfNonfinite'], call: (o) => clipGradNorm(params(), 1, 2, o) },
  { name: 'crossEntropy', known: ['reduction', 'ignoreIndex', 'weight', 'labelSmoothing'], numbers: ['ignoreIndex', 'labelSmoothing'], booleans: [], call: (o) => crossEntropy(x22(), [0, 1], o) },
  { name: 'nllLoss', known: ['reduction', 'ignoreIndex', 'weight'], numbers: ['ignoreIndex'], booleans: [], call: (o) => nllLoss(x22(), [0, 1], o) },
  { name: 'mseLoss', known: ['reduction'], numbers: [], booleans: [], call: (o) => mseLoss(x22(), x22(), o) },
  { name: 'binaryCrossEntropyWithLogits', known: ['reduction', 'weight', 'posWeight'], numbers: [], booleans: [], call: (o) => binaryCrossEntropyWithLogits(x22(), x22(), o) },
  { name: 'loadStateDict', known: ['strict', 'allowNonFinite'], numbers: [], booleans: ['strict', 'allowNonFinite'], call: (o) => new Linear({ inFeatures: 1, outFeatures: 1, backend }).loadStateDict({}, o) },
  { name: 'stateDictFromJSON', known: ['backend', 'allowNonFinite'], numbers: [], booleans: ['allowNonFinite'], call: (o) => stateDictFromJSON(stateDictToJSON({}), o) },
  { name: 'loadSafetensors', known: ['backend', 'allowNonFinite'], numbers: [], booleans: ['allowNonFinite'], call: (o) => loadSafetensors(saveSafetensors({}), o) },
];

describe('bad inputs to the core public API end in typed errors (property-based)', () => {
  it('an unknown option key is an OptionsError naming the key', () => {
    fc.assert(
      fc.property(fc.constantFrom(...targets).chain((t) => fc.tuple(fc.constant(t), unknownKey(t.known))), ([target, key]) => {
        rejections.expect(() => target.call({ [key]: 1 }), OptionsError, [`unknown option '${key}'`, target.name.replace('new ', '')], { [key]: 1 });
      }),
      RUNS(340),
    );
  });

  it('a value of the wrong type is an OptionsError naming the key and the expected type', () => {
    const typed = targets.flatMap((t) => [...t.numbers.map((k) => [t, k, 'number'] as const), ...t.booleans.map((k) => [t, k, 'boolean'] as const)]);
    fc.assert(
      fc.property(fc.constantFrom(...typed).chain(([t, key, kind]) => fc.tuple(fc.constant(t), fc.constant(key), fc.constant(kind), wrongType(kind))), ([target, key, kind, value]) => {
        rejections.expect(() => target.call({ [key]: value }), OptionsError, [`option '${key}' must be a ${kind}`, 'got '], value);
      }),
      RUNS(200),
    );
  });

  it('non-finite and out-of-range hyperparameters are ValueErrors naming the value', () => {
    const numeric = targets.filter((t) => /SGD|Adam|StepLR|Cosine|Dropout|LayerNorm/.test(t.name)).flatMap((t) => t.numbers.map((k) => [t, k] as const));
    fc.assert(
      // PyTorch allows any finite dampening, so only non-finite values are bad there.
      fc.property(fc.constantFrom(...numeric).chain(([t, k]) => fc.tuple(fc.constant([t, k] as const), k === 'dampening' ? nonFinite : fc.oneof(nonFinite, fc.double({ max: -1e-3, noNaN: true })))), ([[target, key], value]) => {
        rejections.expect(() => target.call({ [key]: value }), ValueError, [key, String(value)], { [key]: value });
      }),
      RUNS(120),
    );
    fc.assert(
      fc.property(fc.tuple(fc.oneof(nonFinite, fc.double({ min: 1, max: 10, noNaN: true }), fc.double({ max: -1e-3, noNaN: true })), fc.constantFrom(0, 1)), ([value, index]) => {
        const betas = index === 0 ? [value, 0.999] : [0.9, value];
        rejections.expect(() => new Adam(params(), { betas: betas as [number, number] }), ValueError, [`betas[${index}] must be in [0, 1)`, String(value)], betas);
      }),
      RUNS(40),
    );
  });

  it('Linear: an input whose last dimension is not inFeatures is a ShapeError naming both shapes', () => {
    const linear = new Linear({ inFeatures: 3, outFeatures: 2, backend, generator: new Generator(1) });
    fc.assert(
      fc.property(dims(0, 4).filter((s) => s.length === 0 || s[s.length - 1] !== 3), (shape) => {
        rejections.expect(() => linear.forward(tensorOf(shape)), ShapeError, ['[..., 3]', formatShapeForTests(shape)], shape);
      }),
      RUNS(100),
    );
  });

  it('module forwards: an input that is not a Tensor is a ValueError naming it, not a TypeError inside a kernel', () => {
    const modules = [
      new Linear({ inFeatures: 2, outFeatures: 1, backend }),
      new LayerNorm({ normalizedShape: 2, backend }),
      new Dropout(),
      new GELU(),
      new ReLU(),
      new Tanh(),
      new Sigmoid(),
      new Sequential(new ReLU(), new Linear({ inFeatures: 2, outFeatures: 1, backend })),
    ];
    const notATensor = fc.oneof(fc.constant(undefined), fc.constant(null), fc.double(), fc.string({ maxLength: 4 }), fc.array(fc.double(), { maxLength: 3 }), fc.constant({ shape: [2] }));
    fc.assert(
      fc.property(fc.constantFrom(...modules), notATensor, (module, input) => {
        rejections.expect(() => module.forward(input as never), ValueError, ['input must be a Tensor, got'], input);
      }),
      RUNS(100),
    );
  });

  it('Embedding: an index that is not an integer in range is a ValueError naming it and the range', () => {
    const embed = new Embedding({ numEmbeddings: 5, embeddingDim: 2, backend, generator: new Generator(2) });
    const bad = fc.oneof(fc.integer({ min: 5, max: 1000 }), fc.integer({ min: -1000, max: -1 }), fc.double({ min: 0.01, max: 4.99, noInteger: true }), nonFinite);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 5 }), bad, fc.nat(), (good, value, at) => {
        const indices = [...good];
        indices.splice(at % (good.length + 1), 0, value);
        rejections.expect(() => embed.forward(indices), ValueError, [`index ${Math.fround(value)}`, 'expected an integer in [0, 4]'], indices);
      }),
      RUNS(100),
    );
  });

  it('losses: mismatched shapes, out-of-range targets and bad class weights are typed errors', () => {
    fc.assert(
      fc.property(dims(1, 3), dims(1, 3), fc.constantFrom(mseLoss, l1Loss, binaryCrossEntropyWithLogits), (a, b, loss) => {
        fc.pre(formatShapeForTests(a) !== formatShapeForTests(b));
        rejections.expect(() => loss(tensorOf(a), tensorOf(b)), ShapeError, [formatShapeForTests(a), formatShapeForTests(b)], [a, b]);
      }),
      RUNS(100),
    );
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 5 }), fc.oneof(fc.integer({ min: 5, max: 50 }), fc.integer({ min: -50, max: -1 }).filter((v) => v !== -100), fc.double({ min: 0.1, max: 3.9, noInteger: true })), (classes, target) => {
        // Targets are stored as float32, so the message shows the float32 value.
        rejections.expect(() => crossEntropy(tensorOf([2, classes]), [0, target]), ValueError, [`target ${Math.fround(target)}`, `[0, ${classes - 1}]`], target);
      }),
      RUNS(60),
    );
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 1, max: 6 }), (classes, length) => {
        fc.pre(length !== classes);
        rejections.expect(() => nllLoss(tensorOf([2, classes]), [0, 1], { weight: new Array(length).fill(1) }), ShapeError, [`weight must be [${classes}]`, `got [${length}]`], length);
      }),
      RUNS(30),
    );
    fc.assert(
      fc.property(nonFinite, fc.nat({ max: 2 }), (value, at) => {
        const weight = [1, 1, 1];
        weight[at] = value;
        rejections.expect(() => crossEntropy(tensorOf([2, 3]), [0, 1], { weight }), ValueError, ['weight must be finite', `got ${value} at position ${at}`], weight);
      }),
      RUNS(30),
    );
  });

  it('optimizers: parameter lists that hold something other than tensors are ValueErrors naming it', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.string({ maxLength: 4 }), fc.constant(null), fc.constant({ shape: [2] })), fc.constantFrom(SGD, Adam, AdamW), (junk, Optimizer) => {
        rejections.expect(() => new Optimizer([zeros([1], { backend, requiresGrad: true }), junk as unknown as Tensor]), ValueError, ['parameter 1 is', 'expected a Tensor'], junk);
      }),
      RUNS(60),
    );
  });

  it('loadStateDict: wrong lengths, shapes and non-finite values are StateDictErrors and leave the module unchanged', () => {
    const linear = new Linear({ inFeatures: 3, outFeatures: 2, backend, generator: new Generator(3) });
    const before = () => [linear.weight.dataSync(), linear.bias!.dataSync()].map((a) => Array.from(a));
    const snapshot = before();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: 12 }).filter((n) => n !== 6).map((n) => ({ kind: 'length', data: new Array(n).fill(0.5), shape: [2, 3], mention: `needs 6 values, got ${n}` })),
          dims(1, 3).filter((s) => formatShapeForTests(s) !== '[2, 3]').map((s) => ({ kind: 'shape', data: new Array(s.reduce((a, b) => a * b, 1)).fill(0), shape: s, mention: `expected [2, 3], got ${formatShapeForTests(s)}` })),
          fc.tuple(nonFinite, fc.nat({ max: 5 })).map(([v, at]) => ({ kind: 'finite', data: Array.from({ length: 6 }, (_, i) => (i === at ? v : 0)), shape: [2, 3], mention: `value ${v} at position ${at} is not finite` })),
        ),
        (bad) => {
          const state = { weight: { shape: bad.shape, data: bad.data }, bias: { shape: [2], data: [1, 2] } };
          rejections.expect(() => linear.loadStateDict(state), StateDictError, ['weight: ', bad.mention], bad);
          expect(before()).toEqual(snapshot);
        },
      ),
      RUNS(120),
    );
  });

  it('safetensors: a truncated or corrupted file is a SerializationError, never another error', () => {
    const bytes = saveSafetensors({ a: tensorOf([2, 3]), b: tensorOf([4]) });
    const headerEnd = 8 + Number(new DataView(bytes.buffer).getUint32(0, true));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (cut) => {
        rejections.expect(() => loadSafetensors(bytes.subarray(0, cut), { backend }), SerializationError, ['loadSafetensors: '], cut);
      }),
      RUNS(60),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: headerEnd - 1 }), fc.integer({ min: 0, max: 255 }), (at, byte) => {
        const corrupt = bytes.slice();
        fc.pre(corrupt[at] !== byte);
        corrupt[at] = byte;
        try {
          loadSafetensors(corrupt, { backend });
        } catch (error) {
          // Some header bytes (digits inside a number that stays valid, spaces) leave a readable file.
          rejections.expect(() => {
            throw error;
          }, SerializationError, ['loadSafetensors: '], [at, byte]);
        }
      }),
      RUNS(150),
    );
  });

  it('Generator.setState: states that cannot produce random numbers are ValueErrors', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constant([0, 0, 0, 0, Number.NaN]),
          fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 8 }).filter((a) => a.length !== 5),
          fc.tuple(fc.oneof(fc.double({ noInteger: true }), fc.integer({ max: -1 }), fc.integer({ min: 2 ** 32, max: 2 ** 40 })), fc.nat({ max: 3 })).map(([v, at]) => Object.assign([1, 2, 3, 4, Number.NaN], { [at]: v })),
        ),
        (state) => {
          const g = new Generator(1);
          rejections.expect(() => g.setState(state), ValueError, ['Generator.setState: '], state);
        },
      ),
      RUNS(60),
    );
  });

  it('counts at least 1,000 rejected bad inputs in this run', () => {
    console.log(`core bad inputs rejected: ${rejections.count} (${[...rejections.byClass].map(([k, v]) => `${k} ${v}`).join(', ')})`);
    expect(rejections.count).toBeGreaterThanOrEqual(1000);
  });
});
