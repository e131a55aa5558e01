import { describe, it } from 'vitest';
import { TOLERANCE, conformanceCases } from '@gated/core/testing';
import { requireOrSkip, skipWithReason } from '../../../vitest.skip';
import { GpujsBackend } from './gpujs-backend';
import { probeMode, type GpujsMode } from './mode';

const MODES: readonly GpujsMode[] = ['cpu', 'webasm', 'headlessgl'];

for (const mode of MODES) {
  describe(`GpujsBackend conformance (${mode})`, () => {
    // Where the mode cannot run, every case is skipped with the reason (a failure with CI=true).
    requireOrSkip(`gpu.js mode '${mode}'`, probeMode(mode));
    // Every optional kernel of the contract is a gpu.js kernel here, so the suite checks them all.
    const cases = conformanceCases(() => GpujsBackend.create({ mode }), {
      extraTolerance: TOLERANCE.device,
      kernels: ['gruStep', 'gruStepBackward', 'lstmStep', 'lstmStepBackward'],
    });
    for (const c of cases) it(`${c.group}: ${c.name}`, skipWithReason(c.skip), () => c.run());
  });
}
