/** `nn.functional` (also exported as `F`): layers as functions: linear, activations, dropout, normalization, losses. */

export {
  type DropoutOptions,
  dropout,
  gelu,
  leakyRelu,
  logSoftmax,
  relu,
  sigmoid,
  softmax,
  softplus,
  tanh,
} from './activation.js';
export { type ScaledDotProductAttentionOptions, scaledDotProductAttention } from './attention.js';
export { type BatchNormOptions, batchNorm, type GroupNormOptions, groupNorm } from './batch-norm.js';
export { type CrossEntropyOptions, crossEntropy, type NllLossOptions, nllLoss } from './cross-entropy.js';
export { linear } from './linear.js';
export {
  type BceOptions,
  type BceWithLogitsOptions,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  huberLoss,
  type LossOptions,
  l1Loss,
  mseLoss,
  type Reduction,
  smoothL1Loss,
} from './loss.js';
export { type LayerNormOptions, layerNorm } from './normalization.js';
export { oneHot } from './one-hot.js';
