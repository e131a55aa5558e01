import { describe, expect, it } from 'vitest';
import { readFileSync as readText } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TOLERANCE, assertClose } from '@gated/core/testing';

// Each code block of docs/onnx.md, verbatim between DOC-BLOCK markers, so that the page cannot rot:
// the last test checks that the page shows exactly these blocks.
const modelPath = fileURLToPath(new URL('./__fixtures__/text-classifier.onnx', import.meta.url)); // the page reads 'text-classifier.onnx'
const log: unknown[] = [];
const console = { log: (...values: unknown[]) => log.push(values) };

// DOC-BLOCK-START export
import { Embedding, Generator, Linear, Module, setBackend, type Tensor } from '@gated/core';
import { CpuBackend } from '@gated/backend-cpu';
import { AttentionPooling, GRU } from '@gated/gru';
import { exportOnnx } from '@gated/onnx';
import * as ort from 'onnxruntime-node';

setBackend(new CpuBackend());

class TextClassifier extends Module {
  readonly embedding: Embedding;
  readonly gru: GRU;
  readonly attention: AttentionPooling;
  readonly fc: Linear;

  constructor(generator: Generator) {
    super();
    this.embedding = this.registerModule('embedding', new Embedding({ numEmbeddings: 12, embeddingDim: 8, paddingIdx: 0, generator }));
    this.gru = this.registerModule('gru', new GRU({ inputSize: 8, hiddenSize: 12, batchFirst: true, bidirectional: true, generator }));
    this.attention = this.registerModule('attention', new AttentionPooling({ inputSize: 24, batchFirst: true, generator }));
    this.fc = this.registerModule('fc', new Linear({ inFeatures: 24, outFeatures: 2, generator }));
  }

  forward(tokens: number[][], lengths: number[]): { logits: Tensor; weights: Tensor } {
    const { output } = this.gru.forward(this.embedding.forward(tokens), null, { lengths });
    const { pooled, weights } = this.attention.forward(output, { lengths });
    return { logits: this.fc.forward(pooled), weights };
  }
}

const model = new TextClassifier(new Generator(2024)); // ... trained as in the GRU guide
model.eval();
const tokens = [[3, 5, 7, 2], [4, 4, 0, 0]]; // padded with 0
const lengths = [4, 2];
const bytes = exportOnnx(model, { tokens, lengths }, { dynamicAxes: { tokens: { 0: 'batch', 1: 'seq' }, lengths: { 0: 'batch' } } });
// writeFileSync('classifier.onnx', bytes): inputs tokens (int64 [batch, seq]) and lengths (int32 [batch]),
// outputs logits and weights; the GRU is one native ONNX GRU node.

/** Runs the exported classifier: `runtime` is onnxruntime-node here, onnxruntime-web in a page. */
async function classify(runtime: typeof ort, modelBytes: Uint8Array, rows: number[][], rowLengths: number[]): Promise<Float32Array> {
  const session = await runtime.InferenceSession.create(modelBytes);
  const feeds = {
    tokens: new runtime.Tensor('int64', BigInt64Array.from(rows.flat(), (t) => BigInt(t)), [rows.length, rows[0].length]),
    lengths: new runtime.Tensor('int32', Int32Array.from(rowLengths), [rows.length]),
  };
  const { logits } = await session.run(feeds);
  return logits.data as Float32Array;
}

const rows = [[3, 5, 7, 2, 9, 1], [4, 4, 0, 0, 0, 0], [8, 0, 0, 0, 0, 0]]; // another batch size and length
const rowLengths = [6, 2, 1];
const served = await classify(ort, bytes, rows, rowLengths);
const direct = model.forward(rows, rowLengths).logits.dataSync();
console.log(served, Math.max(...served.map((v, i) => Math.abs(v - direct[i])))); // 3 rows of 2 logits; they differ from Gated's by about 1e-7
// DOC-BLOCK-END export

// DOC-BLOCK-START import
import { readFileSync } from 'node:fs';
import { Adam, crossEntropy } from '@gated/core';
import { importOnnx } from '@gated/onnx';

// With a backend set as above. text-classifier.onnx: torch.onnx.export of embedding → GRU → linear.
const imported = importOnnx(readFileSync(modelPath));
console.log(imported.inputs); // [{ name: 'tokens', elementType: 'INT64', shape: ['batch', 'seq'] }]
console.log(Object.keys(imported.stateDict())); // embedding.weight, fc.weight, fc.bias, gru_GRU.weight_ih_l0, ...

const optimizer = new Adam(imported.parameters(), { lr: 0.01 });
const batch = [[1, 5, 9, 2, 0, 0, 0], [7, 7, 3, 0, 0, 0, 0]];
const labels = [2, 0];
const losses: number[] = [];
for (let step = 0; step < 20; step++) {
  optimizer.zeroGrad();
  const loss = crossEntropy(imported.forward({ tokens: batch }).logits, labels);
  loss.backward();
  optimizer.step();
  losses.push(loss.item());
}
// DOC-BLOCK-END import

describe('docs/onnx.md', () => {
  it('exports a classifier that onnxruntime serves with the same logits, for a batch and sequence length other than the example', () => {
    expect(served).toHaveLength(6);
    assertClose(served, direct, TOLERANCE.accumulation, 'onnxruntime vs Gated');
  });

  it('imports the PyTorch classifier and fine-tunes it: the loss falls', () => {
    expect(imported.inputs.map((i) => i.name)).toEqual(['tokens']);
    expect(Object.keys(imported.stateDict())).toContain('gru_GRU.weight_ih_l0');
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.5);
    expect(log).toHaveLength(3); // the page prints the served logits, the inputs and the parameter names
  });

  it('shows exactly these blocks', () => {
    const page = readText(fileURLToPath(new URL('../../../docs/onnx.md', import.meta.url)), 'utf8');
    const source = readText(fileURLToPath(import.meta.url), 'utf8');
    const blocks = [...source.matchAll(/\/\/ DOC-BLOCK-START (\w+)\n([\s\S]*?)\/\/ DOC-BLOCK-END/g)];
    expect(blocks.map((b) => b[1])).toEqual(['export', 'import']);
    const pageBlocks = [...page.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    // The page reads the file PyTorch wrote, where this test reads the committed fixture.
    expect(pageBlocks).toEqual(blocks.map((b) => b[2].replace('readFileSync(modelPath)', "readFileSync('text-classifier.onnx')")));
  });
});
