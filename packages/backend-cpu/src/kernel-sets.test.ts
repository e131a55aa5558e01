import { describe, expect, it, vi } from 'vitest';
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
    expect(() => new CpuBackend({ kernel: 'js' } as never)).toThrow(/unknown option 'kernel'; expected one of 'kernels', 'threads'/);
    expect(() => new CpuBackend({ kernels: 'wasm' } as never)).toThrow(/option 'kernels' must be .*'wasm-simd'.*got "wasm"/);
    expect(() => new CpuBackend(null as never)).toThrow(/options must be an object, got null/);
  });

  it('rejects a thread count that is not auto or a positive integer, naming it', () => {
    for (const [threads, shown] of [[0, '0'], [-2, '-2'], [1.5, '1.5'], [Number.NaN, 'NaN'], ['two', '"two"'], [null, 'null']] as const) {
      expect(() => new CpuBackend({ threads } as never)).toThrow(ValueError);
      expect(() => new CpuBackend({ threads } as never)).toThrow(`option 'threads' must be 'auto' or a positive integer, got ${shown}`);
    }
    expect(new CpuBackend({ threads: 3 }).threads).toBe(1);
  });

  it('the js set runs on the calling thread alone', async () => {
    const backend = new CpuBackend({ kernels: 'js', threads: 4 });
    expect(await backend.startThreads()).toBe(1);
    expect(backend.threads).toBe(1);
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

describe('CpuBackend where the module cannot be compiled synchronously (a browser main thread)', () => {
  const refuse = () => {
    return vi.spyOn(WebAssembly, 'Module').mockImplementation(function refuseSync() {
      throw new RangeError('WebAssembly.Module(): Buffer size is over the limit 4096');
    } as never);
  };

  it('auto falls back to js; an explicit wasm set is a ValueError pointing to CpuBackend.create', () => {
    const wasm = availableKernelSets().filter((k) => k !== 'js');
    const spy = refuse();
    try {
      expect(new CpuBackend().kernels).toBe('js');
      for (const kernels of wasm) expect(() => new CpuBackend({ kernels })).toThrow(/cannot be compiled synchronously here.*await CpuBackend\.create/);
    } finally {
      spy.mockRestore();
    }
  });

  it('CpuBackend.create compiles asynchronously and runs the set auto picks', async () => {
    const sets = availableKernelSets();
    const spy = refuse();
    try {
      const backend = await CpuBackend.create();
      expect(backend.kernels).toBe(sets[sets.length - 1]);
      const a = backend.upload(Float32Array.from({ length: 64 * 64 }, (_, i) => (i % 7) - 3));
      const out = backend.readSync(backend.matMul({ storage: a, shape: [64, 64] }, { storage: a, shape: [64, 64] }, false, true, [64, 64]));
      let expected = 0;
      for (let p = 0; p < 64; p++) expected += ((p % 7) - 3) * (((64 + p) % 7) - 3);
      expect(out[1]).toBe(expected);
    } finally {
      spy.mockRestore();
    }
  });
});
