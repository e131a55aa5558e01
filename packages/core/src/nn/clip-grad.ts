import { ValueError } from '../errors';
import { scope } from '../memory';
import { noGrad } from '../autograd/grad-mode';
import { abs, clamp, max, mul, pow, scalarOp, sqrt, square, stack, sum } from '../ops';
import { zeros } from '../tensor/creation';
import { isTensor, type Tensor } from '../tensor/tensor';
import { checkOptions, describeValue } from '../options';

/** Parameters to clip: a list of tensors, or anything with `parameters()` (a {@link Module}). */
export type ParameterSource = Iterable<Tensor> | { parameters(): Tensor[] };

/**
 * @internal The tensors of a {@link ParameterSource}, each once (a tensor listed twice, e.g. a tied
 * weight, is updated and counted once), checked to be tensors.
 */
export function parameterList(source: ParameterSource, op = 'parameters'): Tensor[] {
  let list: unknown[];
  if (source !== null && typeof source === 'object' && typeof (source as { parameters?: unknown }).parameters === 'function') {
    list = (source as { parameters(): Tensor[] }).parameters();
  } else if (source !== null && typeof source === 'object' && typeof (source as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function' && !isTensor(source)) {
    list = [...(source as Iterable<unknown>)];
  } else {
    throw new ValueError(`${op}: expected a list of tensors or a Module, got ${describeValue(source)}`);
  }
  const seen = new Set<Tensor>();
  list.forEach((t, i) => {
    if (!isTensor(t)) throw new ValueError(`${op}: parameter ${i} is ${describeValue(t)}, expected a Tensor`);
    seen.add(t);
  });
  return [...seen];
}

/** Options of {@link clipGradNorm}. */
export interface ClipGradNormOptions {
  /**
   * Throw a `ValueError` when the total norm is NaN or infinite (the gradients are then left as
   * they are). This reads one scalar back to the host. @defaultValue false
   */
  errorIfNonfinite?: boolean;
}

/**
 * Rescales the gradients of `parameters` in place so that their joint norm is at most `maxNorm`
 * (PyTorch's `clip_grad_norm_`), and returns the total norm before clipping as a scalar tensor.
 * Parameters without a gradient are skipped.
 *
 * @remarks `total = ‖(‖g₁‖ₚ, ‖g₂‖ₚ, …)‖ₚ` (the norm of all gradients as one vector; `p = Infinity`
 * takes the largest `|g|`), then every gradient is multiplied by `min(1, maxNorm / (total + 10⁻⁶))`,
 * exactly as torch 1.13 does (so gradients under the limit are multiplied by a coefficient of 1).
 * @example
 * ```ts
 * loss.backward();
 * const norm = clipGradNorm(model.parameters(), 1.0);
 * optimizer.step();
 * ```
 */
export function clipGradNorm(parameters: ParameterSource, maxNorm: number, normType = 2, rawOptions?: ClipGradNormOptions | null): Tensor {
  const options = checkOptions(rawOptions, { where: 'clipGradNorm(parameters, maxNorm, normType, options)', spec: { errorIfNonfinite: 'boolean' } });
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) throw new ValueError(`clipGradNorm: maxNorm must be a number ≥ 0, got ${String(maxNorm)}`);
  if (typeof normType !== 'number' || !(normType > 0)) {
    throw new ValueError(`clipGradNorm: normType must be a positive number or Infinity, got ${String(normType)}`);
  }
  const all = parameterList(parameters, 'clipGradNorm');
  const params = all.filter((p) => p.grad !== null);
  if (params.length === 0) return zeros([], { backend: all[0]?.backend });
  const total = scope(() =>
    noGrad(() => {
      const norms = params.map((p) => {
        const g = p.grad!;
        if (normType === Infinity) return max(abs(g));
        if (normType === 1) return sum(abs(g));
        if (normType === 2) return sqrt(sum(square(g)));
        return pow(sum(pow(abs(g), normType)), 1 / normType);
      });
      const all = stack(norms);
      if (normType === Infinity) return max(all);
      if (normType === 1) return sum(all);
      if (normType === 2) return sqrt(sum(square(all)));
      return pow(sum(pow(all, normType)), 1 / normType);
    }),
  );
  if (options.errorIfNonfinite) {
    const value = total.item();
    if (!Number.isFinite(value)) {
      throw new ValueError(
        `clipGradNorm: the total norm of order ${normType} of the gradients is ${value}, so they cannot be clipped; pass errorIfNonfinite: false to clip anyway`,
      );
    }
  }
  scope(() =>
    noGrad(() => {
      const coefficient = clamp(scalarOp('div', scalarOp('add', total, 1e-6), maxNorm, true), undefined, 1);
      for (const p of params) p.grad!.assign(mul(p.grad!, coefficient));
    }),
  );
  return total;
}

/**
 * Clamps every gradient of `parameters` in place to `[−clipValue, clipValue]` (PyTorch's
 * `clip_grad_value_`). Parameters without a gradient are skipped.
 * @example
 * ```ts
 * clipGradValue(model, 0.5);
 * ```
 */
export function clipGradValue(parameters: ParameterSource, clipValue: number): void {
  if (typeof clipValue !== 'number' || !(clipValue >= 0) || !Number.isFinite(clipValue)) {
    throw new ValueError(`clipGradValue: clipValue must be a finite number ≥ 0, got ${String(clipValue)}`);
  }
  scope(() =>
    noGrad(() => {
      for (const p of parameterList(parameters, 'clipGradValue')) {
        if (p.grad !== null) p.grad.assign(clamp(p.grad, -clipValue, clipValue));
      }
    }),
  );
}
