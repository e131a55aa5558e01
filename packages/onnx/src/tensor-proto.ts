import { sizeOfShape } from '@gated/core';
import { OnnxFormatError } from './errors';
import { hostArray, type HostArray, type HostDType } from './host-array';
import { DataType, int64, type TensorMessage } from './proto/codec';

const DTYPE_NAMES: Record<number, string> = {
  0: 'UNDEFINED', 1: 'FLOAT', 2: 'UINT8', 3: 'INT8', 4: 'UINT16', 5: 'INT16', 6: 'INT32', 7: 'INT64', 8: 'STRING', 9: 'BOOL',
  10: 'FLOAT16', 11: 'DOUBLE', 12: 'UINT32', 13: 'UINT64', 14: 'COMPLEX64', 15: 'COMPLEX128', 16: 'BFLOAT16',
};

/** The ONNX name of a data type number (`FLOAT`, `INT64`, ...). @internal */
export function dataTypeName(type: number): string {
  return DTYPE_NAMES[type] ?? `data type ${type}`;
}

/** The host dtype of an ONNX element type, or `null` when Gated does not read it. @internal */
export function hostDTypeOf(type: number): HostDType | null {
  switch (type) {
    case DataType.FLOAT:
      return 'float32';
    case DataType.INT64:
      return 'int64';
    case DataType.INT32:
      return 'int32';
    case DataType.BOOL:
      return 'bool';
    default:
      return null;
  }
}

/** What is unsupported about a tensor (data type, external data), or an empty list. @internal */
export function tensorProblems(t: TensorMessage, where: string): string[] {
  const problems: string[] = [];
  if (hostDTypeOf(t.dataType) === null) problems.push(`data type ${dataTypeName(t.dataType)} (${where})`);
  if (t.dataLocation === 1 || t.externalData.length > 0) {
    const location = t.externalData.find((e) => e.key === 'location')?.value ?? '?';
    problems.push(`external data file '${location}' (${where}); save the model with its weights inside`);
  }
  return problems;
}

/**
 * Reads a `TensorProto` into a host array: `raw_data` (little-endian, fixed width) or the typed
 * field of its data type. The element count must match the dims exactly.
 * @internal
 */
export function readTensorProto(t: TensorMessage, where: string): HostArray {
  const dtype = hostDTypeOf(t.dataType);
  if (dtype === null) throw new OnnxFormatError(`importOnnx: ${where} has unsupported data type ${dataTypeName(t.dataType)}`);
  const shape = t.dims.map((d) => int64(d, `a dimension of ${where}`));
  if (shape.some((d) => d < 0)) throw new OnnxFormatError(`importOnnx: ${where} has a negative dimension: [${shape.join(', ')}]`);
  const size = sizeOfShape(shape);
  const raw = t.rawData;
  if (raw !== undefined && raw !== null && raw.length > 0) {
    const width = dtype === 'int64' ? 8 : dtype === 'bool' ? 1 : 4;
    if (raw.length !== size * width) {
      throw new OnnxFormatError(`importOnnx: ${where} is [${shape.join(', ')}] ${dataTypeName(t.dataType)} (${size * width} bytes) but its raw_data has ${raw.length} bytes`);
    }
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const data = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      if (dtype === 'float32') data[i] = view.getFloat32(i * 4, true);
      else if (dtype === 'int32') data[i] = view.getInt32(i * 4, true);
      else if (dtype === 'bool') data[i] = view.getUint8(i) === 0 ? 0 : 1;
      else data[i] = Number(view.getBigInt64(i * 8, true));
    }
    return hostArray(dtype, shape, data);
  }
  const field = dtype === 'float32' ? t.floatData : dtype === 'int64' ? t.int64Data.map((v) => int64(v, `a value of ${where}`)) : t.int32Data;
  if (field.length !== size) {
    throw new OnnxFormatError(`importOnnx: ${where} is [${shape.join(', ')}] (${size} elements) but holds ${field.length} values`);
  }
  return hostArray(dtype, shape, field);
}

/** A `TensorProto` object for the writer, with the data as `raw_data`. @internal */
export function tensorProtoOf(name: string, dtype: 'float32' | 'int64' | 'int32', shape: readonly number[], data: ArrayLike<number>): Record<string, unknown> {
  const width = dtype === 'int64' ? 8 : 4;
  const bytes = new Uint8Array(data.length * width);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) {
    if (dtype === 'float32') view.setFloat32(i * 4, data[i], true);
    else if (dtype === 'int32') view.setInt32(i * 4, data[i], true);
    else view.setBigInt64(i * 8, BigInt(data[i]), true);
  }
  const dataType = dtype === 'float32' ? DataType.FLOAT : dtype === 'int32' ? DataType.INT32 : DataType.INT64;
  return { name, dims: [...shape], dataType, rawData: bytes };
}
