import { afterAll, describe, expect, it, vi } from 'vitest';
import { requireOrSkip } from '../../../vitest.skip';
import { Adam, Generator, mseLoss, randn, scope, uniform, type MemoryInfo, type Tensor } from '@gated/core';
import { GRU } from '@gated/gru';
import { GpujsBackend } from './gpujs-backend';
import { probeMode, type GpujsMode } from './mode';

// 1,000 training steps of a small GRU on the fused kernels: device memory must not grow. Core has no
// live-tensor counter of its own; a tensor that is never disposed keeps its storage alive, so the
// backend's live storages are where a leaked tensor shows (the finalizer only frees what the garbage
// collector happens to reach, so the count is checked after every step, not only at the end).

const MODES: readonly GpujsMode[] = ['cpu', 'webasm', 'headlessgl'];
const STEPS = 1000;
const WARMUP_STEPS = 5;
const [SEQ_LEN, BATCH, INPUT_SIZE, HIDDEN_SIZE] = [5, 2, 4, 8];

const timings: string[] = [];

for (const mode of MODES) {
  describe(`GpujsBackend (${mode}) training memory`, () => {
    requireOrSkip(`gpu.js mode '${mode}'`, probeMode(mode));
    it(`keeps device memory, tensors and kernels flat over ${STEPS} GRU training steps`, () => {
      const backend = GpujsBackend.create({ mode });
      try {
        const generator = new Generator(7);
        const gru = new GRU({ inputSize: INPUT_SIZE, hiddenSize: HIDDEN_SIZE, backend });
        const optimizer = new Adam(gru.parameters(), { lr: 1e-2 });
        const x = randn([SEQ_LEN, BATCH, INPUT_SIZE], { backend, generator });
        const target = uniform([SEQ_LEN, BATCH, HIDDEN_SIZE], -0.5, 0.5, { backend, generator });
        const gruStep = vi.spyOn(backend, 'gruStep');
        const gruStepBackward = vi.spyOn(backend, 'gruStepBackward');
        const step = () =>
          scope(() => {
            optimizer.zeroGrad();
            const loss = mseLoss(gru.forward(x).output, target);
            loss.backward();
            optimizer.step();
            return loss.item();
          });
        // What the model and the optimizer hold between steps: parameters, their gradients, Adam's moments.
        const heldTensors = () => {
          const held = new Set<Tensor>();
          for (const p of gru.parameters()) {
            held.add(p);
            if (p.grad) held.add(p.grad);
          }
          const state = (optimizer as unknown as { state: Map<Tensor, Record<string, unknown>> }).state;
          for (const s of state.values()) for (const v of Object.values(s)) if (typeof v === 'object') held.add(v as Tensor);
          return [...held].filter((t) => !t.isDisposed).length;
        };

        const firstLoss = step();
        for (let i = 1; i < WARMUP_STEPS; i++) step();
        const baseline: MemoryInfo = backend.memory();
        const baselineHeld = heldTensors();
        const baselineKernels = backend.kernelCount;
        gruStep.mockClear();
        gruStepBackward.mockClear();

        const started = performance.now();
        let [fewest, most] = [baseline.liveStorages, baseline.liveStorages];
        let lastLoss = firstLoss;
        for (let i = 0; i < STEPS; i++) {
          lastLoss = step();
          const live = backend.memory().liveStorages;
          fewest = Math.min(fewest, live);
          most = Math.max(most, live);
        }
        const seconds = (performance.now() - started) / 1000;
        timings.push(`${mode}: ${STEPS} steps in ${seconds.toFixed(1)} s (${((seconds * 1000) / STEPS).toFixed(1)} ms/step)`);

        expect(backend.memory(), 'live storages and bytes after the steps').toEqual(baseline);
        expect([fewest, most], 'live storages after every step').toEqual([baseline.liveStorages, baseline.liveStorages]);
        expect(heldTensors(), 'tensors held by the model and optimizer').toBe(baselineHeld);
        expect(baselineHeld, '4 parameters, 4 gradients, 2 Adam moments each').toBe(16);
        expect(backend.kernelCount, 'no kernel is built after the warm-up').toBe(baselineKernels);
        expect(gruStep).toHaveBeenCalledTimes(STEPS * SEQ_LEN);
        expect(gruStepBackward).toHaveBeenCalledTimes(STEPS * SEQ_LEN);
        // It trained: the steps changed the parameters through the fused kernels' gradients.
        expect(lastLoss).toBeLessThan(firstLoss / 2);
      } finally {
        backend.destroy();
      }
    }, 300_000);
  });
}

afterAll(() => {
  for (const line of timings) console.log(`leak test ${line}`);
});
