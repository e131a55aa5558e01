import { describe, it } from 'vitest';
import { TOLERANCE, conformanceCases } from '@gated/core/testing';
import { GpujsBackend } from './gpujs-backend';
import { probeMode, type GpujsMode } from './mode';

const inCi = process.env.CI === 'true';
const MODES: readonly GpujsMode[] = ['cpu', 'webasm', 'headlessgl'];

for (const mode of MODES) {
  const probe = probeMode(mode);
  const run = probe.available || inCi;
  describe.skipIf(!run)(`GpujsBackend conformance (${mode})${run ? '' : ` skipped locally: ${probe.reason}`}`, () => {
    const cases = run ? conformanceCases(() => GpujsBackend.create({ mode }), { extraTolerance: TOLERANCE.device }) : [];
    for (const c of cases) it(`${c.group}: ${c.name}`, () => c.run());
  });
}
