import protobuf from 'protobufjs/light.js';
import { OnnxFormatError } from '../errors';
import { ONNX_SCHEMA } from './schema';

/** ONNX `TensorProto.DataType` values Gated meets. @internal */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  DOUBLE: 11,
} as const;

/** ONNX `AttributeProto.AttributeType` values. @internal */
export const AttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
} as const;

/** An int64 as the reader returns it (protobufjs' `longs: Number`). @internal */
export type Int64 = number;

/** A decoded `TensorProto`. @internal */
export interface TensorMessage {
  dims: Int64[];
  dataType: number;
  floatData: number[];
  int32Data: number[];
  stringData: Uint8Array[];
  int64Data: Int64[];
  doubleData: number[];
  uint64Data: Int64[];
  name: string;
  rawData: Uint8Array;
  externalData: { key: string; value: string }[];
  dataLocation: number;
}

/** A decoded `AttributeProto`. @internal */
export interface AttributeMessage {
  name: string;
  refAttrName: string;
  type: number;
  f: number;
  i: Int64;
  s: Uint8Array;
  t: TensorMessage | null;
  g: GraphMessage | null;
  floats: number[];
  ints: Int64[];
  strings: Uint8Array[];
  tensors: TensorMessage[];
  graphs: GraphMessage[];
}

/** A decoded `NodeProto`. @internal */
export interface NodeMessage {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain: string;
  attribute: AttributeMessage[];
}

/** A decoded `TensorShapeProto.Dimension`. @internal */
export interface DimensionMessage {
  dimValue?: Int64 | null;
  dimParam?: string | null;
}

/** A decoded `ValueInfoProto`. @internal */
export interface ValueInfoMessage {
  name: string;
  type: {
    tensorType?: { elemType: number; shape: { dim: DimensionMessage[] } | null } | null;
    sequenceType?: Uint8Array | null;
    mapType?: Uint8Array | null;
    optionalType?: Uint8Array | null;
    sparseTensorType?: Uint8Array | null;
  } | null;
}

/** A decoded `GraphProto`. @internal */
export interface GraphMessage {
  node: NodeMessage[];
  name: string;
  initializer: TensorMessage[];
  sparseInitializer: Uint8Array[];
  input: ValueInfoMessage[];
  output: ValueInfoMessage[];
  valueInfo: ValueInfoMessage[];
}

/** A decoded `ModelProto`. @internal */
export interface ModelMessage {
  irVersion: Int64;
  opsetImport: { domain: string; version: Int64 }[];
  producerName: string;
  producerVersion: string;
  graph: GraphMessage | null;
}

let modelType: protobuf.Type | null = null;

/** The protobufjs reflection type of `ModelProto`, built once from {@link ONNX_SCHEMA}. */
function modelProto(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(ONNX_SCHEMA).lookupType('onnx.ModelProto');
  return modelType;
}

/** An int64 field as a JS number; values beyond ±2^53 are a format error rather than a silent rounding. @internal */
export function int64(value: Int64, what: string): number {
  const n = value;
  if (!Number.isSafeInteger(n)) throw new OnnxFormatError(`importOnnx: ${what} is ${n}, beyond the safe integer range`);
  return n;
}

/**
 * Decodes the bytes of an `.onnx` file. Truncated or corrupt protobuf is an {@link OnnxFormatError};
 * every repeated field is an array and every message field is set or `null`.
 * @internal
 */
export function decodeModel(bytes: Uint8Array): ModelMessage {
  if (!(bytes instanceof Uint8Array)) {
    throw new OnnxFormatError(`importOnnx: expected the model as a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  }
  if (bytes.length === 0) throw new OnnxFormatError('importOnnx: the model is empty (0 bytes)');
  const type = modelProto();
  let message: protobuf.Message;
  try {
    message = type.decode(bytes);
  } catch (error) {
    throw new OnnxFormatError(`importOnnx: the bytes are not a valid ONNX protobuf (${(error as Error).message}); the file may be truncated or corrupt`);
  }
  // toObject with defaults and arrays fills every absent field, so the reader never sees undefined.
  return type.toObject(message, { defaults: true, arrays: true, longs: Number }) as unknown as ModelMessage;
}

/** A `ModelProto` to write: plain objects with the schema's camel-cased field names. @internal */
export type ModelInit = Record<string, unknown>;

/** Encodes a model object (validated against the schema first). @internal */
export function encodeModel(model: ModelInit): Uint8Array {
  const type = modelProto();
  const problem = type.verify(model);
  if (problem !== null) throw new OnnxFormatError(`exportOnnx: internal error, the model does not fit the ONNX schema: ${problem}`);
  return type.encode(type.fromObject(model)).finish();
}
