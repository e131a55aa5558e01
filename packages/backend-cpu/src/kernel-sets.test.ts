import { describe, expect, it } from 'vitest';
import { ValueError } from '@gated/core';
import { CpuBackend } from './cpu-backend';
import { KERNEL_SET_NAMES } from './kernel-sets';

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
