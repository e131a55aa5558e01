import { Dropout, Embedding, Linear, Module, type Generator, type Tensor } from '@gated/core';
import { AttentionPooling, GRU } from '@gated/gru';
import { LSTM } from '@gated/lstm';

/** What a saved spam classifier's `config.json` holds. */
export interface SpamClassifierConfig {
  readonly cell: 'gru' | 'lstm';
  readonly vocabSize: number;
  readonly embeddingDim: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly dropout: number;
  /** Tokens read per e-mail (the rest is cut off). */
  readonly maxLength: number;
}

/**
 * The text classifier of the GRU notes: embedding → bidirectional multi-layer GRU with dropout →
 * additive attention pooling over the valid steps → dropout → linear (ham, spam).
 */
export class SpamClassifier extends Module {
  readonly embedding: Embedding;
  readonly rnn: GRU | LSTM;
  readonly attention: AttentionPooling;
  readonly dropout: Dropout;
  readonly fc: Linear;

  constructor(readonly config: SpamClassifierConfig, generator?: Generator) {
    super();
    const width = 2 * config.hiddenSize;
    this.embedding = this.registerModule('embedding', new Embedding({ numEmbeddings: config.vocabSize, embeddingDim: config.embeddingDim, paddingIdx: 0, generator }));
    const rnnOptions = {
      inputSize: config.embeddingDim,
      hiddenSize: config.hiddenSize,
      numLayers: config.numLayers,
      dropout: config.dropout,
      bidirectional: true,
      batchFirst: true,
      generator,
    };
    this.rnn = this.registerModule('rnn', config.cell === 'gru' ? new GRU(rnnOptions) : new LSTM(rnnOptions));
    this.attention = this.registerModule('attention', new AttentionPooling({ inputSize: width, batchFirst: true, generator }));
    this.dropout = this.registerModule('dropout', new Dropout({ p: config.dropout, generator }));
    this.fc = this.registerModule('fc', new Linear({ inFeatures: width, outFeatures: 2, generator }));
  }

  /** `ids` `[batch, seqLen]` padded with 0, `lengths` the valid tokens per row → logits `[batch, 2]` and attention weights `[batch, seqLen]`. */
  forward(ids: number[][], lengths: number[]): { logits: Tensor; weights: Tensor } {
    const embedded = this.embedding.forward(ids); // [batch, seqLen, embeddingDim]
    const { output } = this.rnn.forward(embedded, null, { lengths }); // [batch, seqLen, 2·hiddenSize]
    const { pooled, weights } = this.attention.forward(output, { lengths }); // [batch, 2·hiddenSize], [batch, seqLen]
    return { logits: this.fc.forward(this.dropout.forward(pooled)), weights };
  }
}
