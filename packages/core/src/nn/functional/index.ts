/**
 * `nn.functional` (also exported as `F`): layers as functions: linear, convolution, pooling, padding,
 * activations, dropout, normalization, losses.
 */

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
export { type ConvOptions, type ConvTransposeOptions, conv1d, conv2d, convTranspose2d } from './conv.js';
export { type CrossEntropyOptions, crossEntropy, type NllLossOptions, nllLoss } from './cross-entropy.js';
export { dropout2d } from './dropout2d.js';
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
export { type PadOptions, pad } from './pad.js';
export {
  type AvgPoolOptions,
  adaptiveAvgPool2d,
  avgPool1d,
  avgPool2d,
  type MaxPoolOptions,
  maxPool1d,
  maxPool2d,
} from './pooling.js';
export { type SparsemaxOptions, sparsemax } from './sparsemax.js';
export { fold, type UnfoldOptions, unfold } from './unfold.js';
