import { ValueError } from '../errors';
import { add, copy, neg, scalarOp } from '../ops';
import type { Tensor } from '../tensor/tensor';
import { Optimizer, checkNonNegative, type OptimizerParams, type ParamGroup } from './optimizer';

/** Hyperparameters of {@link SGD}. */
export interface SgdOptions {
  /** Learning rate. @defaultValue 1e-3 */
  lr: number;
  /** Momentum factor μ. @defaultValue 0 */
  momentum: number;
  /** Dampening τ of the momentum. @defaultValue 0 */
  dampening: number;
  /** L2 penalty λ, added to the gradient. @defaultValue 0 */
  weightDecay: number;
  /** Use Nesterov momentum (needs `momentum > 0` and `dampening = 0`). @defaultValue false */
  nesterov: boolean;
  /** Maximise the objective instead of minimising it. @defaultValue false */
  maximize: boolean;
}

const f = Math.fround;

/**
 * Stochastic gradient descent with optional momentum, Nesterov momentum, dampening and weight
 * decay, with exactly the update of PyTorch's `torch.optim.SGD`.
 *
 * @remarks For each parameter θ with gradient g (negated with `maximize`):
 * `g ← g + λθ`; with momentum, `b ← g` on the first step and `b ← μb + (1 − τ)g` afterwards, then
 * `g ← g + μb` (Nesterov) or `g ← b`; finally `θ ← θ − lr·g`.
 * @example
 * ```ts
 * const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * optimizer.zeroGrad();
 * loss.backward();
 * optimizer.step();
 * ```
 */
export class SGD extends Optimizer<SgdOptions> {
  /** @throws OptionsError for an unknown option (e.g. `learning_rate`) or a value of the wrong type; ValueError for an out-of-range value. */
  constructor(params: OptimizerParams<SgdOptions>, options?: Partial<SgdOptions> | null) {
    super('SGD', params, { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false }, options);
  }

  protected validate(group: SgdOptions): void {
    checkNonNegative('SGD', 'lr', group.lr);
    checkNonNegative('SGD', 'momentum', group.momentum);
    checkNonNegative('SGD', 'weightDecay', group.weightDecay);
    if (typeof group.dampening !== 'number' || !Number.isFinite(group.dampening)) {
      throw new ValueError(`SGD: dampening must be a finite number, got ${String(group.dampening)}`);
    }
    if (group.nesterov && (group.momentum <= 0 || group.dampening !== 0)) {
      throw new ValueError(`SGD: nesterov momentum requires momentum > 0 and dampening = 0, got momentum ${group.momentum}, dampening ${group.dampening}`);
    }
  }

  protected updateParameter(param: Tensor, grad: Tensor, state: Record<string, Tensor | number>, group: ParamGroup<SgdOptions>): void {
    let d = group.maximize ? neg(grad) : grad;
    if (group.weightDecay !== 0) d = add(d, scalarOp('mul', param, f(group.weightDecay)));
    if (group.momentum !== 0) {
      const previous = state.momentumBuffer;
      const buffer =
        previous === undefined
          ? copy(d)
          : add(scalarOp('mul', previous as Tensor, f(group.momentum)), scalarOp('mul', d, f(1 - group.dampening)));
      this.setState(state, 'momentumBuffer', buffer);
      d = group.nesterov ? add(d, scalarOp('mul', buffer, f(group.momentum))) : buffer;
    }
    param.assign(add(param, scalarOp('mul', d, f(-group.lr))));
  }
}
