import type { KernelSetName } from './kernel-sets';

/**
 * The kernel sets the tests of this package run under: every set this engine can run. Tests loop
 * over it, so a set missing here would be a silent exclusion; `kernel-sets.test.ts` checks that the
 * list names every set `WebAssembly.validate` accepts.
 */
export const KERNEL_SETS_UNDER_TEST: readonly KernelSetName[] = ['js'];
