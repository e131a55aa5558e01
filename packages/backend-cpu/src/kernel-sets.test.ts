import { describe, expect, it } from 'vitest';
import { ValueError } from '@gated/core';
import { CpuBackend } from './cpu-backend';
import { KERNEL_SET_NAMES, availableKernelSets } from './kernel-sets';

describe('CpuBackend kernel sets', () => {
  it('reports the set it runs, and runs the one asked for', () => {
    expect(KERNEL_SET_NAMES).toContain(new CpuBackend().kernels);
    expect(new CpuBackend({ kernels: 'js' }).kernels).toBe('js');
    expect(new CpuBackend({}).kernels).toBe(new CpuBackend({ kernels: 'auto' }).kernels);
  });

  it('rejects an unknown option key or kernel set, naming it', () => {
    expect(() => new CpuBackend({ kernel: 'js' } as never)).toThrow(ValueError);
    expect(() => new CpuBackend({ kernel: 'js' } as never)).toThrow(/unknown option 'kernel'; expected one of 'kernels'/);
    expect(() => new CpuBackend({ kernels: 'wasm' } as never)).toThrow(/option 'kernels' must be .*'wasm-simd'.*got "wasm"/);
    expect(() => new CpuBackend(null as never)).toThrow(/options must be an object, got null/);
  });
});

describe('kernel set availability', () => {
  it('auto picks the fastest set this engine validates; a set it cannot run is a ValueError saying so', () => {
    const sets = availableKernelSets();
    expect(sets[0]).toBe('js');
    expect(new CpuBackend().kernels).toBe(sets[sets.length - 1]);
    for (const name of KERNEL_SET_NAMES) {
      if (sets.includes(name)) expect(new CpuBackend({ kernels: name }).kernels).toBe(name);
      else expect(() => new CpuBackend({ kernels: name })).toThrow(/is not supported by this engine/);
    }
  });
});
