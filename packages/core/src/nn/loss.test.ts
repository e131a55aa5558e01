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
  inputs: { input: Fx; target: Fx };
  output: Fx;
  outputWeights?: Fx;
  loss: number;
  grads: { input: Fx };
}
const cases = JSON.parse(readFileSync(new URL('../__fixtures__/losses.json', import.meta.url), 'utf8')).cases as Record<string, LossCase>;
const load = (t: Fx, requiresGrad = false): Tensor => tensor(Float32Array.from(t.data), t.shape, { backend, requiresGrad });

function apply(c: LossCase, input: Tensor, target: Tensor): Tensor {
  const k = c.kwargs;
  switch (c.fn) {
    case 'cross_entropy':
      return crossEntropy(input, target, { reduction: k.reduction, ignoreIndex: k.ignore_index, labelSmoothing: k.label_smoothing });
    case 'nll_loss':
      return nllLoss(input, target, { reduction: k.reduction, ignoreIndex: k.ignore_index });
    case 'mse_loss':
      return mseLoss(input, target, { reduction: k.reduction });
    case 'l1_loss':
      return l1Loss(input, target, { reduction: k.reduction });
    case 'binary_cross_entropy_with_logits':
      return binaryCrossEntropyWithLogits(input, target, { reduction: k.reduction });
    default:
      throw new Error(`unknown loss ${c.fn}`);
  }
}

describe('losses match PyTorch forward and backward (losses.json)', () => {
  it.each(Object.entries(cases))('%s', (name, c) => {
    const input = load(c.inputs.input, true);
    const out = apply(c, input, load(c.inputs.target));
    expect(out.shape).toEqual(c.output.shape);
    assertClose(out.dataSync(), c.output.data, TOLERANCE.pytorchForward, `${name} output`);
    const loss = c.outputWeights ? sum(mul(out, load(c.outputWeights))) : out;
    assertClose([loss.item()], [c.loss], TOLERANCE.pytorchForward, `${name} loss`);
    loss.backward();
    assertClose(input.grad!.dataSync(), c.grads.input.data, TOLERANCE.pytorchGradient, `${name} grad`);
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
    expect(() => crossEntropy(logits(), [0, 1], { reduction: 'avg' as Reduction })).toThrow("crossEntropy: reduction must be 'mean', 'sum' or 'none', got 'avg'");
    expect(() => nllLoss(tensor(1, undefined, { backend }), 0)).toThrow(ShapeError);
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

  it('binaryCrossEntropyWithLogits differentiates the target as −x', () => {
    const x = tensor([0.5, -2], undefined, { backend });
    const y = tensor([0.3, 0.9], undefined, { backend, requiresGrad: true });
    binaryCrossEntropyWithLogits(x, y, { reduction: 'sum' }).backward();
    assertClose(y.grad!.dataSync(), [-0.5, 2], TOLERANCE.exact);
  });
});
