import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import {
  Adam,
  Generator,
  LayerNorm,
  Linear,
  Module,
  OptionsError,
  SerializationError,
  StateDictError,
  loadSafetensors,
  tensor,
  saveSafetensors,
  stateDictFromJSON,
  stateDictToJSON,
  type StateValue,
} from '../index';

// Before: loadStateDict({ name: { shape, data } }) did not compare data.length with the shape (3
// numbers loaded into a [2, 3] weight as NaN), accepted NaN weights, and a bad value found late left
// the earlier parameters already overwritten.
const backend = new CpuBackend();

class Net extends Module {
  readonly first = this.registerModule('first', new Linear({ inFeatures: 3, outFeatures: 2, backend, generator: new Generator(1) }));
  readonly norm = this.registerModule('norm', new LayerNorm({ normalizedShape: 2, backend }));
  readonly second = this.registerModule('second', new Linear({ inFeatures: 2, outFeatures: 1, backend, generator: new Generator(2) }));
}

const snapshot = (m: Module) => Object.entries(m.stateDict()).map(([k, v]) => [k, Array.from(v.dataSync())] as const);
const plain = (m: Module): Record<string, StateValue> =>
  Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, { shape: [...v.shape], data: Array.from(v.dataSync()) }]));

describe('Module.loadStateDict validates everything before it changes anything', () => {
  const source = new Net();
  // Each case corrupts ONE entry that comes after valid ones, so a loader that writes as it goes would be caught.
  const cases: [string, (s: Record<string, StateValue>) => void, string][] = [
    ['too few numbers', (s) => (s['second.weight'] = { shape: [1, 2], data: [1] }), 'second.weight: shape [1, 2] needs 2 values, got 1'],
    ['too many numbers', (s) => (s['second.bias'] = { shape: [1], data: [1, 2] }), 'second.bias: shape [1] needs 1 values, got 2'],
    ['a NaN', (s) => (s['second.weight'] = { shape: [1, 2], data: [0.5, Number.NaN] }), 'second.weight: value NaN at position 1 is not finite (pass allowNonFinite: true'],
    ['an infinite tensor value', (s) => (s['second.bias'] = tensor([Infinity], undefined, { backend })), 'second.bias: value Infinity at position 0 is not finite'],
    ['strings as data', (s) => (s['second.bias'] = { shape: [1], data: ['1'] as unknown as number[] }), 'second.bias: data must be an array or typed array of numbers'],
    ['64-bit integers', (s) => (s['second.bias'] = { shape: [1], data: new BigInt64Array(1) as unknown as number[] }), 'data must be an array or typed array of numbers, got a BigInt64Array'],
    ['null', (s) => (s['second.bias'] = null as unknown as StateValue), 'second.bias: expected a Tensor or { shape, data }, got null'],
    ['a wrong shape', (s) => (s['second.weight'] = { shape: [2, 1], data: [1, 2] }), 'mis-shaped keys: second.weight: expected [1, 2], got [2, 1]'],
    ['a missing key', (s) => delete s['second.bias'], 'missing keys: second.bias'],
    ['an unexpected key', (s) => (s['third.weight'] = { shape: [1], data: [1] }), 'unexpected keys: third.weight'],
  ];

  it.each(cases)('%s: a StateDictError naming the key, and every parameter as it was', (_label, corrupt, message) => {
    const target = new Net();
    const before = snapshot(target);
    const state = plain(source);
    corrupt(state);
    expect(() => target.loadStateDict(state)).toThrow(StateDictError);
    expect(() => target.loadStateDict(state)).toThrow(message);
    expect(snapshot(target)).toEqual(before);
  });

  it('non-finite values load with allowNonFinite: true; unknown options are refused', () => {
    const target = new Net();
    const state = plain(source);
    state['second.bias'] = { shape: [1], data: [Number.NaN] };
    target.loadStateDict(state, { allowNonFinite: true });
    expect(Number.isNaN(target.second.bias!.dataSync()[0])).toBe(true);
    expect(() => target.loadStateDict(plain(source), { strict_mode: false } as never)).toThrow(OptionsError);
  });

  it('a truncated or malformed safetensors file is a SerializationError, and JSON with a NaN weight too', () => {
    const bytes = saveSafetensors(source.stateDict());
    for (const cut of [0, 7, 8, 20, bytes.length - 1]) expect(() => loadSafetensors(bytes.subarray(0, cut), { backend })).toThrow(SerializationError);
    const badHeader = bytes.slice();
    badHeader[9] = 0xff; // invalid UTF-8 inside the JSON header
    expect(() => loadSafetensors(badHeader, { backend })).toThrow(SerializationError);
    expect(() => loadSafetensors('model.safetensors' as never, { backend })).toThrow('loadSafetensors: expected the file\'s bytes as a Uint8Array or an ArrayBuffer');
    const json = JSON.parse(stateDictToJSON(source.stateDict()));
    json.tensors['first.bias'].data[1] = 'NaN';
    expect(() => stateDictFromJSON(json, { backend })).toThrow("stateDictFromJSON: tensor 'first.bias' holds NaN at position 1");
    json.tensors['first.bias'] = null;
    expect(() => stateDictFromJSON(json, { backend })).toThrow(SerializationError);
  });
});

describe('Optimizer.loadStateDict validates before it changes anything', () => {
  it('a bad hyperparameter in a later group leaves the earlier groups as they were', () => {
    const a = new Linear({ inFeatures: 2, outFeatures: 2, backend });
    const optimizer = new Adam([{ params: [a.weight] }, { params: [a.bias!] }], { lr: 0.01 });
    const saved = optimizer.stateDict();
    const bad = { ...saved, paramGroups: [{ ...saved.paramGroups[0], lr: 0.5 }, { ...saved.paramGroups[1], lr: -1 }] };
    expect(() => optimizer.loadStateDict(bad)).toThrow('Adam: lr must be a finite number ≥ 0, got -1');
    expect(optimizer.paramGroups[0].lr).toBe(0.01);
    const misspelled = { ...saved, paramGroups: [{ ...saved.paramGroups[0], learning_rate: 0.5 }, saved.paramGroups[1]] };
    expect(() => optimizer.loadStateDict(misspelled)).toThrow("unknown option 'learning_rate'; did you mean 'lr'");
  });

  it('state data of the wrong length is refused', () => {
    const a = new Linear({ inFeatures: 2, outFeatures: 2, backend });
    const optimizer = new Adam(a, { lr: 0.01 });
    const saved = { state: { 0: { step: 1, expAvg: { shape: [2, 2], data: [1, 2, 3] }, expAvgSq: { shape: [2, 2], data: [1, 2, 3, 4] } } }, paramGroups: optimizer.stateDict().paramGroups };
    expect(() => optimizer.loadStateDict(saved)).toThrow("Adam.loadStateDict: state 'expAvg' of parameter 0 needs 4 values for shape [2, 2], got an array of 3");
  });
});
