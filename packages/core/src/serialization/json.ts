import { SerializationError, ValueError, formatShape } from '../errors';
import { checkOptions, describeValue } from '../options';
import type { StateValue } from '../nn/module';
import type { Tensor } from '../tensor/tensor';
import { LOAD_OPTION_SPEC, assertFiniteData, hostValues, makeTensor, type LoadOptions } from './tensor-data';

/** The format tag of {@link stateDictToJSON} documents. */
export const STATE_DICT_JSON_FORMAT = 'gated-state-dict/v1';

/**
 * A value in the `array` encoding: a number, or one of the strings `"NaN"`, `"Infinity"`,
 * `"-Infinity"` and `"-0"`, which JSON numbers cannot express.
 */
export type JsonFloat = number | 'NaN' | 'Infinity' | '-Infinity' | '-0';

/** One tensor of a {@link StateDictJSON}: its values as numbers, or as base64 of little-endian float32 bytes. */
export type TensorJSON = { shape: number[]; data: JsonFloat[] } | { shape: number[]; dtype: 'F32'; base64: string };

/** The document {@link stateDictToJSON} writes. */
export interface StateDictJSON {
  format: typeof STATE_DICT_JSON_FORMAT;
  tensors: Record<string, TensorJSON>;
}

/** Options of {@link stateDictToJSON}. */
export interface StateDictToJSONOptions {
  /**
   * `'array'` writes readable numbers (the `{ shape, data }` form the fixtures use); `'base64'` writes
   * the raw float32 bytes, about 3× smaller and exact for every bit pattern, NaN payloads included.
   * @defaultValue 'array'
   */
  encoding?: 'array' | 'base64';
  /** Indentation passed to `JSON.stringify`. @defaultValue none (compact) */
  space?: number;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function toBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i];
    const b = i + 1 < bytes.length ? bytes[i + 1] : 0;
    const c = i + 2 < bytes.length ? bytes[i + 2] : 0;
    const n = (a << 16) | (b << 8) | c;
    out += BASE64[(n >> 18) & 63] + BASE64[(n >> 12) & 63];
    out += i + 1 < bytes.length ? BASE64[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.length ? BASE64[n & 63] : '=';
  }
  return out;
}

function fromBase64(text: string, name: string): Uint8Array {
  const clean = text.replace(/=+$/, '');
  if (/[^A-Za-z0-9+/]/.test(clean) || clean.length % 4 === 1) throw new SerializationError(`stateDictFromJSON: tensor '${name}' has invalid base64 data`);
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let count = 0;
  let j = 0;
  for (const ch of clean) {
    bits = (bits << 6) | BASE64.indexOf(ch);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out[j++] = (bits >> count) & 0xff;
    }
  }
  return out;
}

function encodeFloat(v: number): JsonFloat {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0 && 1 / v < 0) return '-0';
  return v;
}

function decodeFloat(v: unknown, name: string): number {
  if (typeof v === 'number') return v;
  switch (v) {
    case 'NaN':
      return NaN;
    case 'Infinity':
      return Infinity;
    case '-Infinity':
      return -Infinity;
    case '-0':
      return -0;
    default:
      throw new SerializationError(`stateDictFromJSON: tensor '${name}' holds ${JSON.stringify(v)}, expected a number or "NaN", "Infinity", "-Infinity", "-0"`);
  }
}

/**
 * Writes a state dict as a JSON string (`{ format, tensors: { name: { shape, data } } }`). Every
 * float32 is written as the shortest decimal that reads back as the same float32, so
 * {@link stateDictFromJSON} restores the values bit for bit (NaN payloads aside, which only the
 * `base64` encoding keeps).
 * @example
 * ```ts
 * localStorage.setItem('model', stateDictToJSON(model.stateDict()));
 * model.loadStateDict(stateDictFromJSON(localStorage.getItem('model')!));
 * ```
 */
export function stateDictToJSON(stateDict: Record<string, StateValue>, rawOptions?: StateDictToJSONOptions | null): string {
  const options = checkOptions(rawOptions, { where: 'stateDictToJSON(stateDict, options)', spec: { encoding: ['array', 'base64'], space: 'number' } });
  const encoding = options.encoding ?? 'array';
  if (stateDict === null || typeof stateDict !== 'object' || Array.isArray(stateDict)) throw new ValueError(`stateDictToJSON: expected an object of tensors by name, got ${describeValue(stateDict)}`);
  const tensors: Record<string, TensorJSON> = {};
  for (const [name, value] of Object.entries(stateDict)) {
    const { shape, data } = hostValues('stateDictToJSON', name, value);
    if (encoding === 'array') {
      tensors[name] = { shape: [...shape], data: Array.from(data, encodeFloat) };
    } else {
      const bytes = new Uint8Array(data.length * 4);
      const view = new DataView(bytes.buffer);
      data.forEach((v, i) => view.setFloat32(i * 4, v, true));
      tensors[name] = { shape: [...shape], dtype: 'F32', base64: toBase64(bytes) };
    }
  }
  const document: StateDictJSON = { format: STATE_DICT_JSON_FORMAT, tensors };
  return JSON.stringify(document, null, options.space);
}

/**
 * Reads a state dict written by {@link stateDictToJSON} (a string or the parsed object) into float32
 * tensors on `backend`. Throws a `SerializationError` (a `ValueError`) for another format, malformed
 * entries or (unless `allowNonFinite`) a NaN or infinite value, before creating any tensor.
 * @example
 * ```ts
 * const state = stateDictFromJSON(text, { backend });
 * ```
 */
export function stateDictFromJSON(json: string | StateDictJSON, rawOptions?: LoadOptions | null): Record<string, Tensor> {
  const options = checkOptions(rawOptions, { where: 'stateDictFromJSON(json, options)', spec: LOAD_OPTION_SPEC });
  let document: unknown = json;
  if (typeof json === 'string') {
    try {
      document = JSON.parse(json);
    } catch (error) {
      throw new SerializationError(`stateDictFromJSON: not valid JSON (${(error as Error).message})`);
    }
  }
  const doc = document as Partial<StateDictJSON> | null;
  if (doc === null || typeof doc !== 'object' || doc.format !== STATE_DICT_JSON_FORMAT || typeof doc.tensors !== 'object' || doc.tensors === null) {
    throw new SerializationError(`stateDictFromJSON: expected a document with format '${STATE_DICT_JSON_FORMAT}' and a tensors object, got format ${JSON.stringify(doc?.format)}`);
  }
  // Every tensor is decoded and checked before any is uploaded, so a bad entry creates nothing.
  const decoded: { name: string; values: Float32Array; shape: number[] }[] = [];
  for (const [name, entry] of Object.entries(doc.tensors)) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new SerializationError(`stateDictFromJSON: tensor '${name}' must be { shape, data } or { shape, dtype, base64 }, got ${describeValue(entry)}`);
    }
    const shape = (entry as { shape?: unknown }).shape;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new SerializationError(`stateDictFromJSON: tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
    }
    const size = shape.reduce((a: number, b: number) => a * b, 1);
    let values: Float32Array;
    if ('base64' in entry) {
      if ((entry as { dtype?: unknown }).dtype !== 'F32' || typeof entry.base64 !== 'string') {
        throw new SerializationError(`stateDictFromJSON: tensor '${name}' with base64 data must have dtype 'F32' and a base64 string, got dtype ${JSON.stringify((entry as { dtype?: unknown }).dtype)}`);
      }
      const bytes = fromBase64(entry.base64, name);
      if (bytes.length !== size * 4) throw new SerializationError(`stateDictFromJSON: tensor '${name}' of shape ${formatShape(shape)} needs ${size * 4} bytes, got ${bytes.length}`);
      const view = new DataView(bytes.buffer);
      values = new Float32Array(size);
      for (let i = 0; i < size; i++) values[i] = view.getFloat32(i * 4, true);
    } else {
      const data = (entry as { data?: unknown }).data;
      if (!Array.isArray(data) || data.length !== size) {
        throw new SerializationError(`stateDictFromJSON: tensor '${name}' of shape ${formatShape(shape)} needs ${size} values, got ${Array.isArray(data) ? data.length : typeof data}`);
      }
      values = Float32Array.from(data, (v) => decodeFloat(v, name));
    }
    assertFiniteData('stateDictFromJSON', name, values, options.allowNonFinite);
    decoded.push({ name, values, shape });
  }
  const out: Record<string, Tensor> = {};
  for (const { name, values, shape } of decoded) out[name] = makeTensor(values, shape, options);
  return out;
}
