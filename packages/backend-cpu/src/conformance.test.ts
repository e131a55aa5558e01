import { describe, it } from 'vitest';
import { conformanceCases } from '@gated/core/testing';
import { CpuBackend } from './index';

// The whole core conformance suite on the reference backend; no case is skipped.
describe('CpuBackend conformance', () => {
  for (const c of conformanceCases(() => new CpuBackend())) {
    it(`${c.group}: ${c.name}`, () => c.run());
  }
});
