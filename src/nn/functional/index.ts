/** `nabla/nn` functional ops (PyTorch's `torch.nn.functional`). */

export {
  celu,
  elu,
  gelu,
  glu,
  hardsigmoid,
  hardswish,
  hardtanh,
  leakyRelu,
  logSigmoid,
  logSoftmax,
  mish,
  prelu,
  relu,
  relu6,
  selu,
  sigmoid,
  silu,
  softmax,
  softmin,
  softplus,
  softsign,
  tanh,
} from './activation.js';
export type { AttentionOptions } from './attention.js';
export { scaledDotProductAttention } from './attention.js';
export type {
  Conv1dOptions,
  Conv2dOptions,
  ConvPadding,
  ConvTranspose1dOptions,
  ConvTranspose2dOptions,
} from './conv.js';
export { conv1d, conv2d, convTranspose1d, convTranspose2d } from './conv.js';
export type { DropoutOptions } from './dropout.js';
export { dropout, dropout2d, featureDropout } from './dropout.js';
export type { EmbeddingOptions } from './embedding.js';
export { embedding } from './embedding.js';
export { linear } from './linear.js';
export type {
  BinaryCrossEntropyOptions,
  BinaryCrossEntropyWithLogitsOptions,
  CrossEntropyOptions,
  HuberLossOptions,
  NllLossOptions,
  Reduction,
  ReductionOptions,
  SmoothL1LossOptions,
} from './loss.js';
export {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  huberLoss,
  l1Loss,
  mseLoss,
  nllLoss,
  smoothL1Loss,
} from './loss.js';
export type { BatchNormOptions } from './normalization.js';
export { batchNorm, groupNorm, layerNorm } from './normalization.js';
export type { OneHotOptions } from './one-hot.js';
export { oneHot } from './one-hot.js';
export type { AvgPool1dOptions, AvgPool2dOptions, MaxPool1dOptions, MaxPool2dOptions } from './pool.js';
export {
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  avgPool1d,
  avgPool2d,
  maxPool1d,
  maxPool2d,
  maxPool2dWithIndices,
} from './pool.js';
export type { IntPair } from './util.js';
