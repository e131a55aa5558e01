import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import { ValueError } from '../errors';
import { tensor } from '../tensor/creation';
import type { Tensor } from '../tensor/tensor';
import { TOLERANCE, assertClose } from '../testing';
import { clipGradNorm, clipGradValue } from './clip-grad';

const backend = new CpuBackend();

interface Fx {
  shape: number[];
  data: number[];
}
interface ClipCase {
  fn: 'clip_grad_norm_' | 'clip_grad_value_';
  kwargs: { max_norm?: number; norm_type?: number | 'inf'; clip_value?: number };
  inputs: { params: Fx[]; grads: Fx[] };
  totalNorm?: number;
  clippedGrads: Fx[];
}
const all = JSON.parse(readFileSync(new URL('../__fixtures__/layers.json', import.meta.url), 'utf8')).cases as Record<string, ClipCase>;
const cases = Object.entries(all).filter(([name]) => name.startsWith('clip_'));
const load = (t: Fx): Tensor => tensor(Float32Array.from(t.data), t.shape, { backend });

function withGrads(c: ClipCase): Tensor[] {
  return c.inputs.params.map((p, i) => {
    const t = load(p);
    t.requiresGrad = true;
    t.grad = load(c.inputs.grads[i]);
    return t;
  });
}

describe('gradient clipping matches PyTorch (layers.json)', () => {
  it.each(cases)('%s', (name, c) => {
    const params = withGrads(c);
    if (c.fn === 'clip_grad_norm_') {
      const normType = c.kwargs.norm_type === 'inf' ? Infinity : c.kwargs.norm_type!;
      const total = clipGradNorm(params, c.kwargs.max_norm!, normType);
      assertClose([total.item()], [c.totalNorm!], TOLERANCE.pytorchForward, `${name} total norm`);
    } else {
      clipGradValue(params, c.kwargs.clip_value!);
    }
    params.forEach((p, i) => assertClose(p.grad!.dataSync(), c.clippedGrads[i].data, TOLERANCE.pytorchForward, `${name} grad ${i}`));
  });
});

describe('clipGradNorm', () => {
  it('throws on a non-finite norm only when asked, and validates its arguments', () => {
    const p = tensor([1, 2], undefined, { backend, requiresGrad: true });
    p.grad = tensor([Infinity, 1], undefined, { backend });
    expect(() => clipGradNorm([p], 1, 2, { errorIfNonfinite: true })).toThrow(ValueError);
    expect(() => clipGradNorm([p], 1, 2, { errorIfNonfinite: true })).toThrow('clipGradNorm: the total norm of order 2 of the gradients is Infinity');
    expect(clipGradNorm([p], 1).item()).toBe(Infinity);
    expect(() => clipGradNorm([p], -1)).toThrow('clipGradNorm: maxNorm must be a number ≥ 0, got -1');
    expect(() => clipGradNorm([p], 1, 0)).toThrow(ValueError);
    expect(() => clipGradValue([p], -1)).toThrow('clipGradValue: clipValue must be a finite number ≥ 0, got -1');
  });

  it('supports other p-norms and skips parameters without a gradient', () => {
    const p = tensor([3, 4], undefined, { backend, requiresGrad: true });
    const q = tensor([1], undefined, { backend, requiresGrad: true });
    p.grad = tensor([3, -4], undefined, { backend });
    const total = clipGradNorm([p, q], 100, 3).item();
    assertClose([total], [Math.cbrt(27 + 64)], TOLERANCE.elementwise);
    expect(q.grad).toBeNull();
  });
});
