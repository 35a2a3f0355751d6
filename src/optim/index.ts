/**
 * `nabla/optim`: optimisers (SGD, Adam, AdamW, RMSprop, Adagrad), gradient clipping and
 * learning-rate schedulers, with PyTorch's update rules, defaults and state dicts.
 *
 * @module
 */

export { Adagrad, type AdagradOptions } from './adagrad.js';
export { Adam, type AdamOptions, AdamW } from './adam.js';
export { type ClipGradNormOptions, clipGradNorm_, clipGradValue_ } from './clip.js';
export {
  ConstantLR,
  CosineAnnealingLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  LRScheduler,
  MultiplicativeLR,
  MultiStepLR,
  OneCycleLR,
  type OneCycleLROptions,
  ReduceLROnPlateau,
  type ReduceLROnPlateauOptions,
  type SchedulerOptions,
  type SchedulerStateDict,
  SequentialLR,
  StepLR,
} from './lr-scheduler.js';
export {
  type FloatArray,
  type GroupOptions,
  Optimizer,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  type ParamsInput,
  type ZeroGradOptions,
} from './optimizer.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
export { SGD, type SGDOptions } from './sgd.js';
