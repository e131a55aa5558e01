import { availableKernelSets, checkKernelSetNames, type KernelSetName } from './kernel-sets';

/**
 * The kernel sets this package's tests run under: `GATED_KERNEL_SETS` (comma-separated) when set, as
 * the relaxed-SIMD vitest project does, else every set this engine validates. A named set the engine
 * cannot run fails the tests (the backend constructor throws), it is never dropped silently.
 */
export const KERNEL_SETS_UNDER_TEST: readonly KernelSetName[] =
  process.env.GATED_KERNEL_SETS === undefined ? availableKernelSets() : checkKernelSetNames(process.env.GATED_KERNEL_SETS.split(','));
