import { noGrad } from '../autograd/grad-mode';
import { ShapeError, ValueError, formatShape } from '../errors';
import { abs, add, div, eq, exp, log1p, logSigmoid, logSoftmax, mean, mul, ne, neg, permute, relu, reshape, scalarOp, sigmoid, square, sub, sum, where } from '../ops';
import { computeUntraced, recordComputed } from '../ops/record';
import { arange, tensor } from '../tensor/creation';
import { isTensor, type NestedArray, type Tensor } from '../tensor/tensor';
import { checkOptions, describeValue, type OptionSpec } from '../options';

const REDUCTION_SPEC: OptionSpec = { reduction: ['mean', 'sum', 'none'] };
const NLL_SPEC: OptionSpec = { ...REDUCTION_SPEC, ignoreIndex: 'number', weight: 'tensorOrArray' };

/** Checks a loss's options and that `input` (and a tensor `target`) are tensors, before any shape is read. */
function lossArguments<T extends object>(op: string, signature: string, input: unknown, target: unknown, targetMustBeTensor: boolean, options: T | null | undefined, spec: OptionSpec): T {
  if (!isTensor(input)) throw new ValueError(`${op}: input must be a Tensor, got ${describeValue(input)}`);
  if (targetMustBeTensor && !isTensor(target)) throw new ValueError(`${op}: target must be a Tensor, got ${describeValue(target)}`);
  if (!targetMustBeTensor && !isTensor(target) && !Array.isArray(target) && !ArrayBuffer.isView(target) && typeof target !== 'number') {
    throw new ValueError(`${op}: target must be a Tensor or an array of class indices, got ${describeValue(target)}`);
  }
  return checkOptions(options, { where: `${op}(${signature})`, spec });
}

/** How a loss combines its per-element values: their mean, their sum, or none (one value per element). */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options shared by every loss; all that {@link mseLoss} and {@link l1Loss} take. */
export interface LossOptions {
  /** @defaultValue 'mean' */
  reduction?: Reduction;
}

/** A weight per class: a tensor `[C]` or an array of `C` numbers. */
export type ClassWeight = Tensor | readonly number[];

/** Options of {@link nllLoss}. */
export interface NllLossOptions extends LossOptions {
  /** A target value that contributes neither to the loss nor to the mean's denominator. @defaultValue -100 */
  ignoreIndex?: number;
  /**
   * A manual rescaling weight per class, `[C]` (PyTorch's `weight`): the loss of target class `c` is
   * multiplied by `w[c]`, and `mean` divides by `Σᵢ w[targetᵢ]` over the targets that are not ignored
   * instead of by their number. Entries must be finite; negative and zero entries are allowed, as in
   * PyTorch. With class indices the weight is a constant: one that requires gradients is rejected, as
   * PyTorch rejects it.
   *
   * @remarks `ℓᵢ = −w[targetᵢ]·input[i, targetᵢ]`.
   * @defaultValue undefined (every class weighs 1)
   */
  weight?: ClassWeight;
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

/** Options of {@link binaryCrossEntropyWithLogits}. */
export interface BinaryCrossEntropyWithLogitsOptions extends LossOptions {
  /**
   * A manual rescaling weight per element (PyTorch's `weight`), broadcastable to the input's shape,
   * for example `[C]` or `[N, 1]` for input `[N, C]`: `ℓᵢ` is multiplied by `wᵢ`. `mean` still divides
   * by the number of elements. Entries must be finite; the weight is a constant (one that requires
   * gradients is rejected, as PyTorch rejects it).
   * @defaultValue undefined (every element weighs 1)
   */
  weight?: Tensor | NestedArray;
  /**
   * The weight `p` of positive examples (PyTorch's `pos_weight`), broadcast along the last (class)
   * axis: usually `[C]`, one per class, and in general any shape broadcastable to the input's. `p > 1`
   * raises recall, `p < 1` precision; `p = (#negatives / #positives)` balances a class. Entries must
   * be finite; the value is a constant (one that requires gradients is rejected, as PyTorch rejects it).
   *
   * @remarks `ℓ = (1 − y)·x + (1 + (p − 1)·y)·(log1p(e^{−|x|}) + max(−x, 0))`, which equals
   * `−[p·y·log σ(x) + (1 − y)·log(1 − σ(x))]`.
   * @defaultValue undefined (`p = 1`)
   */
  posWeight?: Tensor | NestedArray;
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

/** Every finite-value check reads the data back, which only backends with synchronous reads allow. */
function assertFiniteValues(op: string, name: string, t: Tensor): void {
  if (!t.backend.supportsSyncRead) return;
  const values = t.dataSync();
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new ValueError(`${op}: ${name} must be finite, got ${values[i]} at position ${i}`);
  }
}

function constantWeight(op: string, name: string, t: Tensor): void {
  if (t.requiresGrad) {
    throw new ValueError(`${op}: ${name} must not require gradients (PyTorch does not differentiate it), got a tensor with requiresGrad; pass ${name}.detach()`);
  }
}

/** The class weight as a `[C]` tensor on the input's backend, checked. */
function classWeight(op: string, weight: ClassWeight, input: Tensor, classes: number): Tensor {
  const w = isTensor(weight) ? weight : tensor(Array.from(weight), undefined, { backend: input.backend });
  if (w.rank !== 1 || w.shape[0] !== classes) {
    throw new ShapeError(`${op}: weight must be [${classes}] (one per class), got ${formatShape(w.shape)}`);
  }
  assertFiniteValues(op, 'weight', w);
  return w;
}

/**
 * The per-row negative log-likelihood pieces shared by {@link nllLoss} and {@link crossEntropy}.
 * `logp` is `[M, C]`, `target` `[M, 1]`, `weight` `[C]` or null.
 */
function nllRows(
  logp: Tensor,
  target: Tensor,
  classes: number,
  ignoreIndex: number,
  smoothing: number,
  weight: Tensor | null,
  reduction: Reduction,
  outShape: readonly number[],
): Tensor {
  const { oneHot, valid } = noGrad(() => {
    const valid = ne(target, ignoreIndex);
    const classIds = reshape(arange(classes, undefined, 1, { backend: logp.backend }), [1, classes]);
    return { oneHot: mul(eq(target, classIds), valid), valid };
  });
  const rowWeight = weight === null ? null : reshape(weight, [1, classes]);
  const weighted = rowWeight === null ? logp : mul(logp, rowWeight);
  // `where`, not a product with the one-hot mask, so that a −∞ log-probability of another class stays out.
  let loss = neg(sum(where(oneHot, weighted, 0), 1, true));
  if (smoothing > 0) {
    // PyTorch's cross_entropy_loss_label_smoothing: the smooth term is −Σ_c w_c·log p_c.
    const smooth = where(valid, neg(sum(weighted, 1, true)), 0);
    loss = add(scalarOp('mul', loss, 1 - smoothing), scalarOp('mul', smooth, smoothing / classes));
  }
  if (reduction === 'none') return reshape(loss, outShape);
  if (reduction === 'sum') return sum(loss);
  // PyTorch divides by the number (or, with weights, the total weight) of the targets that are not
  // ignored; NaN when that is 0. The smooth term is divided by the same total weight.
  const denominator = noGrad(() => (rowWeight === null ? sum(valid) : sum(where(oneHot, rowWeight, 0))));
  return div(sum(loss), denominator);
}

/**
 * The negative log-likelihood loss over log-probabilities (PyTorch's `F.nll_loss`).
 *
 * Shapes: `input` `[N, C]` (or `[C]`, or `[N, C, d1, ...]`), `target` `[N]` (`[]`, `[N, d1, ...]`) of
 * class indices in `[0, C)` or `ignoreIndex`.
 *
 * @remarks `ℓᵢ = −w[targetᵢ]·input[i, targetᵢ]` (0 where `targetᵢ = ignoreIndex`; `w` is the class
 * `weight`, all 1 by default); `mean` divides by `Σᵢ w[targetᵢ]` over the targets that are not ignored
 * (their number without a weight).
 * @example
 * ```ts
 * const loss = nllLoss(logSoftmax(logits, 1), [2, 0, 1], { weight: [1, 2, 0.5] });
 * ```
 */
export function nllLoss(input: Tensor, target: ClassTarget, rawOptions?: NllLossOptions | null): Tensor {
  const options = lossArguments('nllLoss', 'input, target, options', input, target, false, rawOptions, NLL_SPEC);
  const reduction = options.reduction ?? 'mean';
  const ignoreIndex = options.ignoreIndex ?? -100;
  if (!Number.isInteger(ignoreIndex)) throw new ValueError(`nllLoss: ignoreIndex must be an integer, got ${ignoreIndex}`);
  const { rows, outShape, classes } = classRows('nllLoss', input);
  const weight = options.weight === undefined ? null : classWeight('nllLoss', options.weight, input, classes);
  if (weight !== null) constantWeight('nllLoss', 'weight', weight);
  const t = classTarget('nllLoss', target, input, outShape, classes, ignoreIndex);
  return nllRows(rows, t, classes, ignoreIndex, 0, weight, reduction, outShape);
}

/**
 * Cross-entropy from unnormalised logits (PyTorch's `F.cross_entropy`), computed through
 * `logSoftmax` so that logits of any magnitude give finite losses and gradients.
 *
 * Shapes: `input` `[N, C]` (or `[C]`, or `[N, C, d1, ...]`); `target` either class indices `[N]`
 * (`[]`, `[N, d1, ...]`) in `[0, C)` or `ignoreIndex`, or class probabilities with the input's shape.
 *
 * @remarks With class indices, `ℓᵢ = (1 − ε)·(−w[targetᵢ]·log pᵢ[targetᵢ]) + (ε/C)·Σ_c (−w_c·log pᵢ[c])`
 * where `p = softmax(input)` over the class axis, `w` is the class `weight` (all 1 by default), ignored
 * targets give 0, and `mean` divides by `Σᵢ w[targetᵢ]` over the targets that are not ignored (their
 * number without a weight), both terms alike, as PyTorch does. With probabilities `q`,
 * `ℓᵢ = −Σ_c w_c·q'ᵢ[c]·log pᵢ[c]` with `q' = (1 − ε)·q + ε/C`, and `mean` divides by the number of
 * rows; there the weight may require gradients (PyTorch composes this branch from differentiable ops).
 * @example
 * ```ts
 * const logits = linear.forward(features);          // [batch, numClasses]
 * const loss = crossEntropy(logits, labels, { labelSmoothing: 0.1, weight: [1, 4, 1] });
 * loss.backward();
 * ```
 */
export function crossEntropy(input: Tensor, target: ClassTarget, rawOptions?: CrossEntropyOptions | null): Tensor {
  const options = lossArguments('crossEntropy', 'input, target, options', input, target, false, rawOptions, { ...NLL_SPEC, labelSmoothing: 'number' });
  const reduction = options.reduction ?? 'mean';
  const ignoreIndex = options.ignoreIndex ?? -100;
  const smoothing = options.labelSmoothing ?? 0;
  if (!Number.isInteger(ignoreIndex)) throw new ValueError(`crossEntropy: ignoreIndex must be an integer, got ${ignoreIndex}`);
  if (typeof smoothing !== 'number' || !(smoothing >= 0 && smoothing <= 1)) {
    throw new ValueError(`crossEntropy: labelSmoothing must be in [0, 1], got ${String(smoothing)}`);
  }
  const { rows, outShape, classes } = classRows('crossEntropy', input);
  const weight = options.weight === undefined ? null : classWeight('crossEntropy', options.weight, input, classes);
  const logp = logSoftmax(rows, 1);
  if (isTensor(target) && target.rank === input.rank && target.shape.every((d, i) => d === input.shape[i])) {
    // Class probabilities (PyTorch takes this branch when the shapes agree).
    const probs = classRows('crossEntropy', target).rows;
    const q = smoothing > 0 ? scalarOp('add', scalarOp('mul', probs, 1 - smoothing), smoothing / classes) : probs;
    const terms = mul(logp, q);
    const loss = neg(sum(weight === null ? terms : mul(terms, reshape(weight, [1, classes])), 1));
    return reduce(reshape(loss, outShape), reduction);
  }
  if (weight !== null) constantWeight('crossEntropy', 'weight', weight);
  const t = classTarget('crossEntropy', target, input, outShape, classes, ignoreIndex);
  return nllRows(logp, t, classes, ignoreIndex, smoothing, weight, reduction, outShape);
}

/**
 * Mean squared error (PyTorch's `F.mse_loss`): `ℓᵢ = (inputᵢ − targetᵢ)²`. `input` and `target` must
 * have the same shape.
 * @example
 * ```ts
 * const loss = mseLoss(prediction, target);
 * ```
 */
export function mseLoss(input: Tensor, target: Tensor, rawOptions?: LossOptions | null): Tensor {
  const options = lossArguments('mseLoss', 'input, target, options', input, target, true, rawOptions, REDUCTION_SPEC);
  const reduction = options.reduction ?? 'mean';
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
export function l1Loss(input: Tensor, target: Tensor, rawOptions?: LossOptions | null): Tensor {
  const options = lossArguments('l1Loss', 'input, target, options', input, target, true, rawOptions, REDUCTION_SPEC);
  const reduction = options.reduction ?? 'mean';
  sameShape('l1Loss', input, target);
  return reduce(abs(sub(input, target)), reduction);
}

/** `value` as a tensor on the input's backend that broadcasts to the input's shape without growing it. */
function elementWeight(op: string, name: string, value: Tensor | NestedArray, input: Tensor, example: string): Tensor {
  const w = isTensor(value) ? value : tensor(value, undefined, { backend: input.backend });
  const offset = input.rank - w.rank;
  if (offset < 0 || w.shape.some((d, i) => d !== 1 && d !== input.shape[offset + i])) {
    throw new ShapeError(`${op}: ${name} must broadcast to the input's shape ${formatShape(input.shape)} (${example}), got ${formatShape(w.shape)}`);
  }
  assertFiniteValues(op, name, w);
  constantWeight(op, name, w);
  return w;
}

/**
 * Binary cross-entropy from logits (PyTorch's `F.binary_cross_entropy_with_logits`), for targets
 * in `[0, 1]` (soft targets allowed). `input` and `target` must have the same shape.
 *
 * @remarks With `w` the `weight` and `p` the `posWeight` (both 1 by default),
 * `ℓᵢ = wᵢ·[(1 − yᵢ)·xᵢ + (1 + (pᵢ − 1)·yᵢ)·(log1p(e^{−|xᵢ|}) + max(−xᵢ, 0))]`, which equals
 * `−wᵢ·[pᵢ·yᵢ·log σ(xᵢ) + (1 − yᵢ)·log(1 − σ(xᵢ))]` but never overflows. One graph node with
 * PyTorch's gradients `∂ℓ/∂x = w·[(p·y + 1 − y)·σ(x) − p·y]` (`w·(σ(x) − y)` for `p = 1`, also at
 * `x = 0`, where the composed form has a kink) and `∂ℓ/∂y = w·[log σ(−x) − p·log σ(x)]` (`−w·x` for
 * `p = 1`). `mean` divides by the number of elements.
 * @example
 * ```ts
 * const loss = binaryCrossEntropyWithLogits(logits, labels, { posWeight: [3, 1, 0.5] }); // [N, 3]
 * ```
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, rawOptions?: BinaryCrossEntropyWithLogitsOptions | null): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  const options = lossArguments(op, 'input, target, options', input, target, true, rawOptions, { ...REDUCTION_SPEC, weight: 'tensorOrArray', posWeight: 'tensorOrArray' });
  const reduction = options.reduction ?? 'mean';
  sameShape(op, input, target);
  const classes = input.rank === 0 ? 1 : input.shape[input.rank - 1];
  const weight = options.weight === undefined ? null : elementWeight(op, 'weight', options.weight, input, 'e.g. [1] or the input\'s shape');
  const posWeight = options.posWeight === undefined ? null : elementWeight(op, 'posWeight', options.posWeight, input, `e.g. [${classes}], one per class`);
  const value = computeUntraced(() => {
    const softplusOfAbs = log1p(exp(neg(abs(input))));
    let loss: Tensor;
    if (posWeight === null) {
      loss = add(sub(relu(input), mul(input, target)), softplusOfAbs);
    } else {
      // PyTorch's form: log_weight = 1 + (p − 1)·y scales −log σ(x) = log1p(e^{−|x|}) + max(−x, 0).
      const logWeight = scalarOp('add', mul(scalarOp('sub', posWeight, 1), target), 1);
      loss = add(mul(scalarOp('sub', target, 1, true), input), mul(logWeight, add(softplusOfAbs, relu(neg(input)))));
    }
    return weight === null ? loss : mul(loss, weight);
  });
  // The weights are constants of the graph, declared as saved so that a scope cannot free them.
  const saved = [weight, posWeight].filter((t): t is Tensor => t !== null);
  const hasWeight = weight !== null;
  const hasPosWeight = posWeight !== null;
  const elementwise = recordComputed({ name: op, value, inputs: [input, target], saved, backward: (g, { inputs: [input, target], saved }) => {
    const weight = hasWeight ? saved[0] : null;
    const posWeight = hasPosWeight ? saved[saved.length - 1] : null;
    const weighted = (t: Tensor): Tensor => (weight === null ? t : mul(t, weight));
    let gradInput: Tensor | null = null;
    let gradTarget: Tensor | null = null;
    if (input.requiresGrad) {
      if (posWeight === null) {
        gradInput = sub(sigmoid(input), target);
      } else {
        const positive = mul(posWeight, target);
        gradInput = sub(mul(sub(scalarOp('add', positive, 1), target), sigmoid(input)), positive);
      }
      gradInput = weighted(mul(g, gradInput));
    }
    if (target.requiresGrad) {
      gradTarget = posWeight === null ? neg(input) : sub(logSigmoid(neg(input)), mul(posWeight, logSigmoid(input)));
      gradTarget = weighted(mul(g, gradTarget));
    }
    return [gradInput, gradTarget];
  } });
  return reduce(elementwise, reduction);
}
