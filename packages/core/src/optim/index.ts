export {
  Optimizer,
  type BaseHyperparameters,
  type ParamGroup,
  type ParamGroupInput,
  type OptimizerParams,
  type OptimizerStateDict,
  type OptimizerStateValue,
} from './optimizer';
export { SGD, type SgdOptions } from './sgd';
export { Adam, AdamW, type AdamOptions } from './adam';
export { LRScheduler, StepLR, CosineAnnealingLR, type LRSchedulerStateDict, type StepLROptions, type CosineAnnealingLROptions } from './lr-scheduler';
