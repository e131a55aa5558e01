import { noGrad } from '../autograd/grad-mode';
import { ShapeError, ValueError, formatShape } from '../errors';
import { abs, add, div, eq, exp, log1p, logSoftmax, mean, mul, ne, neg, permute, relu, reshape, scalarOp, sigmoid, square, sub, sum, where } from '../ops';
import { recordComputed } from '../ops/record';
import { arange, tensor } from '../tensor/creation';
import { isTensor, type NestedArray, type Tensor } from '../tensor/tensor';

/** How a loss combines its per-element values: their mean, their sum, or none (one value per element). */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options of the element-wise losses ({@link mseLoss}, {@link l1Loss}, {@link binaryCrossEntropyWithLogits}). */
export interface LossOptions {
  /** @defaultValue 'mean' */
  reduction?: Reduction;
}

/** Options of {@link nllLoss}. */
export interface NllLossOptions extends LossOptions {
  /** A target value that contributes neither to the loss nor to the mean's denominator. @defaultValue -100 */
  ignoreIndex?: number;
}

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions extends NllLossOptions {
  /**
   * Amount of smoothing ε in `[0, 1]`: the target becomes `(1 − ε)·onehot + ε/C` (Szegedy et al.,
   * 2016). @defaultValue 0
   */
  labelSmoothing?: number;
}

/** Class-index targets: a tensor holding integers, or (nested) arrays of integers. */
export type ClassTarget = Tensor | NestedArray | Int32Array;

function checkReduction(op: string, reduction: Reduction): void {
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new ValueError(`${op}: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
}

function reduce(values: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return values;
  return reduction === 'sum' ? sum(values) : mean(values);
}

function sameShape(op: string, input: Tensor, target: Tensor): void {
  if (input.shape.length !== target.shape.length || input.shape.some((d, i) => d !== target.shape[i])) {
    throw new ShapeError(`${op}: target must have the input's shape ${formatShape(input.shape)}, got ${formatShape(target.shape)}`);
  }
}

/** The input as `[M, C]` rows of class scores plus the shape of the per-element loss. */
function classRows(op: string, input: Tensor): { rows: Tensor; outShape: number[]; classes: number } {
  if (input.rank === 0) throw new ShapeError(`${op}: input must be [C], [N, C] or [N, C, d1, ...], got a scalar`);
  if (input.rank === 1) return { rows: reshape(input, [1, input.shape[0]]), outShape: [], classes: input.shape[0] };
  const classes = input.shape[1];
  const outShape = [input.shape[0], ...input.shape.slice(2)];
  // [N, C, d...] → [N, d..., C] → [M, C]: PyTorch's K-dimensional form with classes on axis 1.
  const moved = input.rank === 2 ? input : permute(input, [0, ...input.shape.slice(2).map((_, i) => i + 2), 1]);
  return { rows: reshape(moved, [-1, classes]), outShape, classes };
}

function classTarget(op: string, target: ClassTarget, input: Tensor, outShape: readonly number[], classes: number, ignoreIndex: number): Tensor {
  const t = isTensor(target) ? target : tensor(target as NestedArray, undefined, { backend: input.backend });
  if (t.shape.length !== outShape.length || t.shape.some((d, i) => d !== outShape[i])) {
    throw new ShapeError(`${op}: target of class indices must be ${formatShape(outShape)} for input ${formatShape(input.shape)}, got ${formatShape(t.shape)}`);
  }
  if (t.backend.supportsSyncRead) {
    const values = t.dataSync();
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === ignoreIndex) continue;
      if (!Number.isInteger(v) || v < 0 || v >= classes) {
        throw new ValueError(`${op}: target ${v} at position ${i} is out of range, expected a class index in [0, ${classes - 1}] or ignoreIndex (${ignoreIndex})`);
      }
    }
  }
  return reshape(t.requiresGrad ? t.detach() : t, [t.size, 1]);
}

/**
 * The per-row negative log-likelihood pieces shared by {@link nllLoss} and {@link crossEntropy}.
 * `logp` is `[M, C]`, `target` `[M, 1]`.
 */
function nllRows(logp: Tensor, target: Tensor, classes: number, ignoreIndex: number, smoothing: number, reduction: Reduction, outShape: readonly number[]): Tensor {
  const { oneHot, valid } = noGrad(() => {
    const valid = ne(target, ignoreIndex);
    const classIds = reshape(arange(classes, undefined, 1, { backend: logp.backend }), [1, classes]);
    return { oneHot: mul(eq(target, classIds), valid), valid };
  });
  // `where`, not a product with the one-hot mask, so that a −∞ log-probability of another class stays out.
  let loss = neg(sum(where(oneHot, logp, 0), 1, true));
  if (smoothing > 0) {
    const smooth = where(valid, neg(sum(logp, 1, true)), 0);
    loss = add(scalarOp('mul', loss, 1 - smoothing), scalarOp('mul', smooth, smoothing / classes));
  }
  if (reduction === 'none') return reshape(loss, outShape);
  if (reduction === 'sum') return sum(loss);
  // PyTorch divides by the number of targets that are not ignored (NaN when all are).
  return div(sum(loss), noGrad(() => sum(valid)));
}

/**
 * The negative log-likelihood loss over log-probabilities (PyTorch's `F.nll_loss`).
 *
 * Shapes: `input` `[N, C]` (or `[C]`, or `[N, C, d1, ...]`), `target` `[N]` (`[]`, `[N, d1, ...]`) of
 * class indices in `[0, C)` or `ignoreIndex`.
 *
 * @remarks `ℓᵢ = −input[i, targetᵢ]` (0 where `targetᵢ = ignoreIndex`); `mean` divides by the number of
 * targets that are not ignored.
 * @example
 * ```ts
 * const loss = nllLoss(logSoftmax(logits, 1), [2, 0, 1]);
 * ```
 */
export function nllLoss(input: Tensor, target: ClassTarget, options: NllLossOptions = {}): Tensor {
  const reduction = options.reduction ?? 'mean';
  const ignoreIndex = options.ignoreIndex ?? -100;
  checkReduction('nllLoss', reduction);
  if (!Number.isInteger(ignoreIndex)) throw new ValueError(`nllLoss: ignoreIndex must be an integer, got ${ignoreIndex}`);
  const { rows, outShape, classes } = classRows('nllLoss', input);
  const t = classTarget('nllLoss', target, input, outShape, classes, ignoreIndex);
  return nllRows(rows, t, classes, ignoreIndex, 0, reduction, outShape);
}

/**
 * Cross-entropy from unnormalised logits (PyTorch's `F.cross_entropy`), computed through
 * `logSoftmax` so that logits of any magnitude give finite losses and gradients.
 *
 * Shapes: `input` `[N, C]` (or `[C]`, or `[N, C, d1, ...]`); `target` either class indices `[N]`
 * (`[]`, `[N, d1, ...]`) in `[0, C)` or `ignoreIndex`, or class probabilities with the input's shape.
 *
 * @remarks With class indices, `ℓᵢ = (1 − ε)·(−log pᵢ[targetᵢ]) + (ε/C)·Σ_c (−log pᵢ[c])` where
 * `p = softmax(input)` over the class axis, ignored targets give 0, and `mean` divides by the number
 * of targets that are not ignored. With probabilities `q`, `ℓᵢ = −Σ_c q'ᵢ[c] log pᵢ[c]` with
 * `q' = (1 − ε)·q + ε/C`, and `mean` divides by the number of rows.
 * @example
 * ```ts
 * const logits = linear.forward(features);          // [batch, numClasses]
 * const loss = crossEntropy(logits, labels, { labelSmoothing: 0.1 });
 * loss.backward();
 * ```
 */
export function crossEntropy(input: Tensor, target: ClassTarget, options: CrossEntropyOptions = {}): Tensor {
  const reduction = options.reduction ?? 'mean';
  const ignoreIndex = options.ignoreIndex ?? -100;
  const smoothing = options.labelSmoothing ?? 0;
  checkReduction('crossEntropy', reduction);
  if (!Number.isInteger(ignoreIndex)) throw new ValueError(`crossEntropy: ignoreIndex must be an integer, got ${ignoreIndex}`);
  if (typeof smoothing !== 'number' || !(smoothing >= 0 && smoothing <= 1)) {
    throw new ValueError(`crossEntropy: labelSmoothing must be in [0, 1], got ${String(smoothing)}`);
  }
  const { rows, outShape, classes } = classRows('crossEntropy', input);
  const logp = logSoftmax(rows, 1);
  if (isTensor(target) && target.rank === input.rank && target.shape.every((d, i) => d === input.shape[i])) {
    // Class probabilities (PyTorch takes this branch when the shapes agree).
    const probs = classRows('crossEntropy', target).rows;
    const q = smoothing > 0 ? scalarOp('add', scalarOp('mul', probs, 1 - smoothing), smoothing / classes) : probs;
    const loss = neg(sum(mul(logp, q), 1));
    return reduce(reshape(loss, outShape), reduction);
  }
  const t = classTarget('crossEntropy', target, input, outShape, classes, ignoreIndex);
  return nllRows(logp, t, classes, ignoreIndex, smoothing, reduction, outShape);
}

/**
 * Mean squared error (PyTorch's `F.mse_loss`): `ℓᵢ = (inputᵢ − targetᵢ)²`. `input` and `target` must
 * have the same shape.
 * @example
 * ```ts
 * const loss = mseLoss(prediction, target);
 * ```
 */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const reduction = options.reduction ?? 'mean';
  checkReduction('mseLoss', reduction);
  sameShape('mseLoss', input, target);
  return reduce(square(sub(input, target)), reduction);
}

/**
 * Mean absolute error (PyTorch's `F.l1_loss`): `ℓᵢ = |inputᵢ − targetᵢ|`; the gradient where they are
 * equal is 0. `input` and `target` must have the same shape.
 * @example
 * ```ts
 * const loss = l1Loss(prediction, target, { reduction: 'sum' });
 * ```
 */
export function l1Loss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const reduction = options.reduction ?? 'mean';
  checkReduction('l1Loss', reduction);
  sameShape('l1Loss', input, target);
  return reduce(abs(sub(input, target)), reduction);
}

/**
 * Binary cross-entropy from logits (PyTorch's `F.binary_cross_entropy_with_logits`), for targets
 * in `[0, 1]` (soft targets allowed). `input` and `target` must have the same shape.
 *
 * @remarks `ℓᵢ = max(xᵢ, 0) − xᵢ·yᵢ + log1p(e^{−|xᵢ|})`, which equals
 * `−[y·log σ(x) + (1 − y)·log(1 − σ(x))]` but never overflows. One graph node with PyTorch's
 * gradients `∂ℓ/∂x = σ(x) − y` (also at `x = 0`, where the composed form has a kink) and `∂ℓ/∂y = −x`.
 * @example
 * ```ts
 * const loss = binaryCrossEntropyWithLogits(logits, labels);
 * ```
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const reduction = options.reduction ?? 'mean';
  checkReduction('binaryCrossEntropyWithLogits', reduction);
  sameShape('binaryCrossEntropyWithLogits', input, target);
  const value = noGrad(() => add(sub(relu(input), mul(input, target)), log1p(exp(neg(abs(input))))));
  const elementwise = recordComputed('binaryCrossEntropyWithLogits', value, [input, target], (g) => [
    input.requiresGrad ? mul(g, sub(sigmoid(input), target)) : null,
    target.requiresGrad ? neg(mul(g, input)) : null,
  ]);
  return reduce(elementwise, reduction);
}
