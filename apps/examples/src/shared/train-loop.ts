import type { Generator } from '@gated/core';
import { EpochProgress, nextTurn, type ProgressSink } from './progress';
import { batches, permutation } from './random';

/** The streams and folder an example works with (tests pass their own). */
export interface ExampleIo {
  readonly stdout: ProgressSink;
  readonly stderr: ProgressSink;
  readonly cwd: string;
}

/** One epoch's record. */
export interface EpochRecord {
  readonly epoch: number;
  readonly loss: number;
  readonly seconds: number;
  readonly samplesPerSecond: number;
  /** What `evaluate` returned (accuracy, RMSE, ...). */
  readonly metrics: Readonly<Record<string, number>>;
}

/** What {@link trainEpochs} needs. */
export interface TrainLoopOptions {
  readonly io: ExampleIo;
  /** Shown before the bar, e.g. `gru`. */
  readonly label: string;
  readonly epochs: number;
  readonly trainSize: number;
  readonly batchSize: number;
  /** Stop each epoch after this many batches (the smoke mode of the tests). */
  readonly maxBatches?: number;
  /** Draws the shuffling order. */
  readonly generator: Generator;
  /** One optimisation step on the samples `indices`; returns the batch's mean loss. */
  readonly step: (indices: readonly number[]) => number;
  /** Runs after each epoch; its numbers go into the record and the epoch line. */
  readonly evaluate: () => Record<string, number>;
  /** Formats a metric for the epoch line. @defaultValue four decimals */
  readonly format?: (name: string, value: number) => string;
}

/**
 * The epoch loop every example shares: shuffle, run `step` on each batch, draw the progress bar, then
 * `evaluate`; one summary line per epoch on stdout.
 */
export async function trainEpochs(options: TrainLoopOptions): Promise<EpochRecord[]> {
  const { io, epochs } = options;
  const format = options.format ?? ((_name: string, value: number) => value.toFixed(4));
  const history: EpochRecord[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let plan = batches(permutation(options.trainSize, options.generator), options.batchSize);
    if (options.maxBatches !== undefined) plan = plan.slice(0, options.maxBatches);
    const total = plan.reduce((n, b) => n + b.length, 0);
    const progress = new EpochProgress(io.stderr, `${options.label} epoch ${epoch}/${epochs}`, total);
    for (const batch of plan) {
      const loss = options.step(batch);
      if (!Number.isFinite(loss)) throw new Error(`${options.label}: the loss became ${loss} in epoch ${epoch}; try a smaller learning rate`);
      progress.update(batch.length, loss);
    }
    progress.finish();
    // Between epochs the event loop turns once (finalizers of device tensors run there); the batch loop
    // itself is the plain synchronous loop a user writes.
    await nextTurn();
    const seconds = progress.seconds();
    const metrics = options.evaluate();
    const record: EpochRecord = { epoch, loss: progress.meanLoss(), seconds, samplesPerSecond: total / seconds, metrics };
    history.push(record);
    const shown = Object.entries(metrics).map(([name, value]) => `${name} ${format(name, value)}`);
    io.stdout.write(
      `${options.label} epoch ${epoch}/${epochs}: loss ${record.loss.toFixed(4)}  ${shown.join('  ')}  ${seconds.toFixed(1)} s  ${Math.round(record.samplesPerSecond)} samples/s\n`,
    );
  }
  return history;
}
