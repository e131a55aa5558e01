/** Where progress goes: a stream, and whether it is a terminal (a live line) or a log (one line per figure). */
export interface ProgressSink {
  write(text: string): void;
  readonly isTTY: boolean;
}

const BAR = 20;

/**
 * The progress indicator on standard error. On a terminal it keeps one live line (a bar, the figure
 * being measured, its run count and the elapsed time); in a log (CI, turbo) it prints one line per
 * finished figure instead, so the log stays readable.
 */
export class Progress {
  private readonly started = process.hrtime.bigint();
  private done = 0;
  private label = '';
  private live = false;

  constructor(
    private readonly sink: ProgressSink,
    private readonly total: number,
  ) {}

  private elapsed(): string {
    return `${(Number(process.hrtime.bigint() - this.started) / 1e9).toFixed(0)} s`;
  }

  /** A new figure starts. */
  start(label: string): void {
    this.label = label;
    this.render('');
  }

  /** A run of the current figure finished. */
  run(done: number, planned: number): void {
    this.render(`run ${done}/${planned}`);
  }

  /** The current figure finished; `summary` is printed in log mode. */
  finish(summary: string): void {
    this.done += 1;
    if (this.sink.isTTY) this.render('');
    else this.sink.write(`[${this.done}/${this.total}] ${this.label}: ${summary}\n`);
  }

  /** Clears the live line (before printing tables). */
  clear(): void {
    if (this.live) this.sink.write('\r\x1b[2K');
    this.live = false;
  }

  private render(detail: string): void {
    if (!this.sink.isTTY) return;
    const filled = this.total === 0 ? BAR : Math.round((this.done / this.total) * BAR);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR - filled)}`;
    this.sink.write(`\r\x1b[2K${bar} ${this.done}/${this.total}  ${this.label}  ${detail}  ${this.elapsed()}`);
    this.live = true;
  }
}
