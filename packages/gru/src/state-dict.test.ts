import { describe, expect, it } from 'vitest';
import { Generator, loadSafetensors, randn, saveSafetensors, StateDictError } from '@gated/core';
import { TOLERANCE, assertClose } from '@gated/core/testing';
import { CpuBackend } from '@gated/backend-cpu';
import { GRU } from './index';

const backend = new CpuBackend();

describe('PyTorch state dicts', () => {
  it('round-trips through safetensors (torch.save_file / safetensors.torch.load_file layout) to identical outputs', () => {
    const options = { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, backend };
    const source = new GRU({ ...options, generator: new Generator(1) });
    const target = new GRU({ ...options, generator: new Generator(2) });
    target.loadStateDict(loadSafetensors(saveSafetensors(source.stateDict()), { backend }));
    const x = randn([5, 2, 3], { backend, generator: new Generator(3) });
    assertClose(target.forward(x).output.dataSync(), source.forward(x).output.dataSync(), TOLERANCE.exact, 'output');
  });

  it('names what is missing or mis-shaped', () => {
    const gru = new GRU({ inputSize: 3, hiddenSize: 4, backend });
    const state = { weight_ih_l0: { shape: [12, 2], data: new Float32Array(24) } };
    expect(() => gru.loadStateDict(state)).toThrow(StateDictError);
    expect(() => gru.loadStateDict(state)).toThrow(/weight_ih_l0: expected \[12, 3\], got \[12, 2\]/);
  });
});
