import { describe, it } from 'vitest';
import { conformanceCases } from '@gated/core/testing';
import { CpuBackend } from './index';
import { KERNEL_SETS_UNDER_TEST } from './kernel-sets-under-test';

// The whole core conformance suite under every kernel set; no case is skipped.
for (const kernels of KERNEL_SETS_UNDER_TEST) {
  describe(`CpuBackend conformance (${kernels} kernels)`, () => {
    for (const c of conformanceCases(() => new CpuBackend({ kernels }))) {
      it(`${c.group}: ${c.name}`, () => c.run());
    }
  });
}
