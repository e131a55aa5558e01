import { ValueError } from '../errors';
import { Optimizer, type BaseHyperparameters } from './optimizer';
import { checkOptions, describeValue } from '../options';

/** A scheduler's state, for checkpoints. */
export interface LRSchedulerStateDict {
  readonly lastEpoch: number;
  readonly baseLrs: readonly number[];
  readonly lastLr: readonly number[];
}

/**
 * Base class of learning-rate schedulers (PyTorch's `LRScheduler`). Construction records each group's
 * `initialLr` and performs the first step (epoch 0); call {@link LRScheduler.step} once per epoch,
 * after `optimizer.step()`.
 */
export abstract class LRScheduler {
  /** The epoch of the learning rates now in the optimizer (0 right after construction). */
  lastEpoch = -1;
  /** Each group's starting learning rate. */
  readonly baseLrs: readonly number[];
  private lastLr: number[] = [];

  protected constructor(readonly optimizer: Optimizer<BaseHyperparameters>) {
    if (!(optimizer instanceof Optimizer)) throw new ValueError(`${new.target.name}: expected an Optimizer (e.g. new SGD(...)), got ${describeValue(optimizer)}`);
    for (const group of optimizer.paramGroups) group.initialLr ??= group.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
    this.step();
  }

  /** The learning rates of the next epoch, from the current ones (PyTorch's recursive `get_lr`). */
  protected abstract computeLrs(): number[];

  /** Advances one epoch and writes the new learning rates into the optimizer's groups. */
  step(): void {
    this.lastEpoch += 1;
    const lrs = this.computeLrs();
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = lrs[i];
    });
    this.lastLr = lrs;
  }

  /** The learning rates set by the last {@link LRScheduler.step}, one per group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The scheduler's position, for checkpoints. */
  stateDict(): LRSchedulerStateDict {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs], lastLr: [...this.lastLr] };
  }

  /** Restores a position saved by {@link LRScheduler.stateDict} (the optimizer's own state holds the learning rates). */
  loadStateDict(rawState: LRSchedulerStateDict): void {
    const state = checkOptions(rawState, {
      where: `${this.constructor.name}.loadStateDict(state)`,
      spec: { lastEpoch: 'number', baseLrs: 'numbers', lastLr: 'numbers' },
      required: ['lastEpoch', 'baseLrs', 'lastLr'],
    });
    if (!Number.isInteger(state.lastEpoch) || state.lastEpoch < -1) {
      throw new ValueError(`${this.constructor.name}.loadStateDict: lastEpoch must be an integer ≥ -1, got ${state.lastEpoch}`);
    }
    if (state.baseLrs.length !== this.baseLrs.length) {
      throw new ValueError(`${this.constructor.name}.loadStateDict: expected ${this.baseLrs.length} groups, got ${state.baseLrs.length}`);
    }
    this.lastEpoch = state.lastEpoch;
    (this as { baseLrs: readonly number[] }).baseLrs = [...state.baseLrs];
    this.lastLr = [...state.lastLr];
  }
}

/** Options of {@link StepLR}. */
export interface StepLROptions {
  /** Epochs between decays (a positive integer). */
  stepSize: number;
  /** Multiplicative decay factor. @defaultValue 0.1 */
  gamma?: number;
}

/**
 * Multiplies the learning rate by `gamma` every `stepSize` epochs (PyTorch's `StepLR`).
 * @remarks `lr(e) = baseLr · gamma^⌊e / stepSize⌋`, applied recursively as PyTorch does.
 * @example
 * ```ts
 * const scheduler = new StepLR(optimizer, { stepSize: 30, gamma: 0.1 });
 * for (let epoch = 0; epoch < 100; epoch++) {
 *   trainOneEpoch();
 *   scheduler.step();
 * }
 * ```
 */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  /** @throws OptionsError for an unknown option (e.g. `step_size`) or a value of the wrong type; ValueError for an out-of-range value. */
  constructor(optimizer: Optimizer<BaseHyperparameters>, rawOptions: StepLROptions) {
    const options = checkOptions(rawOptions, { where: 'new StepLR(optimizer, options)', spec: { stepSize: 'number', gamma: 'number' }, required: ['stepSize'] });
    const gamma = options.gamma ?? 0.1;
    if (!Number.isInteger(options.stepSize) || options.stepSize <= 0) {
      throw new ValueError(`StepLR: stepSize must be a positive integer, got ${String(options.stepSize)}`);
    }
    if (typeof gamma !== 'number' || !Number.isFinite(gamma) || gamma < 0) throw new ValueError(`StepLR: gamma must be a finite number ≥ 0, got ${String(gamma)}`);
    super(optimizer);
    this.stepSize = options.stepSize;
    this.gamma = gamma;
  }

  protected computeLrs(): number[] {
    const lrs = this.optimizer.paramGroups.map((g) => g.lr);
    // Epoch 0 (the base constructor's step, before the fields are set) keeps the current rates.
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }
}

/** Options of {@link CosineAnnealingLR}. */
export interface CosineAnnealingLROptions {
  /** Half-period of the cosine, in epochs (a positive integer). */
  tMax: number;
  /** The minimum learning rate. @defaultValue 0 */
  etaMin?: number;
}

/**
 * Cosine annealing (Loshchilov & Hutter, 2017, without restarts; PyTorch's `CosineAnnealingLR`):
 * the learning rate follows half a cosine from `baseLr` down to `etaMin` over `tMax` epochs, and
 * back up over the next `tMax`.
 *
 * @remarks Closed form `lr(e) = etaMin + (baseLr − etaMin)·(1 + cos(π e / tMax)) / 2`; like PyTorch,
 * each step applies the recursive form
 * `lr(e) = etaMin + (lr(e−1) − etaMin)·(1 + cos(π e / tMax)) / (1 + cos(π (e−1) / tMax))`
 * (with the special case at `(e − 1 − tMax) mod 2tMax = 0`), so its results equal PyTorch's.
 * @example
 * ```ts
 * const scheduler = new CosineAnnealingLR(optimizer, { tMax: 50, etaMin: 1e-5 });
 * ```
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  /** @throws OptionsError for an unknown option (e.g. `T_max`) or a value of the wrong type; ValueError for an out-of-range value. */
  constructor(optimizer: Optimizer<BaseHyperparameters>, rawOptions: CosineAnnealingLROptions) {
    const options = checkOptions(rawOptions, { where: 'new CosineAnnealingLR(optimizer, options)', spec: { tMax: 'number', etaMin: 'number' }, required: ['tMax'] });
    const etaMin = options.etaMin ?? 0;
    if (!Number.isInteger(options.tMax) || options.tMax <= 0) throw new ValueError(`CosineAnnealingLR: tMax must be a positive integer, got ${String(options.tMax)}`);
    if (typeof etaMin !== 'number' || !Number.isFinite(etaMin) || etaMin < 0) {
      throw new ValueError(`CosineAnnealingLR: etaMin must be a finite number ≥ 0, got ${String(etaMin)}`);
    }
    super(optimizer);
    this.tMax = options.tMax;
    this.etaMin = etaMin;
  }

  protected computeLrs(): number[] {
    const groups = this.optimizer.paramGroups;
    const e = this.lastEpoch;
    // Epoch 0 (the base constructor's step, before the fields are set) keeps the current rates.
    if (e === 0) return groups.map((g) => g.lr);
    const { tMax, etaMin } = this;
    if ((e - 1 - tMax) % (2 * tMax) === 0) {
      return groups.map((g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    return groups.map((g) => ((1 + Math.cos((Math.PI * e) / tMax)) / (1 + Math.cos((Math.PI * (e - 1)) / tMax))) * (g.lr - etaMin) + etaMin);
  }
}
