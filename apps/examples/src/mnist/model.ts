import { Linear, Module, softmax, squeeze, type Generator, type Tensor } from '@gated/core';
import { GRU } from '@gated/gru';
import { LSTM } from '@gated/lstm';
import { IMAGE_SIZE } from './digit';

/** What a saved digit classifier's `config.json` holds. */
export interface DigitClassifierConfig {
  readonly cell: 'gru' | 'lstm';
  readonly hiddenSize: number;
}

/**
 * Sequential MNIST: a recurrent layer reads the image row by row (28 steps of 28 pixels) and a linear
 * layer classifies its last hidden state.
 */
export class DigitClassifier extends Module {
  readonly rnn: GRU | LSTM;
  readonly fc: Linear;

  constructor(readonly config: DigitClassifierConfig, generator?: Generator) {
    super();
    const options = { inputSize: IMAGE_SIZE, hiddenSize: config.hiddenSize, batchFirst: true, generator };
    this.rnn = this.registerModule('rnn', config.cell === 'gru' ? new GRU(options) : new LSTM(options));
    this.fc = this.registerModule('fc', new Linear({ inFeatures: config.hiddenSize, outFeatures: 10, generator }));
  }

  /** `images` `[batch, 28, 28]` → logits `[batch, 10]`. */
  forward(images: Tensor): Tensor {
    const { hN } = this.rnn.forward(images); // hN: [1, batch, hiddenSize]
    return this.fc.forward(squeeze(hN, 0));
  }

  /** Class probabilities `[batch, 10]`. */
  probabilities(images: Tensor): Tensor {
    return softmax(this.forward(images), -1);
  }
}
