import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import { OptionsError } from '../errors';
import { arange, eye, full, ones, rand, randn, tensor, uniform, zeros } from './creation';

const backend = new CpuBackend();

// Before: every one of these options was ignored without a word (a tensor that silently did not
// require grad, a backward that freed the graph the user asked to keep).
describe('tensor creation and backward reject unknown options', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['tensor', () => tensor([1, 2], [2], { backend, requires_grad: true } as never), /unknown option 'requires_grad'.*requiresGrad/],
    ['full', () => full([2], 1, { backend, dtype: 'float64' } as never), /dtype/],
    ['zeros', () => zeros([2], { backend, device: 'cuda' } as never), /device/],
    ['ones', () => ones([2], { backend, requiresGrad: 'yes' } as never), /requiresGrad.*boolean/],
    ['arange', () => arange(0, 3, 1, { backend, requiresgrad: true } as never), /requiresgrad/],
    ['eye', () => eye(2, { backend, grad: true } as never), /grad/],
    ['uniform', () => uniform([2], 0, 1, { backend, seed: 3 } as never), /seed/],
    ['rand', () => rand([2], { backend, generator: 42 } as never), /generator/],
    ['randn', () => randn([2], { backend, sd: 2 } as never), /sd/],
    ['backward', () => tensor(2, undefined, { backend, requiresGrad: true }).mul(3).backward(undefined, { retain_graph: true } as never), /retain_graph.*retainGraph/],
  ];
  for (const [name, call, message] of cases) {
    it(name, () => {
      expect(call).toThrow(OptionsError);
      expect(call).toThrow(message);
    });
  }

  it('accepts the documented options', () => {
    const x = randn([2], { backend, mean: 1, std: 0, requiresGrad: true });
    expect(Array.from(x.dataSync())).toEqual([1, 1]);
    x.mul(2).sum().backward(undefined, { retainGraph: false });
    expect(Array.from(x.grad!.dataSync())).toEqual([2, 2]);
  });
});
