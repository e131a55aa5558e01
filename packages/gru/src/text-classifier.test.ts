/**
 * The text classifier of the GRU guide (docs/gru-guide.md), ported from the PyTorch notes in
 * `shared/seeds` (`AttentionGRU`: embedding → GRU → attention pooling → linear), with lengths so
 * that padding never reaches the attention.
 *
 * Toy task: does a sequence of 2–10 tokens from a vocabulary of 12 contain token 7?
 */
import { describe, expect, it } from 'vitest';
import { Adam, Embedding, Generator, Linear, Module, crossEntropy, noGrad, setBackend, type Tensor } from '@gated/core';
import { CpuBackend } from '@gated/backend-cpu';
import { AttentionPooling, GRU } from './index';

const PAD = 0;
const VOCAB = 12;
const TARGET_TOKEN = 7;
const MAX_LEN = 10;

class TextClassifier extends Module {
  readonly embedding: Embedding;
  readonly gru: GRU;
  readonly attention: AttentionPooling;
  readonly fc: Linear;

  constructor(options: { vocabSize: number; embeddingDim: number; hiddenSize: number; numClasses: number; generator: Generator }) {
    super();
    const { generator } = options;
    this.embedding = this.registerModule('embedding', new Embedding({ numEmbeddings: options.vocabSize, embeddingDim: options.embeddingDim, paddingIdx: PAD, generator }));
    this.gru = this.registerModule('gru', new GRU({ inputSize: options.embeddingDim, hiddenSize: options.hiddenSize, batchFirst: true, bidirectional: true, generator }));
    this.attention = this.registerModule('attention', new AttentionPooling({ inputSize: 2 * options.hiddenSize, batchFirst: true, generator }));
    this.fc = this.registerModule('fc', new Linear({ inFeatures: 2 * options.hiddenSize, outFeatures: options.numClasses, generator }));
  }

  /** `tokens` `[batch, seqLen]` padded with `PAD`, `lengths` `[batch]` → logits `[batch, numClasses]` and attention weights `[batch, seqLen]`. */
  forward(tokens: number[][], lengths: number[]): { logits: Tensor; weights: Tensor } {
    const embedded = this.embedding.forward(tokens); // [batch, seqLen, embeddingDim]
    const { output } = this.gru.forward(embedded, null, { lengths }); // [batch, seqLen, 2·hiddenSize]
    const { pooled, weights } = this.attention.forward(output, { lengths }); // [batch, 2·hiddenSize]
    return { logits: this.fc.forward(pooled), weights };
  }
}

function makeBatch(size: number, generator: Generator): { tokens: number[][]; lengths: number[]; labels: number[] } {
  const tokens: number[][] = [];
  const lengths: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < size; i++) {
    const length = 2 + Math.floor(generator.nextFloat() * (MAX_LEN - 1));
    // Half of the sequences get the target token at a random position; the others never contain it.
    const positive = generator.nextFloat() < 0.5;
    const row: number[] = [];
    for (let t = 0; t < length; t++) {
      let token = 1 + Math.floor(generator.nextFloat() * (VOCAB - 1));
      if (token === TARGET_TOKEN) token = 1;
      row.push(token);
    }
    if (positive) row[Math.floor(generator.nextFloat() * length)] = TARGET_TOKEN;
    while (row.length < MAX_LEN) row.push(PAD);
    tokens.push(row);
    lengths.push(length);
    labels.push(positive ? 1 : 0);
  }
  return { tokens, lengths, labels };
}

describe('text classifier (embedding → GRU → attention pooling → linear)', () => {
  it('learns "contains token 7" to at least 95% held-out accuracy', () => {
    setBackend(new CpuBackend());
    const generator = new Generator(2024);
    const model = new TextClassifier({ vocabSize: VOCAB, embeddingDim: 8, hiddenSize: 12, numClasses: 2, generator });
    const optimizer = new Adam(model.parameters(), { lr: 0.02 });
    for (let step = 0; step < 150; step++) {
      const batch = makeBatch(32, generator);
      optimizer.zeroGrad();
      const { logits } = model.forward(batch.tokens, batch.lengths);
      crossEntropy(logits, Int32Array.from(batch.labels)).backward();
      optimizer.step();
    }
    const test = makeBatch(400, new Generator(7));
    const { logits, weights } = noGrad(() => model.forward(test.tokens, test.lengths));
    const scores = logits.dataSync();
    let correct = 0;
    test.labels.forEach((label, i) => {
      if ((scores[2 * i + 1] > scores[2 * i] ? 1 : 0) === label) correct++;
    });
    const accuracy = correct / test.labels.length;
    console.log(`text classifier: held-out accuracy ${(100 * accuracy).toFixed(1)}% after 150 steps`);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    // Padding never receives attention.
    const w = weights.dataSync();
    test.lengths.forEach((length, i) => {
      for (let t = length; t < MAX_LEN; t++) expect(w[i * MAX_LEN + t]).toBe(0);
    });
  });
});
