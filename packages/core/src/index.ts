/**
 * `@gated/core`: float32 tensors, reverse-mode autograd and the {@link Backend} contract.
 *
 * @packageDocumentation
 */
export * from './backend/backend';
export { setBackend, getBackend } from './backend/default';
export { GatedError, ShapeError, ValueError, OptionsError, SerializationError, BackendError, DisposedError, AutogradError } from './errors';
export { checkOptions, describeValue, type OptionKind, type OptionSpec, type CheckOptionsArgs } from './options';
export { Tensor, isTensor, type TensorOptions, type NestedArray } from './tensor/tensor';
export { broadcastStrides, contiguousStrides, sizeOfShape } from './tensor/shape';
export { tensor, full, zeros, ones, arange, eye, uniform, rand, randn, toBackend, toBackendAsync, type RandomOptions } from './tensor/creation';
export { Generator, manualSeed, defaultGenerator } from './random';
export { noGrad, isGradEnabled } from './autograd/grad-mode';
export { grad, valueAndGrad } from './autograd/functional';
export type { BackwardOptions } from './autograd/backward';
export type { GradNode, BackwardFn, BackwardContext } from './autograd/node';
export { scope, keep } from './memory';
export { traceOps, type OpEvent } from './trace';
export * from './ops';
export {
  gruStep,
  gruStepBackward,
  lstmStep,
  lstmStepBackward,
  gruStepComposed,
  gruStepBackwardComposed,
  lstmStepComposed,
  lstmStepBackwardComposed,
} from './recurrent/steps';
export * from './recurrent/recurrent-base';
export { readStatePair } from './recurrent/state-forms';
export * from './nn';
export * from './optim';
export * from './serialization';
