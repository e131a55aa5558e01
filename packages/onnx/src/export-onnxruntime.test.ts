import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Dropout, Embedding, Generator, Linear, Module, add, mul, permute, randn, relu, reshape, sigmoid, slice, softmax, sum, tensor, type Tensor } from '@gated/core';
import { TOLERANCE, assertClose } from '@gated/core/testing';
import { CpuBackend } from '@gated/backend-cpu';
import { AttentionPooling, GRU, GRUCell } from '@gated/gru';
import { LSTM } from '@gated/lstm';
import { OnnxExportError, exportOnnx, importOnnx, type ExportInput, type ExportResult } from './index';
import { decodeModel } from './proto/codec';

// Every exported model runs in onnxruntime-node (an independent implementation of the ONNX GRU/LSTM
// operators) on the example inputs and on inputs of another batch and sequence size (the dynamic
// axes), and matches Gated's own forward; importOnnx reads it back into a Gated model that matches
// the original's outputs and input gradients.
const backend = new CpuBackend();
const generator = new Generator(13);

/** Inputs as onnxruntime tensors, with the element types the exported graph declares. */
function ortFeeds(bytes: Uint8Array, inputs: Record<string, ExportInput>): Record<string, ort.Tensor> {
  const graph = decodeModel(bytes).graph!;
  const feeds: Record<string, ort.Tensor> = {};
  for (const info of graph.input) {
    const value = inputs[info.name];
    const elemType = info.type!.tensorType!.elemType;
    const t = value instanceof Int32Array || Array.isArray(value) ? tensor(value as number[], undefined, { backend }) : (value as Tensor);
    const data = t.dataSync();
    if (elemType === 1) feeds[info.name] = new ort.Tensor('float32', Float32Array.from(data), [...t.shape]);
    else if (elemType === 6) feeds[info.name] = new ort.Tensor('int32', Int32Array.from(data), [...t.shape]);
    else feeds[info.name] = new ort.Tensor('int64', BigInt64Array.from(Array.from(data, (v) => BigInt(v))), [...t.shape]);
  }
  return feeds;
}

function asRecord(result: ExportResult): Record<string, Tensor> {
  if (Array.isArray(result)) return Object.fromEntries(result.map((t, i) => [`output_${i}`, t]));
  if ('shape' in (result as object)) return { output: result as Tensor };
  return Object.fromEntries(Object.entries(result as Record<string, Tensor | null>).filter((e): e is [string, Tensor] => e[1] !== null && e[1] !== undefined));
}

interface ExportCase {
  readonly name: string;
  readonly fn: (inputs: Record<string, ExportInput>) => ExportResult;
  /** Example inputs, and inputs of other sizes for the dynamic axes. */
  readonly inputs: readonly Record<string, ExportInput>[];
  readonly module?: Module;
  /** ONNX operators the graph must contain (recurrent layers stay native nodes). */
  readonly ops: readonly string[];
  /** Parameters the imported model must have under the original's names (their gradients are compared). */
  readonly sharedParameters?: readonly string[];
}

async function checkCase(c: ExportCase): Promise<void> {
  const bytes = exportOnnx(c.fn, c.inputs[0], c.module ? { module: c.module } : {});
  const graph = decodeModel(bytes).graph!;
  const ops = graph.node.map((n) => n.opType);
  for (const op of c.ops) expect(ops, `${c.name}: graph has ${op}`).toContain(op);
  expect(ops).not.toContain('Loop');
  const session = await ort.InferenceSession.create(bytes);
  for (const inputs of c.inputs) {
    const expected = asRecord(c.fn(inputs));
    const results = await session.run(ortFeeds(bytes, inputs));
    expect(Object.keys(results).sort()).toEqual(Object.keys(expected).sort());
    for (const [key, t] of Object.entries(expected)) {
      expect([...results[key].dims], `${c.name} ${key} shape`).toEqual(t.shape);
      assertClose(results[key].data as Float32Array, t.dataSync(), TOLERANCE.accumulation, `${c.name}: onnxruntime ${key}`);
    }
  }
  // Gated → ONNX → Gated: same outputs, same gradients of the float inputs.
  const imported = importOnnx(bytes, { backend });
  const originalParameters = c.module?.stateDict() ?? {};
  const shared = Object.keys(imported.stateDict()).filter((key) => key in originalParameters);
  expect(shared).toEqual(expect.arrayContaining([...(c.sharedParameters ?? [])]));
  for (const inputs of c.inputs) {
    imported.zeroGrad();
    c.module?.zeroGrad();
    const floatInputs = Object.entries(inputs).filter(([, v]) => !Array.isArray(v) && !(v instanceof Int32Array));
    const fresh = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, floatInputs.some(([f]) => f === k) ? tensor((v as Tensor).dataSync(), (v as Tensor).shape, { backend, requiresGrad: true }) : v]));
    const again = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, floatInputs.some(([f]) => f === k) ? tensor((v as Tensor).dataSync(), (v as Tensor).shape, { backend, requiresGrad: true }) : v]));
    const original = asRecord(c.fn(fresh));
    const roundTrip = imported.forward(again as Record<string, Tensor>);
    let lossA: Tensor | null = null;
    let lossB: Tensor | null = null;
    for (const [key, t] of Object.entries(original)) {
      assertClose(roundTrip[key].dataSync(), t.dataSync(), TOLERANCE.accumulation, `${c.name}: round trip ${key}`);
      const w = randn(t.shape, { backend, generator });
      lossA = lossA === null ? sum(mul(t, w)) : add(lossA, sum(mul(t, w)));
      lossB = lossB === null ? sum(mul(roundTrip[key], w)) : add(lossB, sum(mul(roundTrip[key], w)));
    }
    lossA!.backward();
    lossB!.backward();
    // Parameters that keep their name through the file (Linear, Embedding, AttentionPooling) get the same gradient.
    for (const key of shared) {
      assertClose(imported.stateDict()[key].grad!.dataSync(), originalParameters[key].grad!.dataSync(), TOLERANCE.accumulation, `${c.name}: round-trip gradient of ${key}`);
    }
    for (const [key] of floatInputs) {
      assertClose((again[key] as Tensor).grad!.dataSync(), (fresh[key] as Tensor).grad!.dataSync(), TOLERANCE.accumulation, `${c.name}: round-trip gradient of ${key}`);
    }
  }
}

class TextClassifier extends Module {
  readonly embedding: Embedding;
  readonly gru: GRU;
  readonly attention: AttentionPooling;
  readonly dropout: Dropout;
  readonly fc: Linear;

  constructor() {
    super();
    this.embedding = this.registerModule('embedding', new Embedding({ numEmbeddings: 12, embeddingDim: 5, paddingIdx: 0, generator, backend }));
    this.gru = this.registerModule('gru', new GRU({ inputSize: 5, hiddenSize: 6, batchFirst: true, bidirectional: true, generator, backend }));
    this.attention = this.registerModule('attention', new AttentionPooling({ inputSize: 12, batchFirst: true, generator, backend }));
    this.dropout = this.registerModule('dropout', new Dropout({ p: 0.3 }));
    this.fc = this.registerModule('fc', new Linear({ inFeatures: 12, outFeatures: 3, generator, backend }));
  }

  forward(tokens: number[][], lengths: number[]): { logits: Tensor; weights: Tensor } {
    const { output } = this.gru.forward(this.embedding.forward(tokens), null, { lengths });
    const { pooled, weights } = this.attention.forward(output, { lengths });
    return { logits: this.fc.forward(this.dropout.forward(pooled)), weights };
  }
}

const tokens = (rows: number, steps: number, lengths: number[]) =>
  Array.from({ length: rows }, (_, r) => Array.from({ length: steps }, (_, s) => (s < lengths[r] ? 1 + Math.floor(generator.nextFloat() * 11) : 0)));

describe('exportOnnx → onnxruntime-node and back through importOnnx', () => {
  const gru1 = new GRU({ inputSize: 3, hiddenSize: 4, generator, backend });
  const gru2 = new GRU({ inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, batchFirst: true, generator, backend });
  const gruBefore = new GRU({ inputSize: 3, hiddenSize: 4, numLayers: 2, resetAfter: false, generator, backend });
  const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, generator, backend });
  const head = new Linear({ inFeatures: 10, outFeatures: 2, generator, backend });
  const wide = new GRU({ inputSize: 512, hiddenSize: 160, bidirectional: true, generator, backend });
  const classifier = new TextClassifier().eval();

  const cases: ExportCase[] = [
    {
      name: 'GRU 1-layer',
      fn: (i) => gru1.forward(i.x as Tensor),
      inputs: [{ x: randn([5, 2, 3], { backend, generator }) }, { x: randn([7, 4, 3], { backend, generator }) }],
      module: gru1,
      ops: ['GRU'],
    },
    {
      name: 'GRU 2-layer bidirectional batch-first with h0 and lengths',
      fn: (i) => gru2.forward(i.x as Tensor, i.h0 as Tensor, { lengths: i.lengths as number[] }),
      inputs: [
        { x: randn([3, 6, 3], { backend, generator }), h0: randn([4, 3, 5], { backend, generator }), lengths: [6, 2, 4] },
        { x: randn([2, 4, 3], { backend, generator }), h0: randn([4, 2, 5], { backend, generator }), lengths: [1, 4] },
      ],
      module: gru2,
      ops: ['GRU'],
    },
    {
      name: 'reset-before GRU 2-layer (linear_before_reset = 0)',
      fn: (i) => gruBefore.forward(i.x as Tensor),
      inputs: [{ x: randn([4, 2, 3], { backend, generator }) }, { x: randn([6, 3, 3], { backend, generator }) }],
      module: gruBefore,
      ops: ['GRU'],
    },
    {
      name: 'LSTM 2-layer bidirectional with h0, c0 and lengths',
      fn: (i) => lstm.forward(i.x as Tensor, { h0: i.h0 as Tensor, c0: i.c0 as Tensor }, { lengths: i.lengths as Int32Array }),
      inputs: [
        { x: randn([5, 3, 3], { backend, generator }), h0: randn([4, 3, 4], { backend, generator }), c0: randn([4, 3, 4], { backend, generator }), lengths: Int32Array.of(5, 3, 1) },
        { x: randn([3, 2, 3], { backend, generator }), h0: randn([4, 2, 4], { backend, generator }), c0: randn([4, 2, 4], { backend, generator }), lengths: Int32Array.of(2, 3) },
      ],
      module: lstm,
      ops: ['LSTM'],
    },
    {
      // 3 · 160 · 512 = 245,760 weights per direction: more than one JS call takes as arguments.
      name: 'GRU with large weight matrices (bidirectional, inputSize 512, hiddenSize 160)',
      fn: (i) => wide.forward(i.x as Tensor),
      inputs: [{ x: randn([2, 1, 512], { backend, generator }) }],
      module: wide,
      ops: ['GRU'],
    },
    {
      name: 'last layer of hN sliced, Linear, activations and softmax',
      fn: (i) => {
        const { hN } = gru2.forward(i.x as Tensor);
        const batch = hN.shape[1];
        const last = slice(hN, [2, 0, 0], [2, batch, 5]); // the last layer, both directions
        const features = reshape(permute(last, [1, 0, 2]), [batch, 10]);
        const logits = head.forward(relu(add(features, 0.1)));
        return { probabilities: softmax(logits, -1), gate: sigmoid(features) };
      },
      inputs: [{ x: randn([2, 5, 3], { backend, generator }) }, { x: randn([5, 3, 3], { backend, generator }) }],
      ops: ['GRU', 'Slice', 'Gemm', 'Softmax', 'Relu', 'Sigmoid'],
    },
    {
      name: 'text classifier of the GRU guide (embedding → bidirectional GRU → attention pooling with masks → dropout (eval) → linear)',
      fn: (i) => classifier.forward(i.tokens as number[][], i.lengths as number[]),
      inputs: [
        { tokens: tokens(4, 7, [7, 3, 5, 1]), lengths: [7, 3, 5, 1] },
        { tokens: tokens(2, 9, [9, 4]), lengths: [9, 4] },
      ],
      module: classifier,
      ops: ['Gather', 'GRU', 'Softmax', 'Gemm', 'Where'],
      sharedParameters: ['embedding.weight', 'attention.weight', 'attention.bias', 'attention.context', 'fc.weight', 'fc.bias'],
    },
  ];

  for (const c of cases) it(c.name, () => checkCase(c));

  it('writes opset 17 with named inputs and outputs, dynamic axes, and raw_data initializers named after the parameters', () => {
    const bytes = exportOnnx(classifier, { tokens: tokens(2, 3, [3, 2]), lengths: [3, 2] }, { dynamicAxes: { tokens: { 0: 'batch', 1: 'seq' }, lengths: { 0: 'batch' } } });
    const model = decodeModel(bytes);
    expect(model.opsetImport[0].version).toBe(17);
    const graph = model.graph!;
    expect(graph.input.map((v) => [v.name, v.type!.tensorType!.elemType, v.type!.tensorType!.shape!.dim.map((d) => d.dimParam)])).toEqual([
      ['tokens', 7, ['batch', 'seq']],
      ['lengths', 6, ['batch']],
    ]);
    expect(graph.output.map((v) => v.name)).toEqual(['logits', 'weights']);
    const initializers = new Map(graph.initializer.map((t) => [t.name, t]));
    for (const name of ['embedding.weight', 'fc.weight', 'fc.bias', 'attention.weight', 'attention.context', 'gru.W_l0', 'gru.R_l0', 'gru.B_l0']) {
      expect(initializers.get(name)?.rawData.length, name).toBeGreaterThan(0);
    }
    expect(graph.node.filter((n) => n.opType === 'GRU')).toHaveLength(1);
  });

  it("writes LSTM's tuple state [h0, c0] exactly as { h0, c0 }", () => {
    const x = randn([3, 2, 3], { backend, generator });
    const h0 = randn([4, 2, 4], { backend, generator });
    const c0 = randn([4, 2, 4], { backend, generator });
    const asObject = exportOnnx((i) => lstm.forward(i.x, { h0: i.h0, c0: i.c0 }), { x, h0, c0 }, { module: lstm });
    const asTuple = exportOnnx((i) => lstm.forward(i.x, [i.h0, i.c0]), { x, h0, c0 }, { module: lstm });
    expect(decodeModel(asTuple).graph!.node.filter((n) => n.opType === 'LSTM')[0].input).toHaveLength(7);
    expect(Buffer.from(asTuple).equals(Buffer.from(asObject))).toBe(true);
  });

  it('names what it cannot export', () => {
    const cell = new GRUCell({ inputSize: 3, hiddenSize: 2, generator, backend });
    expect(() => exportOnnx((i) => cell.forward(i.x as Tensor), { x: randn([2, 3], { backend, generator }) })).toThrow(/'GRULayer' is recurrent work outside a GRU or LSTM module \(GRUCell/);
    const training = new GRU({ inputSize: 3, hiddenSize: 2, numLayers: 2, dropout: 0.5, generator, backend });
    expect(() => exportOnnx((i) => training.forward(i.x as Tensor), { x: randn([4, 2, 3], { backend, generator }) })).toThrow(OnnxExportError);
    expect(() => exportOnnx((i) => training.forward(i.x as Tensor), { x: randn([4, 2, 3], { backend, generator }) })).toThrow(/eval\(\)/);
    const pooling = new AttentionPooling({ inputSize: 3, mode: 'structured', hops: 2, batchFirst: true, generator, backend });
    expect(() => exportOnnx((i) => ({ p: pooling.forward(i.x as Tensor).penalty }), { x: randn([2, 4, 3], { backend, generator }) })).toThrow(/penalty/);
    expect(() => exportOnnx((i) => gru1.forward(i.x as Tensor), { x: randn([2, 2, 3], { backend, generator }) }, { opsetVersion: 9 })).toThrow(/opsetVersion/);
    expect(() => exportOnnx((i) => relu(i.x as Tensor), { x: randn([2, 3], { backend, generator }) }, { outputNames: 'y' as never })).toThrow(/outputNames must be an array/);
    // A failed trace leaves the modules as they were: the wrappers are gone.
    expect(GRU.prototype.forward.name).toBe('forward');
    expect(Linear.prototype.forward.name).toBe('forward');
    expect(() => exportOnnx((i) => gru1.forward(i.x as Tensor), { x: randn([2, 2, 3], { backend, generator }) }, { opset: 17 } as never)).toThrow(/unknown option 'opset'; did you mean 'opsetVersion'/);
  });
});
