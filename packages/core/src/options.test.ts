import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import { OptionsError, ValueError, checkOptions, describeValue, tensor } from './index';

const backend = new CpuBackend();
const spec = { inputSize: 'number', batchFirst: 'boolean', lr: 'number', weightDecay: 'number', lengths: 'numbers', mode: ['additive', 'structured'] } as const;
const where = 'new Thing(options)';

describe('checkOptions, the one strict-options mechanism', () => {
  it('returns the known keys, dropping undefined and null (null means "the default")', () => {
    expect(checkOptions({ inputSize: 3, batchFirst: undefined, lr: null as unknown as number }, { where, spec })).toEqual({ inputSize: 3 });
    expect(checkOptions(undefined, { where, spec })).toEqual({});
    expect(checkOptions(null, { where, spec })).toEqual({});
  });

  it('maps PyTorch spellings to ours, naming the key and where it was given', () => {
    const cases: [string, string][] = [
      ['batch_first', 'batchFirst'],
      ['input_size', 'inputSize'],
      ['learning_rate', 'lr'],
      ['weight_decay', 'weightDecay'],
      ['length', 'lengths'],
    ];
    for (const [theirs, ours] of cases) {
      let error: unknown;
      try {
        checkOptions({ [theirs]: 1 }, { where, spec });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(OptionsError);
      const e = error as OptionsError;
      expect(e.key).toBe(theirs);
      expect(e.suggestion).toBe(ours);
      expect(e.where).toBe(where);
      expect(e.message).toContain(`new Thing(options): unknown option '${theirs}'; did you mean '${ours}'`);
    }
  });

  it('suggests the nearest name for a typo and lists the keys otherwise', () => {
    expect(() => checkOptions({ lenghts: [1] }, { where, spec })).toThrow("did you mean 'lengths' (the nearest name)?");
    expect(() => checkOptions({ batchfirst: true }, { where, spec })).toThrow("did you mean 'batchFirst'");
    expect(() => checkOptions({ zzz: 1 }, { where, spec })).toThrow(/unknown option 'zzz'\. Expected keys: inputSize, batchFirst, lr, weightDecay, lengths, mode$/);
    expect(() => checkOptions({ proj_size: 2 }, { where, spec })).toThrow("proj_size (an LSTM projection) is not supported");
  });

  it('rejects values of the wrong type, naming the expected type and what it got', () => {
    expect(() => checkOptions({ batchFirst: 'yes' }, { where, spec })).toThrow(new OptionsError("new Thing(options): option 'batchFirst' must be a boolean, got 'yes' (a string)", where, 'batchFirst'));
    expect(() => checkOptions({ lr: '0.1' }, { where, spec })).toThrow("option 'lr' must be a number, got '0.1' (a string)");
    expect(() => checkOptions({ lengths: [1, '2'] }, { where, spec })).toThrow("option 'lengths' must be an array of numbers, got an array of 2 (number, string)");
    expect(() => checkOptions({ mode: 'other' }, { where, spec })).toThrow("option 'mode' must be one of 'additive', 'structured', got 'other' (a string)");
    expect(checkOptions({ lengths: new Int32Array([2]) }, { where, spec }).lengths).toEqual(new Int32Array([2]));
  });

  it('rejects options that are not an object and enforces required keys', () => {
    expect(() => checkOptions(5 as never, { where, spec })).toThrow('new Thing(options): options must be an object, got 5 (a number)');
    expect(() => checkOptions([1] as never, { where, spec })).toThrow(OptionsError);
    expect(() => checkOptions(tensor([1], undefined, { backend }) as never, { where, spec })).toThrow('got a Tensor [1]');
    expect(() => checkOptions({}, { where, spec, required: ['inputSize'] })).toThrow("option 'inputSize' (a number) is required, got undefined");
    expect(() => checkOptions(undefined, { where, spec, required: ['inputSize'] })).toThrow(OptionsError);
  });

  it('is a ValueError, so callers that catch ValueError keep working', () => {
    expect(() => checkOptions({ nope: 1 }, { where, spec })).toThrow(ValueError);
  });

  it('describes values for messages', () => {
    expect(describeValue({ h: 1, c: 2 })).toBe('an object with keys { h, c }');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(new Float32Array(2))).toBe('a Float32Array');
  });
});
