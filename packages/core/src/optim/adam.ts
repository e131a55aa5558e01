import { ValueError } from '../errors';
import { add, div, maximum, mul, neg, scalarOp, sqrt, zerosLike } from '../ops';
import type { Tensor } from '../tensor/tensor';
import { Optimizer, checkNonNegative, type OptimizerParams, type ParamGroup } from './optimizer';

/** Hyperparameters of {@link Adam} and {@link AdamW}. */
export interface AdamOptions {
  /** Learning rate. @defaultValue 1e-3 */
  lr: number;
  /** Decay rates `[β₁, β₂]` of the first and second moment estimates, each in `[0, 1)`. @defaultValue [0.9, 0.999] */
  betas: readonly [number, number];
  /** Added to the denominator for stability. @defaultValue 1e-8 */
  eps: number;
  /**
   * Weight decay λ: for {@link Adam} an L2 penalty added to the gradient, for {@link AdamW} a
   * decoupled decay of the weights. @defaultValue 0 for Adam, 1e-2 for AdamW
   */
  weightDecay: number;
  /** Use the AMSGrad variant (the running maximum of the second moment). @defaultValue false */
  amsgrad: boolean;
  /** Maximise the objective instead of minimising it. @defaultValue false */
  maximize: boolean;
}

const f = Math.fround;

abstract class AdamBase extends Optimizer<AdamOptions> {
  protected abstract readonly decoupled: boolean;

  protected validate(group: AdamOptions): void {
    checkNonNegative(this.name, 'lr', group.lr);
    checkNonNegative(this.name, 'eps', group.eps);
    checkNonNegative(this.name, 'weightDecay', group.weightDecay);
    const betas = group.betas;
    if (!Array.isArray(betas) || betas.length !== 2) throw new ValueError(`${this.name}: betas must be a pair [β₁, β₂], got ${String(betas)}`);
    betas.forEach((b, i) => {
      if (typeof b !== 'number' || !(b >= 0 && b < 1)) throw new ValueError(`${this.name}: betas[${i}] must be in [0, 1), got ${String(b)}`);
    });
  }

  protected updateParameter(param: Tensor, grad: Tensor, state: Record<string, Tensor | number>, group: ParamGroup<AdamOptions>): void {
    const { lr, eps, weightDecay, amsgrad } = group;
    const [beta1, beta2] = group.betas;
    let g = group.maximize ? neg(grad) : grad;
    if (state.step === undefined) {
      state.step = 0;
      this.setState(state, 'expAvg', zerosLike(param));
      this.setState(state, 'expAvgSq', zerosLike(param));
      if (amsgrad) this.setState(state, 'maxExpAvgSq', zerosLike(param));
    }
    const step = (state.step as number) + 1;
    state.step = step;
    let theta = param;
    if (weightDecay !== 0) {
      if (this.decoupled) theta = scalarOp('mul', param, f(1 - lr * weightDecay));
      else g = add(g, scalarOp('mul', param, f(weightDecay)));
    }
    const m = add(scalarOp('mul', state.expAvg as Tensor, f(beta1)), scalarOp('mul', g, f(1 - beta1)));
    const v = add(scalarOp('mul', state.expAvgSq as Tensor, f(beta2)), mul(scalarOp('mul', g, f(1 - beta2)), g));
    this.setState(state, 'expAvg', m);
    this.setState(state, 'expAvgSq', v);
    let second = v;
    if (amsgrad) {
      if (state.maxExpAvgSq === undefined) this.setState(state, 'maxExpAvgSq', zerosLike(param));
      second = maximum(state.maxExpAvgSq as Tensor, v);
      this.setState(state, 'maxExpAvgSq', second);
    }
    const biasCorrection1 = 1 - beta1 ** step;
    const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
    const stepSize = lr / biasCorrection1;
    const denominator = scalarOp('add', scalarOp('div', sqrt(second), f(biasCorrection2Sqrt)), f(eps));
    param.assign(add(theta, scalarOp('mul', div(m, denominator), f(-stepSize))));
  }
}

/**
 * Adam (Kingma & Ba, 2015) with PyTorch's exact update (`torch.optim.Adam`), including bias
 * correction, L2 weight decay and AMSGrad.
 *
 * @remarks For step t with gradient g: `g ← g + λθ`; `m ← β₁m + (1 − β₁)g`; `v ← β₂v + (1 − β₂)g²`;
 * `v̂ ← max(v̂, v)` with AMSGrad; `θ ← θ − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)`.
 * State per parameter: `step` (a number), `expAvg`, `expAvgSq` and, with AMSGrad, `maxExpAvgSq`.
 * @example
 * ```ts
 * const optimizer = new Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
 * for (const [x, y] of batches) {
 *   optimizer.zeroGrad();
 *   crossEntropy(model.forward(x), y).backward();
 *   optimizer.step();
 * }
 * ```
 */
export class Adam extends AdamBase {
  protected readonly decoupled = false;

  /** @throws OptionsError for an unknown option (e.g. `learning_rate`, `weight_decay`) or a value of the wrong type; ValueError for an out-of-range value. */
  constructor(params: OptimizerParams<AdamOptions>, options?: Partial<AdamOptions> | null) {
    super('Adam', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false }, options);
  }
}

/**
 * AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay, with PyTorch's exact update
 * (`torch.optim.AdamW`).
 *
 * @remarks `θ ← θ·(1 − lr·λ)` first, then the {@link Adam} update without the L2 term.
 * @example
 * ```ts
 * const optimizer = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 });
 * ```
 */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;

  /** @throws OptionsError for an unknown option or a value of the wrong type; ValueError for an out-of-range value. */
  constructor(params: OptimizerParams<AdamOptions>, options?: Partial<AdamOptions> | null) {
    super('AdamW', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false }, options);
  }
}
