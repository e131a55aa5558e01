/** Where progress goes: a stream and whether it is a terminal. */
export interface ProgressSink {
  write(text: string): void;
  readonly isTTY?: boolean;
}

const BAR = 24;

/**
 * A per-epoch progress bar on standard error: `epoch 3/12 ██████░░░ 4,160/8,000  loss 0.1234  812 samples/s`.
 * On a terminal it redraws one line; anywhere else (a log, CI, a test) it writes nothing, so logs stay
 * clean and the per-epoch summary on stdout is the record.
 */
export class EpochProgress {
  private started = 0;
  private seen = 0;
  private lossSum = 0;
  private batches = 0;
  private lastDraw = 0;

  constructor(
    private readonly sink: ProgressSink,
    private readonly label: string,
    private readonly total: number,
  ) {
    this.started = performance.now();
  }

  /** A batch of `size` samples finished with mean loss `loss`. */
  update(size: number, loss: number): void {
    this.seen += size;
    this.lossSum += loss;
    this.batches += 1;
    const now = performance.now();
    // Redrawing more than ~20 times a second costs time and shows nothing more.
    if (this.sink.isTTY === true && (now - this.lastDraw > 50 || this.seen >= this.total)) {
      this.lastDraw = now;
      const filled = Math.round((Math.min(this.seen, this.total) / this.total) * BAR);
      this.sink.write(
        `\r\x1b[2K${this.label} ${'█'.repeat(filled)}${'░'.repeat(BAR - filled)} ${this.seen.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')}` +
          `  loss ${this.meanLoss().toFixed(4)}  ${Math.round(this.samplesPerSecond())} samples/s`,
      );
    }
  }

  /** The mean of the batch losses so far. */
  meanLoss(): number {
    return this.batches === 0 ? NaN : this.lossSum / this.batches;
  }

  /** Seconds since the epoch started. */
  seconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  /** Samples per second so far. */
  samplesPerSecond(): number {
    return this.seen / Math.max(this.seconds(), 1e-9);
  }

  /** Clears the live line. */
  finish(): void {
    if (this.sink.isTTY === true) this.sink.write('\r\x1b[2K');
  }
}

/** Lets the event loop turn once. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
