import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import { SerializationError, ValueError } from '../errors';
import { tensor } from '../tensor/creation';
import { loadSafetensors, safetensorsMetadata, saveSafetensors } from './safetensors';

const backend = new CpuBackend();

interface Fx {
  shape: number[];
  data: number[];
}
interface SampleCase {
  file: string;
  metadata: Record<string, string> | null;
  byteLength: number;
  headerLength: number;
  header: string;
  sha256: string;
  order: string[];
  tensors: Record<string, { value: Fx }>;
}
const fixtureUrl = (name: string) => new URL(`../__fixtures__/safetensors/${name}`, import.meta.url);
const sample = JSON.parse(readFileSync(fixtureUrl('sample.json'), 'utf8')).cases as Record<string, SampleCase>;

// The fixture's tensors in a different insertion order than the file's, to show the writer sorts.
function tensorsOf(c: SampleCase) {
  const names = Object.keys(c.tensors).reverse();
  return Object.fromEntries(names.map((n) => [n, tensor(Float32Array.from(c.tensors[n].value.data), c.tensors[n].value.shape, { backend })]));
}

describe('safetensors', () => {
  it.each(Object.entries(sample))('%s: bytes are identical to the Python-format fixture', (_name, c) => {
    const bytes = saveSafetensors(tensorsOf(c), c.metadata ? { metadata: c.metadata } : {});
    const expected = new Uint8Array(readFileSync(fixtureUrl(c.file)));
    expect(bytes.length).toBe(c.byteLength);
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + c.headerLength))).toBe(c.header);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(c.sha256);
    expect(Buffer.from(bytes).equals(Buffer.from(expected))).toBe(true);
  });

  it.each(Object.entries(sample))('%s: the fixture file loads bit-exactly, in file order, with its metadata', (_name, c) => {
    const bytes = new Uint8Array(readFileSync(fixtureUrl(c.file)));
    const loaded = loadSafetensors(bytes, { backend });
    expect(Object.keys(loaded)).toEqual(c.order);
    for (const [name, t] of Object.entries(loaded)) {
      expect(t.shape).toEqual(c.tensors[name].value.shape);
      expect(t.dataSync()).toEqual(Float32Array.from(c.tensors[name].value.data));
    }
    expect(safetensorsMetadata(bytes)).toEqual(c.metadata);
  });

  it('round-trips every float32 bit pattern, −0, ±∞ and NaN included', () => {
    const values = new Float32Array([-0, 0, Infinity, -Infinity, NaN, 1e-45, 3.4028234663852886e38, -1.5]);
    const bits = new Uint32Array(values.buffer);
    const bytes = saveSafetensors({ x: tensor(values, [2, 4], { backend }) });
    expect(() => loadSafetensors(bytes, { backend })).toThrow(SerializationError);
    expect(() => loadSafetensors(bytes, { backend })).toThrow("loadSafetensors: tensor 'x' holds");
    const back = loadSafetensors(bytes, { backend, allowNonFinite: true }).x;
    expect(new Uint32Array(back.dataSync().buffer)).toEqual(bits);
  });

  it('reads other dtypes as float32', () => {
    // Header for F16 [2] = [1, -2] and I64 [1] = [7], written by hand.
    const header = '{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"i":{"dtype":"I64","shape":[1],"data_offsets":[4,12]}}';
    const json = new TextEncoder().encode(header);
    const bytes = new Uint8Array(8 + json.length + 12);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, json.length, true);
    bytes.set(json, 8);
    view.setUint16(8 + json.length, 0x3c00, true);
    view.setUint16(8 + json.length + 2, 0xc000, true);
    view.setBigInt64(8 + json.length + 4, 7n, true);
    const loaded = loadSafetensors(bytes, { backend });
    expect([...loaded.h.dataSync()]).toEqual([1, -2]);
    expect([...loaded.i.dataSync()]).toEqual([7]);
  });

  it('rejects malformed files with ValueErrors', () => {
    const good = saveSafetensors({ w: tensor([1, 2, 3], undefined, { backend }) });
    expect(() => loadSafetensors(good.subarray(0, 4))).toThrow(ValueError);
    expect(() => loadSafetensors(good.subarray(0, good.length - 4), { backend })).toThrow('loadSafetensors: the tensors cover 12 bytes of data, but the file holds 8');
    const tampered = good.slice();
    new DataView(tampered.buffer).setUint32(0, 1e6, true);
    expect(() => loadSafetensors(tampered, { backend })).toThrow('loadSafetensors: the header claims 1000000 bytes');
    const badDtype = new TextEncoder().encode('{"w":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}');
    const file = new Uint8Array(8 + badDtype.length + 8);
    new DataView(file.buffer).setUint32(0, badDtype.length, true);
    file.set(badDtype, 8);
    expect(() => loadSafetensors(file, { backend })).toThrow('loadSafetensors: tensor \'w\' has dtype "C64"');
  });
});
