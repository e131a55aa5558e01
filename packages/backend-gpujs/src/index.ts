export { DEFAULT_MEMORY_BUDGET, GpujsBackend, type GpujsBackendOptions } from './gpujs-backend';
export { GpujsStorage, type DeviceData, type DeviceTexture } from './gpujs-storage';
export { GpujsFallbackError, GpujsLimitError } from './errors';
export type { GpujsLimits } from './runtime';
export { GPUJS_MODES, GpujsModeUnavailableError, availableModes, isTextureMode, probeMode } from './mode';
export type { GpujsMode, ModeAvailability } from './mode';
