import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../vitest.skip';
import { Adam, Linear, clipGradNorm, crossEntropy, manualSeed, randn, tensor } from '@gated/core';
import { measureTrainingMemory } from '@gated/core/testing';
import { GRU } from '@gated/gru';
import { GpujsBackend } from './gpujs-backend';
import { probeMode, type GpujsMode } from './mode';

// The README's training loop as a user writes it (no scope(), no await, nothing disposed), at a size
// the GL modes run quickly. Host-mode storage must be the garbage collector's; GL textures of tensors
// dropped without dispose() cannot be finalized inside a synchronous loop, so the budget bounds them:
// least recently used storages are spilled to host arrays, which the collector then reclaims.

const MODES: readonly GpujsMode[] = ['cpu', 'webasm', 'headlessgl'];
const STEPS = 1000;
const MiB = 1024 * 1024;
// Small enough that the loop reaches it within its first 200 steps, so that the later steps are bounded by it.
const BUDGET = 8 * MiB;

function readmeLoop(backend: GpujsBackend): () => void {
  manualSeed(0);
  const gru = new GRU({ inputSize: 4, hiddenSize: 8, numLayers: 2, batchFirst: true, backend });
  const head = new Linear({ inFeatures: 8, outFeatures: 3, backend });
  const optimizer = new Adam([...gru.parameters(), ...head.parameters()], { lr: 1e-2 });
  const x = randn([4, 5, 4], { backend });
  const labels = [0, 1, 2, 0];
  let loss = tensor(0, undefined, { backend });
  return () => {
    const { hN } = gru.forward(x);
    loss = crossEntropy(head.forward(hN.slice([1], [1]).squeeze(0)), labels);
    optimizer.zeroGrad();
    loss.backward();
    clipGradNorm(gru.parameters(), 1.0);
    optimizer.step();
  };
}

for (const mode of MODES) {
  describe(`GpujsBackend (${mode}): a plain synchronous training loop`, () => {
    requireOrSkip(`gpu.js mode '${mode}'`, probeMode(mode));
    it(`keeps memory and live storages flat over ${STEPS} steps of the README loop`, async () => {
      const backend = GpujsBackend.create({ mode, memoryBudget: BUDGET });
      try {
        const report = await measureTrainingMemory(backend, readmeLoop(backend), STEPS);
        console.log(
          `gpujs:${mode} README loop: ${STEPS} steps in ${report.seconds.toFixed(1)} s; typed arrays ${(report.arrayBufferGrowth / MiB).toFixed(2)} MiB, ` +
            `RSS ${(report.rssGrowth / MiB).toFixed(1)} MiB; live storages ${report.baseline.liveStorages} → ${report.afterStepsSync.liveStorages} ` +
            `(peak ${report.peakLiveStorages}) → ${report.afterSteps.liveStorages} once finalized; ${backend.spills} spills`,
        );
        expect(report.arrayBufferGrowth, 'typed-array bytes kept by the loop').toBeLessThan(8 * MiB);
        expect(report.rssGrowth, 'resident set growth (noisy under load)').toBeLessThan(128 * MiB);
        expect(report.afterSteps.liveStorages, 'live storages once finalizers ran').toBeLessThanOrEqual(report.baseline.liveStorages);
        if (mode === 'headlessgl') {
          // Inside the loop no finalizer runs: device memory is held to the budget by spilling.
          expect(report.afterStepsSync.liveBytes, 'device bytes at the end of the synchronous loop').toBeLessThanOrEqual(BUDGET);
          expect(backend.spills, 'the budget was reached and enforced').toBeGreaterThan(0);
        }
      } finally {
        backend.destroy();
      }
    }, 600_000);
  });
}
