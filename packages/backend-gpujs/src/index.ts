export { GPUJS_MODES, GpujsModeUnavailableError, availableModes, isTextureMode, probeMode } from './mode';
export type { GpujsMode, ModeAvailability } from './mode';
