export { Module, StateDictError, type StateDict, type StateValue, type LoadStateDictOptions, type LoadStateDictResult } from './module';
export { Linear, type LinearOptions } from './linear';
export { Embedding, type EmbeddingOptions, type EmbeddingIndices } from './embedding';
export { Dropout, dropout, type DropoutOptions } from './dropout';
export { LayerNorm, type LayerNormOptions } from './layer-norm';
export { Sequential, type TensorModule } from './sequential';
export { ReLU, Tanh, Sigmoid, GELU, type GeluOptions } from './activation';
export {
  crossEntropy,
  nllLoss,
  mseLoss,
  l1Loss,
  binaryCrossEntropyWithLogits,
  type Reduction,
  type LossOptions,
  type NllLossOptions,
  type CrossEntropyOptions,
  type BinaryCrossEntropyWithLogitsOptions,
  type ClassTarget,
  type ClassWeight,
} from './loss';
export { clipGradNorm, clipGradValue, type ClipGradNormOptions, type ParameterSource } from './clip-grad';
export * as init from './init';
export type { InitOptions, XavierOptions, KaimingOptions, Nonlinearity } from './init';
