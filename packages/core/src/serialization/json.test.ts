import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import { SerializationError, ValueError } from '../errors';
import { tensor } from '../tensor/creation';
import { Linear } from '../nn/linear';
import { stateDictFromJSON, stateDictToJSON } from './json';

const backend = new CpuBackend();
const special = new Float32Array([-0, 0, Infinity, -Infinity, NaN, 1e-45, 3.4028234663852886e38, 0.1, -1 / 3]);

describe('stateDictToJSON / stateDictFromJSON', () => {
  it.each(['array', 'base64'] as const)('round-trips bit-exactly with the %s encoding', (encoding) => {
    const json = stateDictToJSON({ special: tensor(special, [3, 3], { backend }), empty: tensor(new Float32Array(0), [0, 2], { backend }) }, { encoding });
    const back = stateDictFromJSON(json, { backend, allowNonFinite: true });
    expect(back.special.shape).toEqual([3, 3]);
    expect(back.empty.shape).toEqual([0, 2]);
    expect(new Uint32Array(back.special.dataSync().buffer)).toEqual(new Uint32Array(special.buffer));
  });

  it.each(['array', 'base64'] as const)('refuses NaN and ±∞ with the %s encoding unless allowNonFinite', (encoding) => {
    const json = stateDictToJSON({ ok: tensor([1, 2], undefined, { backend }), bad: tensor(special, [3, 3], { backend }) }, { encoding });
    expect(() => stateDictFromJSON(json, { backend })).toThrow(SerializationError);
    expect(() => stateDictFromJSON(json, { backend })).toThrow("stateDictFromJSON: tensor 'bad' holds Infinity at position 2; expected finite values (pass allowNonFinite: true to load it anyway)");
  });

  it('loads into a module through loadStateDict', () => {
    const a = new Linear({ inFeatures: 3, outFeatures: 2, backend });
    const b = new Linear({ inFeatures: 3, outFeatures: 2, backend });
    b.loadStateDict(stateDictFromJSON(stateDictToJSON(a.stateDict()), { backend }));
    expect(b.weight.dataSync()).toEqual(a.weight.dataSync());
    expect(b.bias!.dataSync()).toEqual(a.bias!.dataSync());
  });

  it('rejects other documents and malformed tensors', () => {
    expect(() => stateDictFromJSON('{"format":"other","tensors":{}}', { backend })).toThrow(ValueError);
    expect(() => stateDictFromJSON('not json', { backend })).toThrow('stateDictFromJSON: not valid JSON');
    expect(() => stateDictFromJSON({ format: 'gated-state-dict/v1', tensors: { w: { shape: [2], data: [1] } } }, { backend })).toThrow(
      "stateDictFromJSON: tensor 'w' of shape [2] needs 2 values, got 1",
    );
  });
});
