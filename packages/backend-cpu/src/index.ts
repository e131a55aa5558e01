/**
 * `@gated/backend-cpu`: the reference Gated backend on `Float32Array`.
 *
 * @packageDocumentation
 */
export { CpuBackend } from './cpu-backend';
export { CpuStorage } from './cpu-storage';
export { KERNEL_SET_NAMES, MAX_AUTO_THREADS, availableKernelSets, type CpuBackendOptions, type KernelSetName } from './kernel-sets';
