import { describe, it } from 'vitest';
import { OPTIONAL_KERNELS } from '@gated/core';
import { conformanceCases } from '@gated/core/testing';
import { skipWithReason } from '../../../vitest.skip';
import { CpuBackend } from './index';
import { KERNEL_SETS_UNDER_TEST } from './kernel-sets-under-test';

// The whole core conformance suite under every kernel set; the backend implements every optional
// kernel of the contract, and a case the suite marks as skipped is reported with its reason.
for (const kernels of KERNEL_SETS_UNDER_TEST) {
  describe(`CpuBackend conformance (${kernels} kernels)`, () => {
    const cases = conformanceCases(() => new CpuBackend({ kernels }), { kernels: OPTIONAL_KERNELS });
    for (const c of cases) it(`${c.group}: ${c.name}`, skipWithReason(c.skip), () => c.run());
  });
}
