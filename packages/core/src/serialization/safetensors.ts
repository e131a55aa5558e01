import { SerializationError, ValueError, formatShape } from '../errors';
import { checkOptions, describeValue } from '../options';
import type { StateValue } from '../nn/module';
import type { Tensor } from '../tensor/tensor';
import { LOAD_OPTION_SPEC, assertFiniteData, hostValues, makeTensor, type LoadOptions } from './tensor-data';

/** Options of {@link saveSafetensors}. */
export interface SaveSafetensorsOptions {
  /**
   * String metadata stored under `__metadata__`, e.g. `{ format: 'pt' }` (what
   * `safetensors.torch.save_file` writes when asked). Keys are written in sorted order.
   * @defaultValue none
   */
  metadata?: Record<string, string>;
}

/** The element types a safetensors file may hold, with their sizes in bytes. */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
};

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function compareBytes(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/**
 * Serialises a state dict to the bytes of a safetensors file (float32 tensors, `F32`), the format
 * PyTorch users exchange weights in; Python's `safetensors.torch.load_file` reads it.
 *
 * @remarks The layout is the Rust serializer's, so that the bytes equal those of
 * `safetensors.torch.save_file` for the same tensors: an unsigned 64-bit little-endian header
 * length `n`; `n` bytes of compact JSON (`__metadata__` first, then each tensor's
 * `{"dtype","shape","data_offsets"}` sorted by name in byte order), padded with spaces to a multiple
 * of 8; then the little-endian data of each tensor in the same order. Tensors on a backend without
 * synchronous read-back must be copied to the CPU first.
 * @example
 * ```ts
 * const bytes = saveSafetensors(model.stateDict(), { metadata: { format: 'pt' } });
 * await fs.promises.writeFile('model.safetensors', bytes);
 * ```
 */
export function saveSafetensors(stateDict: Record<string, StateValue>, rawOptions?: SaveSafetensorsOptions | null): Uint8Array {
  const options = checkOptions(rawOptions, { where: 'saveSafetensors(stateDict, options)', spec: { metadata: 'stringRecord' } });
  if (stateDict === null || typeof stateDict !== 'object' || Array.isArray(stateDict)) throw new ValueError(`saveSafetensors: expected an object of tensors by name, got ${describeValue(stateDict)}`);
  const names = Object.keys(stateDict).sort(compareBytes);
  if (names.includes('__metadata__')) throw new ValueError("saveSafetensors: '__metadata__' is reserved and cannot name a tensor");
  const entries = names.map((name) => ({ name, ...hostValues('saveSafetensors', name, stateDict[name]) }));
  // Built by hand rather than with JSON.stringify(object): JavaScript objects list integer-like keys
  // ("0", "12") first, which would break the byte order the format prescribes.
  const fields: string[] = [];
  if (options.metadata !== undefined) {
    const metadata = Object.keys(options.metadata)
      .sort(compareBytes)
      .map((key) => {
        const value = options.metadata![key];
        if (typeof value !== 'string') throw new ValueError(`saveSafetensors: metadata values must be strings, got ${typeof value} for '${key}'`);
        return `${JSON.stringify(key)}:${JSON.stringify(value)}`;
      });
    fields.push(`"__metadata__":{${metadata.join(',')}}`);
  }
  let offset = 0;
  for (const e of entries) {
    const end = offset + e.data.length * 4;
    fields.push(`${JSON.stringify(e.name)}:${JSON.stringify({ dtype: 'F32', shape: [...e.shape], data_offsets: [offset, end] })}`);
    offset = end;
  }
  const json = encoder.encode(`{${fields.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let position = 8 + headerLength;
  for (const e of entries) {
    for (let i = 0; i < e.data.length; i++, position += 4) view.setFloat32(position, e.data[i], true);
  }
  return out;
}

interface HeaderEntry {
  readonly name: string;
  readonly dtype: string;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

function parseHeader(bytes: Uint8Array): { entries: HeaderEntry[]; metadata: Record<string, string> | null; dataStart: number } {
  const op = 'loadSafetensors';
  if (bytes.length < 8) throw new SerializationError(`${op}: expected at least 8 bytes (the header length), got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (headerLength > bytes.length - 8) {
    throw new SerializationError(`${op}: the header claims ${headerLength} bytes but only ${bytes.length - 8} follow the length field`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw new SerializationError(`${op}: the header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SerializationError(`${op}: the header must be a JSON object`);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  let metadata: Record<string, string> | null = null;
  const entries: HeaderEntry[] = [];
  for (const [name, raw] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || !Object.values(raw).every((v) => typeof v === 'string')) {
        throw new SerializationError(`${op}: __metadata__ must be an object of strings, got ${describeValue(raw)}`);
      }
      metadata = raw as Record<string, string>;
      continue;
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new SerializationError(`${op}: tensor '${name}' must be described by { dtype, shape, data_offsets }, got ${describeValue(raw)}`);
    }
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = info?.dtype;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
      throw new SerializationError(`${op}: tensor '${name}' has dtype ${JSON.stringify(dtype)}, expected one of ${Object.keys(DTYPE_BYTES).join(', ')}`);
    }
    const shape = info.shape;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new SerializationError(`${op}: tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
    }
    const offsets = info.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
      throw new SerializationError(`${op}: tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const expected = shape.reduce((a: number, b: number) => a * b, 1) * DTYPE_BYTES[dtype];
    if (offsets[1] - offsets[0] !== expected) {
      throw new SerializationError(
        `${op}: tensor '${name}' (${dtype} ${formatShape(shape)}) needs ${expected} bytes, its data_offsets [${offsets[0]}, ${offsets[1]}] span ${offsets[1] - offsets[0]}`,
      );
    }
    entries.push({ name, dtype, shape, begin: offsets[0], end: offsets[1] });
  }
  // As the reference reader does: the tensors must tile the data section exactly, without gaps or overlaps.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of sorted) {
    if (e.begin !== cursor) throw new SerializationError(`${op}: tensor '${e.name}' starts at byte ${e.begin} of the data, expected ${cursor} (gap or overlap)`);
    cursor = e.end;
  }
  if (cursor !== dataLength) throw new SerializationError(`${op}: the tensors cover ${cursor} bytes of data, but the file holds ${dataLength}`);
  return { entries, metadata, dataStart };
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function decode(view: DataView, start: number, dtype: string, count: number): Float32Array {
  const out = new Float32Array(count);
  const size = DTYPE_BYTES[dtype];
  for (let i = 0, p = start; i < count; i++, p += size) {
    switch (dtype) {
      case 'F32': out[i] = view.getFloat32(p, true); break;
      case 'F64': out[i] = view.getFloat64(p, true); break;
      case 'F16': out[i] = halfToFloat(view.getUint16(p, true)); break;
      case 'BF16': {
        // bfloat16 is the top half of a float32.
        const scratch = new DataView(new ArrayBuffer(4));
        scratch.setUint32(0, view.getUint16(p, true) << 16, true);
        out[i] = scratch.getFloat32(0, true);
        break;
      }
      case 'I64': out[i] = Number(view.getBigInt64(p, true)); break;
      case 'U64': out[i] = Number(view.getBigUint64(p, true)); break;
      case 'I32': out[i] = view.getInt32(p, true); break;
      case 'U32': out[i] = view.getUint32(p, true); break;
      case 'I16': out[i] = view.getInt16(p, true); break;
      case 'U16': out[i] = view.getUint16(p, true); break;
      case 'I8': out[i] = view.getInt8(p); break;
      case 'U8': out[i] = view.getUint8(p); break;
      case 'BOOL': out[i] = view.getUint8(p) !== 0 ? 1 : 0; break;
    }
  }
  return out;
}

/**
 * Reads the tensors of a safetensors file (e.g. written by `safetensors.torch.save_file`), by name
 * in file order, as float32 tensors on `backend`. `F32` data loads bit-exactly; other dtypes
 * (`F64`, `F16`, `BF16`, integer and `BOOL`) are converted to float32. The result can be passed to
 * `module.loadStateDict`.
 *
 * @remarks Throws a `SerializationError` (a `ValueError`) for a truncated file, a malformed header,
 * an unknown dtype, data offsets that do not match the shapes or do not tile the data section, or
 * (unless `allowNonFinite`) a NaN or infinite value; it checks the whole file before creating any tensor.
 * @example
 * ```ts
 * const bytes = new Uint8Array(await fs.promises.readFile('model.safetensors'));
 * model.loadStateDict(loadSafetensors(bytes, { backend }));
 * ```
 */
export function loadSafetensors(bytes: Uint8Array | ArrayBuffer, rawOptions?: LoadOptions | null): Record<string, Tensor> {
  const options = checkOptions(rawOptions, { where: 'loadSafetensors(bytes, options)', spec: LOAD_OPTION_SPEC });
  const data = fileBytes('loadSafetensors', bytes);
  const { entries, dataStart } = parseHeader(data);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  // Every tensor is decoded and checked before any is uploaded, so a bad file creates nothing.
  const decoded = entries.map((e) => {
    const values = decode(view, dataStart + e.begin, e.dtype, e.shape.reduce((a, b) => a * b, 1));
    assertFiniteData('loadSafetensors', e.name, values, options.allowNonFinite);
    return { e, values };
  });
  const out: Record<string, Tensor> = {};
  for (const { e, values } of decoded) out[e.name] = makeTensor(values, e.shape, options);
  return out;
}

/** The `__metadata__` of a safetensors file (e.g. `{ format: 'pt' }`), or `null` when it has none. */
export function safetensorsMetadata(bytes: Uint8Array | ArrayBuffer): Record<string, string> | null {
  return parseHeader(fileBytes('safetensorsMetadata', bytes)).metadata;
}

function fileBytes(op: string, bytes: unknown): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  throw new SerializationError(`${op}: expected the file's bytes as a Uint8Array or an ArrayBuffer, got ${describeValue(bytes)}`);
}
