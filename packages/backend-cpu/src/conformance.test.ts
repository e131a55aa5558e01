import { describe, it } from 'vitest';
import { conformanceCases } from '@gated/core/testing';
import { CpuBackend } from './cpu-backend';

// Core's backend conformance suite, all of it: no exclusion list.
describe('@gated/core conformance', () => {
  for (const c of conformanceCases(() => new CpuBackend())) it(`${c.group}: ${c.name}`, () => c.run());
});
