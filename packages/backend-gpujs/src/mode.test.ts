import { describe, expect, it } from 'vitest';
import { GPU } from 'gpu.js';
import { requireOrSkip, skipWithReason } from '../../../vitest.skip';
import { GPUJS_MODES, availableModes, probeMode } from './mode';

/** In CI every mode the workflow provisions must run; locally a missing one is skipped, with its reason. */
const REQUIRED_IN_CI = ['cpu', 'webasm', 'headlessgl'] as const;
const inCi = process.env.CI === 'true';

describe('probeMode', () => {
  it('always offers cpu and, on Node 20, webasm', () => {
    expect(probeMode('cpu').available).toBe(true);
    expect(probeMode('webasm').available).toBe(true);
    expect(availableModes()).toEqual(expect.arrayContaining(['cpu', 'webasm']));
  });

  it('explains every unavailable mode', () => {
    for (const mode of GPUJS_MODES) {
      const probe = probeMode(mode);
      if (!probe.available) expect(probe.reason).toMatch(/\w+/);
    }
  });

  it('refuses webgpu with a reason, never silently', () => {
    const probe = probeMode('webgpu');
    expect(probe.available).toBe(false);
    expect(probe.reason).toContain('asynchronously');
  });

  it('finds every mode CI provisions', skipWithReason(inCi ? undefined : 'CI=true only: a local machine need not provision every mode'), () => {
    for (const mode of REQUIRED_IN_CI) expect(probeMode(mode), mode).toEqual({ mode, available: true });
  });
});

describe('headlessgl smoke', () => {
  requireOrSkip("gpu.js mode 'headlessgl'", probeMode('headlessgl'));
  it('runs a kernel and reads float32 back exactly', () => {
    expect(probeMode('headlessgl')).toEqual({ mode: 'headlessgl', available: true });
    const gpu = new GPU({ mode: 'headlessgl' });
    const x = Float32Array.from({ length: 257 }, (_, i) => (i - 128) / 7.3);
    const kernel = gpu.createKernel(
      function (this: { thread: { x: number } }, a: Float32Array) {
        return a[this.thread.x];
      },
      { output: [x.length], precision: 'single', tactic: 'precision' },
    );
    expect(kernel(x)).toEqual(x);
    gpu.destroy();
  });
});
