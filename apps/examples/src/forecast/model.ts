import { Linear, Module, squeeze, type Generator, type Tensor } from '@gated/core';
import { GRU } from '@gated/gru';
import { LSTM } from '@gated/lstm';

/** What a saved forecaster's `config.json` holds. */
export interface ForecasterConfig {
  readonly cell: 'gru' | 'lstm';
  readonly hiddenSize: number;
  /** Months of history the model reads. */
  readonly window: number;
  /** Mean and standard deviation of the training months' changes, which the model reads standardised. */
  readonly mean: number;
  readonly std: number;
}

/**
 * A one-step forecaster: a recurrent layer reads the last `window` month-to-month changes
 * (standardised) and a linear layer predicts the next change. Forecasts further ahead feed the
 * predictions back in.
 */
export class Forecaster extends Module {
  readonly rnn: GRU | LSTM;
  readonly fc: Linear;

  constructor(readonly config: ForecasterConfig, generator?: Generator) {
    super();
    const options = { inputSize: 1, hiddenSize: config.hiddenSize, batchFirst: true, generator };
    this.rnn = this.registerModule('rnn', config.cell === 'gru' ? new GRU(options) : new LSTM(options));
    this.fc = this.registerModule('fc', new Linear({ inFeatures: config.hiddenSize, outFeatures: 1, generator }));
  }

  /** `changes` `[batch, window, 1]` (standardised) → the next standardised change `[batch]`. */
  forward(changes: Tensor): Tensor {
    const { hN } = this.rnn.forward(changes); // [1, batch, hiddenSize]
    return squeeze(this.fc.forward(squeeze(hN, 0)), 1);
  }
}
