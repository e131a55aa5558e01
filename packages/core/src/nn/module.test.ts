import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import { sum } from '../ops';
import { ones } from '../tensor/creation';
import type { Tensor } from '../tensor/tensor';
import { Dropout } from './dropout';
import { Linear } from './linear';
import { Module, StateDictError } from './module';

const backend = new CpuBackend();

class Block extends Module {
  readonly fc: Linear;
  readonly drop = this.registerModule('drop', new Dropout({ p: 0.1 }));
  readonly scale = this.registerParameter('scale', ones([2], { backend }));
  constructor() {
    super();
    this.fc = this.registerModule('fc', new Linear({ inFeatures: 3, outFeatures: 2, backend }));
  }
}

class Net extends Module {
  readonly encoder = this.registerModule('encoder', new Block());
  readonly head = this.registerModule('head', new Linear({ inFeatures: 2, outFeatures: 1, bias: false, backend }));
}

describe('Module', () => {
  it("names parameters with PyTorch's dotted names, depth-first in registration order", () => {
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual(['encoder.scale', 'encoder.fc.weight', 'encoder.fc.bias', 'head.weight']);
    expect(Object.keys(net.stateDict())).toEqual(['encoder.scale', 'encoder.fc.weight', 'encoder.fc.bias', 'head.weight']);
    expect(net.parameters().every((p) => p.requiresGrad)).toBe(true);
    expect(net.numParameters()).toBe(2 + 6 + 2 + 2);
    expect(net.namedModules().map(([n]) => n)).toEqual(['', 'encoder', 'encoder.drop', 'encoder.fc', 'head']);
  });

  it('train() / eval() reach every descendant; zeroGrad() clears gradients', () => {
    const net = new Net();
    net.eval();
    expect(net.encoder.drop.training).toBe(false);
    net.train();
    expect(net.encoder.drop.training).toBe(true);
    sum(net.head.forward(ones([1, 2], { backend }))).backward();
    expect(net.head.weight.grad).not.toBeNull();
    net.zeroGrad();
    expect(net.head.weight.grad).toBeNull();
  });

  it('loadStateDict loads in place and round-trips', () => {
    const a = new Net();
    const b = new Net();
    const holder = b.head.weight;
    b.loadStateDict(a.stateDict());
    expect(holder.dataSync()).toEqual(a.head.weight.dataSync());
    b.loadStateDict({ ...a.stateDict(), 'head.weight': { shape: [1, 2], data: [5, 6] } });
    expect([...b.head.weight.dataSync()]).toEqual([5, 6]);
  });

  it('is strict by default: one error lists missing, unexpected and mis-shaped keys', () => {
    const net = new Net();
    const state: Record<string, Tensor> = { ...net.stateDict() };
    delete state['encoder.scale'];
    state['extra.bias'] = ones([1], { backend });
    state['head.weight'] = ones([2, 2], { backend });
    let error: unknown;
    try {
      net.loadStateDict(state);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateDictError);
    const e = error as StateDictError;
    expect(e.message).toBe('loadStateDict: missing keys: encoder.scale; unexpected keys: extra.bias; mis-shaped keys: head.weight: expected [1, 2], got [2, 2]; nothing was loaded');
    expect(e.missingKeys).toEqual(['encoder.scale']);
    expect(e.unexpectedKeys).toEqual(['extra.bias']);
    state['head.weight'] = ones([1, 2], { backend });
    expect(net.loadStateDict(state, { strict: false })).toEqual({ missingKeys: ['encoder.scale'], unexpectedKeys: ['extra.bias'] });
  });
});
