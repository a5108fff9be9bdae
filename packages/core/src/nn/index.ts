/**
 * `nn`: modules, layers, initializers and losses with PyTorch's names in camelCase
 * (`new nn.Linear(2, 3)`, `nn.functional.crossEntropy`, `nn.init.kaimingUniform_`).
 */

/** Layers as functions: `linear`, activations, `dropout`, `layerNorm`, losses (also exported as `F`). */
export * as functional from './functional/index.js';
/** In-place initializers: `uniform_`, `kaimingUniform_`, `xavierNormal_`, ... */
export * as init from './init.js';
export { GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Tanh } from './layers/activation.js';
export {
  MultiheadAttention,
  type MultiheadAttentionCallOptions,
  type MultiheadAttentionOptions,
} from './layers/attention.js';
export {
  BatchNorm1d,
  BatchNorm2d,
  type BatchNormLayerOptions,
  GroupNorm,
  type GroupNormLayerOptions,
} from './layers/batch-norm.js';
export { Sequential } from './layers/container.js';
export {
  Conv1d,
  Conv2d,
  type ConvLayerOptions,
  ConvTranspose2d,
  type ConvTransposeLayerOptions,
} from './layers/conv.js';
export { Dropout, Dropout2d } from './layers/dropout.js';
export { Embedding, type EmbeddingOptions } from './layers/embedding.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export { ModuleDict, ModuleList, ParameterList } from './layers/module-list.js';
export { LayerNorm, type LayerNormLayerOptions } from './layers/normalization.js';
export {
  AdaptiveAvgPool2d,
  AvgPool1d,
  AvgPool2d,
  MaxPool1d,
  MaxPool2d,
} from './layers/pooling.js';
export { GRU, LSTM, type RecurrentOptions, RNN, type RNNOptions } from './layers/recurrent.js';
export { Flatten, Identity } from './layers/shape.js';
export {
  TransformerEncoderLayer,
  type TransformerEncoderLayerCallOptions,
  type TransformerEncoderLayerOptions,
} from './layers/transformer.js';
export {
  type AnyModule,
  type ForwardHook,
  type ForwardPreHook,
  Module,
  ModuleError,
  type NamedOptions,
  type RemovableHandle,
} from './module.js';
export { Parameter } from './parameter.js';
export {
  type LoadStateDictOptions,
  type LoadStateDictResult,
  type StateDict,
  StateDictError,
  type StateDictMetadata,
  stateDictMetadata,
} from './state-dict.js';
/** Gradient clipping: `clipGradNorm`, `clipGradValue`. */
export * as utils from './utils.js';
