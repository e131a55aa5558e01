import { afterAll, describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../vitest.skip';
import { scope, tensor } from '@gated/core';
import { GpujsBackend } from './gpujs-backend';
import { GpujsLimitError } from './errors';
import { GpujsModeUnavailableError, probeMode, type GpujsMode } from './mode';

const MODES: readonly GpujsMode[] = ['cpu', 'webasm', 'headlessgl'];

describe('GpujsBackend.create', () => {
  it('refuses an unavailable mode with a GpujsModeUnavailableError naming the reason', () => {
    expect(() => GpujsBackend.create({ mode: 'webgpu' })).toThrow(GpujsModeUnavailableError);
    expect(() => GpujsBackend.create({ mode: 'webgl2' })).toThrow(/webgl2.*not available here: no WebGL2 context/);
  });
});

for (const mode of MODES) {
  describe(`GpujsBackend (${mode})`, () => {
    requireOrSkip(`gpu.js mode '${mode}'`, probeMode(mode));
    const backends: GpujsBackend[] = [];
    const make = () => {
      const backend = GpujsBackend.create({ mode });
      backends.push(backend);
      return backend;
    };
    afterAll(() => {
      for (const b of backends) b.destroy();
    });

    it('reports the mode it really runs in', () => {
      const backend = make();
      expect(backend.mode).toBe(mode);
      expect(backend.name).toBe(`gpujs:${mode}`);
    });

    it('builds each kernel once per shape signature', () => {
      const backend = make();
      const a = tensor([[1, 2, 3], [4, 5, 6]], undefined, { backend });
      const b = tensor([10, 20, 30], undefined, { backend });
      a.add(b).dispose();
      const built = backend.kernelCount;
      for (let i = 0; i < 5; i++) a.add(b).dispose();
      expect(backend.kernelCount).toBe(built);
      tensor([1, 2], undefined, { backend }).add(tensor([3, 4], undefined, { backend })).dispose();
      expect(backend.kernelCount).toBeGreaterThan(built);
    });

    it('slices at every position with one kernel (the start is an argument, not part of the shader)', () => {
      const backend = make();
      const seq = tensor(Array.from({ length: 24 }, (_, i) => i), [4, 2, 3], { backend });
      const step = (t: number) => seq.slice([t, 0, 0], [1, 2, 3]);
      step(0).dispose();
      const built = backend.kernelCount;
      for (let t = 1; t < 4; t++) {
        const s = step(t);
        expect(Array.from(s.dataSync())).toEqual(Array.from({ length: 6 }, (_, i) => t * 6 + i));
        s.dispose();
      }
      const inner = seq.slice([2, 1, 1], [2, 1, 2]);
      expect(Array.from(inner.dataSync())).toEqual([16, 17, 22, 23]);
      expect(backend.kernelCount).toBe(built + 1);
      inner.dispose();
      seq.dispose();
    });

    it('frees device memory on dispose and through scope', () => {
      const backend = make();
      const before = backend.memory();
      const x = tensor([1, 2, 3, 4], undefined, { backend });
      const y = scope(() => x.mul(2).add(1).exp().sum());
      expect(backend.memory().liveStorages).toBe(before.liveStorages + 2);
      expect(y.dataSync()[0]).toBeCloseTo(Math.exp(3) + Math.exp(5) + Math.exp(7) + Math.exp(9), 0);
      x.dispose();
      y.dispose();
      expect(backend.memory()).toEqual(before);
    });

    it('checks the size limit before a kernel runs', () => {
      const backend = make();
      const tooBig = backend.limits.maxElements + 1;
      const x = backend.upload(new Float32Array([1]));
      expect(() => backend.unary('neg', x, tooBig)).toThrow(GpujsLimitError);
      expect(() => backend.fill(tooBig, 0)).toThrow(/exceeds the limit/);
      backend.dispose(x);
    });

    it('reads NaN and ±Infinity back exactly', () => {
      const backend = make();
      const values = new Float32Array([NaN, Infinity, -Infinity, -0, 3.4e38, 1e-38]);
      const s = backend.upload(values);
      expect(backend.readSync(s)).toEqual(values);
      backend.dispose(s);
    });
  });
}
