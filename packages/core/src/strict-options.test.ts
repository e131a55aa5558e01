import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import {
  Adam,
  AdamW,
  CosineAnnealingLR,
  Dropout,
  Embedding,
  GELU,
  LayerNorm,
  Linear,
  OptionsError,
  ReLU,
  SGD,
  StepLR,
  binaryCrossEntropyWithLogits,
  clipGradNorm,
  crossEntropy,
  dropout,
  init,
  loadSafetensors,
  mseLoss,
  saveSafetensors,
  stateDictFromJSON,
  stateDictToJSON,
  tensor,
  zeros,
} from './index';

// Every case here was silently ignored before strict options: `new Adam(p, { learning_rate: 0.1 })`
// trained at 0.001, `weight_decay` did nothing, `label_smoothing` was dropped, and so on.
const backend = new CpuBackend();
const p = () => [zeros([2], { backend, requiresGrad: true })];
const x = () => tensor([[1, 2], [3, 4]], undefined, { backend });

const cases: [string, () => unknown, string][] = [
  ['new Linear', () => new Linear({ inFeatures: 2, outFeatures: 2, backend, in_features: 2 } as never), "new Linear(options): unknown option 'in_features'; did you mean 'inFeatures'"],
  ['new Embedding', () => new Embedding({ numEmbeddings: 3, embeddingDim: 2, backend, padding_idx: 0 } as never), "new Embedding(options): unknown option 'padding_idx'; did you mean 'paddingIdx'"],
  ['new Dropout', () => new Dropout({ prob: 0.5 } as never), "new Dropout(options): unknown option 'prob'"],
  ['dropout()', () => dropout(x(), { rate: 0.5 } as never), "dropout(input, options, training): unknown option 'rate'"],
  ['new LayerNorm', () => new LayerNorm({ normalizedShape: 2, backend, elementwise_affine: false } as never), "unknown option 'elementwise_affine'; did you mean 'elementwiseAffine'"],
  ['new GELU', () => new GELU({ approximate: 'erf' } as never), "new GELU(options): option 'approximate' must be one of 'none', 'tanh', got 'erf'"],
  ['new SGD', () => new SGD(p(), { learning_rate: 0.1 } as never), "new SGD(params, options): unknown option 'learning_rate'; did you mean 'lr'"],
  ['new Adam', () => new Adam(p(), { weight_decay: 0.1 } as never), "new Adam(params, options): unknown option 'weight_decay'; did you mean 'weightDecay'"],
  ['new AdamW', () => new AdamW(p(), { lr: '0.1' } as never), "new AdamW(params, options): option 'lr' must be a number, got '0.1' (a string)"],
  ['a parameter group', () => new SGD([{ params: p(), learning_rate: 0.1 }] as never), "new SGD(params, options): parameter group 0: unknown option 'learning_rate'; did you mean 'lr'"],
  ['a misspelled params', () => new SGD([{ param: p() }] as never), "parameter group 0: unknown option 'param'; did you mean 'params'"],
  ['new StepLR', () => new StepLR(new SGD(p()), { step_size: 2 } as never), "new StepLR(optimizer, options): unknown option 'step_size'; did you mean 'stepSize'"],
  ['new CosineAnnealingLR', () => new CosineAnnealingLR(new SGD(p()), { T_max: 5 } as never), "unknown option 'T_max'; did you mean 'tMax'"],
  ['clipGradNorm', () => clipGradNorm(p(), 1, 2, { error_if_nonfinite: true } as never), "unknown option 'error_if_nonfinite'; did you mean 'errorIfNonfinite'"],
  ['crossEntropy', () => crossEntropy(x(), [0, 1], { label_smoothing: 0.1 } as never), "crossEntropy(input, target, options): unknown option 'label_smoothing'; did you mean 'labelSmoothing'"],
  ['mseLoss', () => mseLoss(x(), x(), { reduce: 'sum' } as never), "unknown option 'reduce'"],
  ['binaryCrossEntropyWithLogits', () => binaryCrossEntropyWithLogits(x(), x(), { pos_weight: [1, 1] } as never), "did you mean 'posWeight'"],
  ['init.kaimingUniform', () => init.kaimingUniform(zeros([2, 2], { backend }), { mode: 'fan_in' } as never), "option 'mode' must be one of 'fanIn', 'fanOut', got 'fan_in'"],
  ['init.normal', () => init.normal(zeros([2], { backend }), { stddev: 1 } as never), "unknown option 'stddev'"],
  ['saveSafetensors', () => saveSafetensors({}, { meta: {} } as never), "unknown option 'meta'; did you mean 'metadata'"],
  ['loadSafetensors', () => loadSafetensors(saveSafetensors({}), { allow_non_finite: true } as never), "unknown option 'allow_non_finite'; did you mean 'allowNonFinite'"],
  ['stateDictToJSON', () => stateDictToJSON({}, { encoding: 'hex' } as never), "option 'encoding' must be one of 'array', 'base64', got 'hex'"],
  ['stateDictFromJSON', () => stateDictFromJSON('{}', { device: 'cpu' } as never), 'tensors live on a backend here'],
  ['Linear.loadStateDict', () => new Linear({ inFeatures: 1, outFeatures: 1, backend }).loadStateDict({}, { strict_: false } as never), "Linear.loadStateDict(state, options): unknown option 'strict_'; did you mean 'strict'"],
];

describe('every public options object is checked by the one helper', () => {
  it.each(cases)('%s', (_label, call, message) => {
    expect(call).toThrow(OptionsError);
    expect(call).toThrow(message);
  });

  it('null and undefined options mean the defaults', () => {
    expect(new SGD(p(), null).paramGroups[0].lr).toBe(1e-3);
    expect(new Dropout(undefined).p).toBe(0.5);
    expect(new Linear({ inFeatures: 2, outFeatures: 1, bias: null as never, backend }).bias).not.toBeNull();
    expect(mseLoss(x(), x(), null).item()).toBe(0);
  });

  it('regression (found by the property test): a module forward given a non-tensor names it instead of a TypeError in a kernel', () => {
    // Before: LayerNorm threw "Cannot read properties of undefined (reading 'slice')", Dropout and ReLU
    // failed reading `upload` / `unary` of undefined, Embedding called a string a ragged array.
    expect(() => new LayerNorm({ normalizedShape: 2, backend }).forward({} as never)).toThrow('LayerNorm: input must be a Tensor, got an object with no keys');
    expect(() => new Dropout().forward(3 as never)).toThrow('dropout: input must be a Tensor, got 3 (a number)');
    expect(() => new ReLU().forward([1] as never)).toThrow('ReLU: input must be a Tensor, got an array of 1 (number)');
    expect(() => new GELU().forward(null as never)).toThrow('GELU: input must be a Tensor, got null');
    expect(() => new Embedding({ numEmbeddings: 3, embeddingDim: 2, backend }).forward('ab' as never)).toThrow("Embedding: indices must be a Tensor or a (nested) array of integers, got 'ab' (a string)");
  });

  it('a Linear built the old positional way says what it expected', () => {
    expect(() => new Linear(32 as never)).toThrow('new Linear(options): options must be an object, got 32 (a number)');
  });
});
