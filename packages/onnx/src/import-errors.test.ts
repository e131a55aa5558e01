import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs/light.js';
import { GatedError, Generator, tensor } from '@gated/core';
import { TOLERANCE, assertClose } from '@gated/core/testing';
import { CpuBackend } from '@gated/backend-cpu';
import { OnnxFormatError, OnnxUnsupportedError, importOnnx } from './index';
import { AttributeType, DataType, encodeModel } from './proto/codec';
import { ONNX_SCHEMA } from './proto/schema';

const backend = new CpuBackend();
const fixture = readFileSync(new URL('./__fixtures__/gru-1layer.onnx', import.meta.url));

/** A Gemm model y = x·Wᵀ + b with W [2, 3] and b [2] given as `float_data` (typed fields, not raw_data). */
function gemmModel(overrides: { opset?: number; nodes?: Record<string, unknown>[]; initializers?: Record<string, unknown>[] } = {}): Record<string, unknown> {
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: overrides.opset ?? 14 }],
    graph: {
      name: 'g',
      node: overrides.nodes ?? [{ opType: 'Gemm', input: ['x', 'W', 'b'], output: ['y'], name: 'fc', attribute: [{ name: 'transB', type: AttributeType.INT, i: 1 }] }],
      initializer: overrides.initializers ?? [
        { name: 'W', dims: [2, 3], dataType: DataType.FLOAT, floatData: [1, 2, 3, 4, 5, 6] },
        { name: 'b', dims: [2], dataType: DataType.FLOAT, floatData: [0.5, -0.5] },
      ],
      input: [{ name: 'x', type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: 3 }] } } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: DataType.FLOAT } } }],
    },
  };
}

/** Encodes with every repeated scalar field unpacked (one tag per element), as older writers do. */
function encodeUnpacked(model: Record<string, unknown>): Uint8Array {
  const schema = JSON.parse(JSON.stringify(ONNX_SCHEMA), (key, value) => (key === 'packed' ? false : value));
  const type = protobuf.Root.fromJSON(schema).lookupType('onnx.ModelProto');
  return type.encode(type.fromObject(model)).finish();
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return null;
}

describe('importOnnx: readers', () => {
  it('reads typed-field initializers and both packed and unpacked repeated fields to the same model', () => {
    const packed = encodeModel(gemmModel());
    const unpacked = encodeUnpacked(gemmModel());
    expect(Buffer.from(unpacked).equals(Buffer.from(packed))).toBe(false);
    const x = tensor([[1, 0, -1], [2, 1, 0]], undefined, { backend });
    const expected = [1 - 3 + 0.5, 4 - 6 - 0.5, 2 + 2 + 0.5, 8 + 5 - 0.5];
    for (const bytes of [packed, unpacked]) {
      const model = importOnnx(bytes, { backend });
      expect(model.inputs).toEqual([{ name: 'x', elementType: 'FLOAT', shape: ['batch', 3] }]);
      assertClose(model.forward({ x }).y.dataSync(), expected, TOLERANCE.exact, 'Gemm');
      expect(Object.keys(model.stateDict())).toEqual(['W', 'b']);
    }
  });

  it('reads int64 constants from int64_data and raw_data alike', () => {
    const shapeNode = (name: string, value: Record<string, unknown>) => ({ opType: 'Constant', input: [], output: [name], name, attribute: [{ name: 'value', type: AttributeType.TENSOR, t: value }] });
    const model = gemmModel({
      nodes: [
        shapeNode('typed', { dims: [2], dataType: DataType.INT64, int64Data: [0, -1] }),
        shapeNode('raw', { dims: [1], dataType: DataType.INT64, rawData: new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]) }),
        { opType: 'Reshape', input: ['x', 'typed'], output: ['flat'], name: 'reshape' },
        { opType: 'Unsqueeze', input: ['flat', 'raw'], output: ['y'], name: 'unsqueeze' },
      ],
      initializers: [],
    });
    const y = importOnnx(encodeModel(model), { backend }).forward({ x: tensor([[1, 2, 3]], undefined, { backend }) }).y;
    expect(y.shape).toEqual([1, 1, 3]);
  });
});

describe('importOnnx: unsupported models are rejected with everything that is missing', () => {
  it('lists unsupported operators, opsets, data types, external data and domains together', () => {
    const model = gemmModel({
      opset: 9,
      nodes: [
        { opType: 'Conv', input: ['x', 'W'], output: ['c'], name: 'conv1' },
        { opType: 'Conv', input: ['c', 'W'], output: ['c2'], name: 'conv2' },
        { opType: 'FusedGemm', domain: 'com.microsoft', input: ['c2', 'W'], output: ['y'], name: 'fused' },
      ],
      initializers: [
        { name: 'W', dims: [2], dataType: DataType.DOUBLE, doubleData: [1, 2] },
        { name: 'big', dims: [4], dataType: DataType.FLOAT, dataLocation: 1, externalData: [{ key: 'location', value: 'weights.bin' }] },
      ],
    });
    const error = thrown(() => importOnnx(encodeModel(model), { backend }));
    expect(error).toBeInstanceOf(OnnxUnsupportedError);
    const missing = (error as OnnxUnsupportedError).missing;
    expect(missing).toEqual([
      'opset 9 (supported: 13 to 21)',
      'data type DOUBLE (initializer "W")',
      "external data file 'weights.bin' (initializer \"big\"); save the model with its weights inside",
      'operator com.microsoft.FusedGemm (FusedGemm node "fused"): only the default ONNX domain is supported',
      'operator Conv (2 nodes: conv1, conv2)',
    ]);
    expect((error as Error).message).toMatch(/5 unsupported features/);
  });

  it('lists GRU attributes it cannot honour', () => {
    const gru = {
      opType: 'GRU',
      input: ['x', 'W', 'R'],
      output: ['y'],
      name: 'gru',
      attribute: [
        { name: 'hidden_size', type: AttributeType.INT, i: 1 },
        { name: 'direction', type: AttributeType.STRING, s: new TextEncoder().encode('reverse') },
        { name: 'clip', type: AttributeType.FLOAT, f: 3 },
        { name: 'activations', type: AttributeType.STRINGS, strings: ['Relu', 'Tanh'].map((s) => new TextEncoder().encode(s)) },
      ],
    };
    const model = gemmModel({
      nodes: [gru],
      initializers: [
        { name: 'W', dims: [1, 3, 3], dataType: DataType.FLOAT, floatData: new Array(9).fill(0) },
        { name: 'R', dims: [1, 3, 1], dataType: DataType.FLOAT, floatData: new Array(3).fill(0) },
      ],
    });
    const error = thrown(() => importOnnx(encodeModel(model), { backend })) as OnnxUnsupportedError;
    expect(error).toBeInstanceOf(OnnxUnsupportedError);
    expect(error.missing).toEqual([
      'direction "reverse" (GRU node "gru"); forward and bidirectional are supported',
      'clip (GRU node "gru")',
      'activations Relu, Tanh (GRU node "gru"); only Sigmoid, Tanh is supported',
    ]);
  });
});

describe('importOnnx: malformed bytes are a typed error, never a crash or a partial model', () => {
  it('rejects empty input, non-bytes and garbage', () => {
    expect(() => importOnnx(new Uint8Array(0), { backend })).toThrow(OnnxFormatError);
    expect(() => importOnnx('model.onnx' as never, { backend })).toThrow(OnnxFormatError);
    expect(() => importOnnx(new TextEncoder().encode('this is not a protobuf model at all'), { backend })).toThrow(OnnxFormatError);
    expect(() => importOnnx(fixture, { backend, strict: true } as never)).toThrow(/importOnnx\(bytes, options\): unknown option 'strict'/);
  });

  it('rejects a graph that reads an undefined value or whose initializer data does not match its shape', () => {
    const dangling = gemmModel({ nodes: [{ opType: 'Relu', input: ['nowhere'], output: ['y'], name: 'relu' }] });
    expect(() => importOnnx(encodeModel(dangling), { backend })).toThrow(/reads 'nowhere', which no earlier node/);
    const short = gemmModel({ initializers: [{ name: 'W', dims: [2, 3], dataType: DataType.FLOAT, floatData: [1, 2] }, { name: 'b', dims: [2], dataType: DataType.FLOAT, floatData: [0, 0] }] });
    expect(() => importOnnx(encodeModel(short), { backend })).toThrow(OnnxFormatError);
    const rawShort = gemmModel({ initializers: [{ name: 'W', dims: [2, 3], dataType: DataType.FLOAT, rawData: new Uint8Array(20) }, { name: 'b', dims: [2], dataType: DataType.FLOAT, floatData: [0, 0] }] });
    expect(() => importOnnx(encodeModel(rawShort), { backend })).toThrow(/raw_data has 20 bytes/);
  });

  it('every truncation of a PyTorch-exported file is rejected with a GatedError, or decodes to a smaller valid model at a field boundary', () => {
    let rejected = 0;
    for (let length = 0; length < fixture.length; length++) {
      const error = thrown(() => importOnnx(fixture.subarray(0, length), { backend }));
      if (error === null) continue;
      expect(error, `truncated to ${length} bytes: ${String(error)}`).toBeInstanceOf(GatedError);
      rejected++;
    }
    // Protobuf has no end marker: only a cut exactly between two top-level fields can still decode.
    expect(rejected).toBeGreaterThan(fixture.length * 0.95);
  });

  it('corrupted bytes (seeded random flips) give a GatedError or a model whose forward fails with one', () => {
    const generator = new Generator(7);
    const x = tensor(new Float32Array(5 * 2 * 3).fill(0.5), [5, 2, 3], { backend });
    for (let trial = 0; trial < 300; trial++) {
      const bytes = Uint8Array.from(fixture);
      for (let k = 0; k < 3; k++) bytes[Math.floor(generator.nextFloat() * bytes.length)] = Math.floor(generator.nextFloat() * 256);
      const error = thrown(() => importOnnx(bytes, { backend }).forward({ x }));
      if (error !== null) expect(error, `trial ${trial}: ${String(error)}`).toBeInstanceOf(GatedError);
    }
  });
});

describe('OnnxModel', () => {
  it('holds its parameters on the backend it was imported to and runs there', () => {
    const other = new CpuBackend();
    const model = importOnnx(fixture, { backend: other });
    expect(model.backend).toBe(other);
    expect(model.parameters().length).toBeGreaterThan(0);
    expect(model.parameters().every((p) => p.backend === other)).toBe(true);
    const { output } = model.forward({ x: tensor(new Float32Array(5 * 2 * 3).fill(0.1), [5, 2, 3], { backend: other }) });
    expect(output.backend).toBe(other);
    expect(output.shape).toEqual([5, 2, 4]);
  });

  it('names a missing, unknown or non-integer input', () => {
    const model = importOnnx(fixture, { backend });
    expect(() => model.forward({})).toThrow("OnnxModel: missing input 'x' (FLOAT [seq, batch, 3])");
    const x = tensor(new Float32Array(6), [1, 2, 3], { backend });
    expect(() => model.forward({ x, h0: x })).toThrow("OnnxModel: unknown input h0; the model's inputs are x");
    const classifier = importOnnx(readFileSync(new URL('./__fixtures__/text-classifier.onnx', import.meta.url)), { backend });
    expect(() => classifier.forward({ tokens: [[1.5, 2]] })).toThrow("OnnxModel: input 'tokens' is INT64, got the non-integer value 1.5");
  });
});
