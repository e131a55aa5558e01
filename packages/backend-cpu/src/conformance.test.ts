import { describe, it } from 'vitest';
import { conformanceCases } from '@gated/core/testing';
import { skipWithReason } from '../../../vitest.skip';
import { CpuBackend } from './index';

// The whole core conformance suite on the reference backend, which implements every optional
// kernel of the contract; a case the suite marks as skipped is reported with its reason.
describe('CpuBackend conformance', () => {
  const cases = conformanceCases(() => new CpuBackend(), { kernels: ['gruStep', 'gruStepBackward', 'lstmStep', 'lstmStepBackward'] });
  for (const c of cases) it(`${c.group}: ${c.name}`, skipWithReason(c.skip), () => c.run());
});
