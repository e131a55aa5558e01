import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import { ShapeError, ValueError } from '../errors';
import { logSoftmax, mul, sum } from '../ops';
import { tensor } from '../tensor/creation';
import type { Tensor } from '../tensor/tensor';
import { TOLERANCE, assertClose } from '../testing';
import { binaryCrossEntropyWithLogits, crossEntropy, l1Loss, mseLoss, nllLoss, type Reduction } from './loss';

const backend = new CpuBackend();

interface Fx {
  shape: number[];
  data: number[];
}
interface LossCase {
  fn: string;
  kwargs: { reduction: Reduction; ignore_index?: number; label_smoothing?: number };
  inputs: { input: Fx; target: Fx; weight?: Fx; pos_weight?: Fx };
  output: Fx;
  outputWeights?: Fx;
  loss: number;
  grads: { input: Fx; target?: Fx };
}
const cases = JSON.parse(readFileSync(new URL('../__fixtures__/losses.json', import.meta.url), 'utf8')).cases as Record<string, LossCase>;
const load = (t: Fx, requiresGrad = false): Tensor => tensor(Float32Array.from(t.data), t.shape, { backend, requiresGrad });

function apply(c: LossCase, input: Tensor, target: Tensor): Tensor {
  const k = c.kwargs;
  const weight = c.inputs.weight && load(c.inputs.weight);
  const posWeight = c.inputs.pos_weight && load(c.inputs.pos_weight);
  switch (c.fn) {
    case 'cross_entropy':
      return crossEntropy(input, target, { reduction: k.reduction, ignoreIndex: k.ignore_index, labelSmoothing: k.label_smoothing, weight });
    case 'nll_loss':
      return nllLoss(input, target, { reduction: k.reduction, ignoreIndex: k.ignore_index, weight });
    case 'mse_loss':
      return mseLoss(input, target, { reduction: k.reduction });
    case 'l1_loss':
      return l1Loss(input, target, { reduction: k.reduction });
    case 'binary_cross_entropy_with_logits':
      return binaryCrossEntropyWithLogits(input, target, { reduction: k.reduction, weight, posWeight });
    default:
      throw new Error(`unknown loss ${c.fn}`);
  }
}

describe('losses match PyTorch forward and backward (losses.json)', () => {
  it('covers the weight and posWeight options', () => {
    const names = Object.keys(cases);
    expect(names.filter((n) => cases[n].inputs.weight !== undefined).length).toBeGreaterThanOrEqual(14);
    expect(names.filter((n) => cases[n].inputs.pos_weight !== undefined).length).toBeGreaterThanOrEqual(3);
    expect(names.filter((n) => cases[n].grads.target !== undefined).length).toBeGreaterThanOrEqual(8);
  });

  it.each(Object.entries(cases))('%s', (name, c) => {
    const input = load(c.inputs.input, true);
    const target = load(c.inputs.target, c.grads.target !== undefined);
    const out = apply(c, input, target);
    expect(out.shape).toEqual(c.output.shape);
    assertClose(out.dataSync(), c.output.data, TOLERANCE.pytorchForward, `${name} output`);
    const loss = c.outputWeights ? sum(mul(out, load(c.outputWeights))) : out;
    assertClose([loss.item()], [c.loss], TOLERANCE.pytorchForward, `${name} loss`);
    loss.backward();
    assertClose(input.grad!.dataSync(), c.grads.input.data, TOLERANCE.pytorchGradient, `${name} grad`);
    if (c.grads.target) assertClose(target.grad!.dataSync(), c.grads.target.data, TOLERANCE.pytorchGradient, `${name} target grad`);
  });
});

describe('crossEntropy', () => {
  const logits = () => tensor([[1, 2, 3], [0, -1, 4]], undefined, { backend, requiresGrad: true });

  it('accepts plain arrays as targets, unbatched [C] input, and [N, C, d] input', () => {
    const a = crossEntropy(logits(), [2, 0]).item();
    const b = crossEntropy(logits(), tensor([2, 0], undefined, { backend })).item();
    expect(a).toBe(b);
    const single = crossEntropy(tensor([1, 2, 3], undefined, { backend }), 2);
    expect(single.shape).toEqual([]);
    assertClose([single.item()], [-logSoftmax(tensor([1, 2, 3], undefined, { backend })).dataSync()[2]], TOLERANCE.elementwise);
    // [N=1, C=3, d=2] is the same as two rows of [N, C].
    const spatial = tensor([[[1, 0], [2, -1], [3, 4]]], undefined, { backend });
    const perPosition = crossEntropy(spatial, [[2, 0]], { reduction: 'none' });
    expect(perPosition.shape).toEqual([1, 2]);
    assertClose(perPosition.dataSync(), crossEntropy(logits(), [2, 0], { reduction: 'none' }).dataSync(), TOLERANCE.exact);
  });

  it('accepts class probabilities with the input shape', () => {
    const probs = tensor([[0, 0, 1], [1, 0, 0]], undefined, { backend });
    assertClose([crossEntropy(logits(), probs).item()], [crossEntropy(logits(), [2, 0]).item()], TOLERANCE.elementwise);
  });

  it('stays finite for huge logits and gives NaN for a mean over only ignored targets, as PyTorch does', () => {
    const huge = tensor([[1e30, -1e30, 0]], undefined, { backend, requiresGrad: true });
    const loss = crossEntropy(huge, [1]);
    expect(Number.isFinite(loss.item())).toBe(true);
    loss.backward();
    expect([...huge.grad!.dataSync()].every(Number.isFinite)).toBe(true);
    expect(crossEntropy(logits(), [-100, -100]).item()).toBeNaN();
  });

  it('throws typed errors naming the function, the expectation and the value', () => {
    expect(() => crossEntropy(logits(), [3, 0])).toThrow(ValueError);
    expect(() => crossEntropy(logits(), [3, 0])).toThrow('crossEntropy: target 3 at position 0 is out of range, expected a class index in [0, 2] or ignoreIndex (-100)');
    expect(() => crossEntropy(logits(), [0.5, 0])).toThrow(ValueError);
    expect(() => crossEntropy(logits(), [0, 1, 2])).toThrow(ShapeError);
    expect(() => crossEntropy(logits(), [0, 1, 2])).toThrow('crossEntropy: target of class indices must be [2] for input [2, 3], got [3]');
    expect(() => crossEntropy(logits(), [0, 1], { labelSmoothing: 1.5 })).toThrow('crossEntropy: labelSmoothing must be in [0, 1], got 1.5');
    expect(() => crossEntropy(logits(), [0, 1], { reduction: 'avg' as Reduction })).toThrow("crossEntropy(input, target, options): option 'reduction' must be one of 'mean', 'sum', 'none', got 'avg' (a string)");
    expect(() => nllLoss(tensor(1, undefined, { backend }), 0)).toThrow(ShapeError);
  });

  it('weights classes: a plain array equals a tensor, and unit weights change nothing', () => {
    const weighted = crossEntropy(logits(), [2, 0], { weight: [1, 1, 1], labelSmoothing: 0.2 }).item();
    assertClose([weighted], [crossEntropy(logits(), [2, 0], { labelSmoothing: 0.2 }).item()], TOLERANCE.elementwise);
    const fromArray = nllLoss(logits(), [2, 0], { weight: [0.5, 1, 3], reduction: 'none' }).dataSync();
    const fromTensor = nllLoss(logits(), [2, 0], { weight: tensor([0.5, 1, 3], undefined, { backend }), reduction: 'none' }).dataSync();
    assertClose(fromArray, fromTensor, TOLERANCE.exact);
    assertClose(fromArray, [-3 * 3, -0.5 * 0], TOLERANCE.exact);
    // Unbatched [C] input with a weight: mean divides by w[target], so it equals the unweighted loss.
    const single = tensor([1, 2, 3], undefined, { backend });
    assertClose([crossEntropy(single, 1, { weight: [1, 4, 1] }).item()], [crossEntropy(single, 1).item()], TOLERANCE.elementwise);
  });

  it('rejects class weights of the wrong shape, non-finite entries, and weights that require gradients', () => {
    const five = tensor([[1, 2, 3, 4, 5]], undefined, { backend });
    expect(() => crossEntropy(five, [0], { weight: [1, 2, 3] })).toThrow(ShapeError);
    expect(() => crossEntropy(five, [0], { weight: [1, 2, 3] })).toThrow('crossEntropy: weight must be [5] (one per class), got [3]');
    expect(() => nllLoss(logits(), [0, 1], { weight: tensor([[1, 2, 3]], undefined, { backend }) })).toThrow('nllLoss: weight must be [3] (one per class), got [1, 3]');
    expect(() => crossEntropy(logits(), tensor([[0, 0, 1], [1, 0, 0]], undefined, { backend }), { weight: [1, 2] })).toThrow(
      'crossEntropy: weight must be [3] (one per class), got [2]',
    );
    expect(() => crossEntropy(logits(), [0, 1], { weight: [1, Number.NaN, 1] })).toThrow(ValueError);
    expect(() => crossEntropy(logits(), [0, 1], { weight: [1, Number.NaN, 1] })).toThrow('crossEntropy: weight must be finite, got NaN at position 1');
    expect(() => nllLoss(logits(), [0, 1], { weight: [Number.POSITIVE_INFINITY, 1, 1] })).toThrow('nllLoss: weight must be finite, got Infinity at position 0');
    const trainable = tensor([1, 2, 3], undefined, { backend, requiresGrad: true });
    expect(() => crossEntropy(logits(), [0, 1], { weight: trainable })).toThrow(
      'crossEntropy: weight must not require gradients (PyTorch does not differentiate it), got a tensor with requiresGrad; pass weight.detach()',
    );
    expect(() => nllLoss(logits(), [0, 1], { weight: trainable })).toThrow(ValueError);
  });

  it('differentiates a class weight with probability targets, as PyTorch does there', () => {
    const weight = tensor([1, 2, 3], undefined, { backend, requiresGrad: true });
    const probs = tensor([[0.2, 0.3, 0.5], [1, 0, 0]], undefined, { backend });
    crossEntropy(logits(), probs, { weight, reduction: 'sum' }).backward();
    // ∂L/∂w_c = −Σᵢ q[i, c]·log p[i, c]
    const logp = logSoftmax(logits(), 1).dataSync();
    const q = probs.dataSync();
    const expected = [0, 1, 2].map((c) => -(q[c] * logp[c] + q[3 + c] * logp[3 + c]));
    assertClose(weight.grad!.dataSync(), expected, TOLERANCE.elementwise);
  });
});

describe('element-wise losses', () => {
  it('require matching shapes', () => {
    const a = tensor([1, 2, 3], undefined, { backend });
    const b = tensor([1, 2], undefined, { backend });
    expect(() => mseLoss(a, b)).toThrow('mseLoss: target must have the input\'s shape [3], got [2]');
    expect(() => l1Loss(a, b)).toThrow(ShapeError);
    expect(() => binaryCrossEntropyWithLogits(a, b)).toThrow(ShapeError);
  });

  it('binaryCrossEntropyWithLogits rejects weight and posWeight that do not broadcast to the input, are not finite or require gradients', () => {
    const x = tensor([[0.5, -2, 1], [0, 3, -1]], undefined, { backend });
    const y = tensor([[1, 0, 1], [0, 1, 0.5]], undefined, { backend });
    expect(() => binaryCrossEntropyWithLogits(x, y, { posWeight: [1, 2] })).toThrow(ShapeError);
    expect(() => binaryCrossEntropyWithLogits(x, y, { posWeight: [1, 2] })).toThrow(
      "binaryCrossEntropyWithLogits: posWeight must broadcast to the input's shape [2, 3] (e.g. [3], one per class), got [2]",
    );
    // Broadcasting may not grow the result: [1, 2, 3] is rejected as PyTorch rejects it.
    expect(() => binaryCrossEntropyWithLogits(x, y, { weight: tensor([[[1, 1, 1], [1, 1, 1]]], undefined, { backend }) })).toThrow(
      "binaryCrossEntropyWithLogits: weight must broadcast to the input's shape [2, 3] (e.g. [1] or the input's shape), got [1, 2, 3]",
    );
    expect(() => binaryCrossEntropyWithLogits(x, y, { weight: [[1], [2], [3]] })).toThrow(ShapeError);
    expect(() => binaryCrossEntropyWithLogits(x, y, { posWeight: [1, Number.POSITIVE_INFINITY, 1] })).toThrow(
      'binaryCrossEntropyWithLogits: posWeight must be finite, got Infinity at position 1',
    );
    expect(() => binaryCrossEntropyWithLogits(x, y, { weight: tensor([1, 2, 3], undefined, { backend, requiresGrad: true }) })).toThrow(ValueError);
    // Accepted: a column weight [2, 1], a scalar weight and a negative posWeight (PyTorch has no sign check).
    expect(binaryCrossEntropyWithLogits(x, y, { weight: [[1], [2]], posWeight: [-1, 0, 2], reduction: 'none' }).shape).toEqual([2, 3]);
    expect(binaryCrossEntropyWithLogits(x, y, { weight: 2 }).shape).toEqual([]);
  });

  it('binaryCrossEntropyWithLogits with unit weight and posWeight equals the plain loss, and stays finite for huge logits', () => {
    const x = tensor([[0.5, -2, 1e30], [0, 3, -1e30]], undefined, { backend, requiresGrad: true });
    const y = tensor([[1, 0, 1], [0, 1, 0.5]], undefined, { backend });
    const plain = binaryCrossEntropyWithLogits(x, y, { reduction: 'none' }).dataSync();
    const unit = binaryCrossEntropyWithLogits(x, y, { reduction: 'none', weight: [1, 1, 1], posWeight: [1, 1, 1] }).dataSync();
    assertClose(unit, plain, TOLERANCE.elementwise);
    const loss = binaryCrossEntropyWithLogits(x, y, { posWeight: [2, 3, 4] });
    loss.backward();
    expect(Number.isFinite(loss.item())).toBe(true);
    expect([...x.grad!.dataSync()].every(Number.isFinite)).toBe(true);
  });

  it('binaryCrossEntropyWithLogits differentiates the target as −x', () => {
    const x = tensor([0.5, -2], undefined, { backend });
    const y = tensor([0.3, 0.9], undefined, { backend, requiresGrad: true });
    binaryCrossEntropyWithLogits(x, y, { reduction: 'sum' }).backward();
    assertClose(y.grad!.dataSync(), [-0.5, 2], TOLERANCE.exact);
  });
});
