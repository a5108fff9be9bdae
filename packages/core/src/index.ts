/**
 * @cp/core: tensors, reverse-mode autograd, nn, optim and parameter constraints that hold after every
 * optimizer step. Pick a backend first: `setBackend(createJsBackend())` from '@cp/backend-js'.
 */

export {
  AnomalyError,
  detectAnomaly,
  isAnomalyEnabled,
  setDetectAnomaly,
} from './autograd/anomaly.js';
export type { BackwardOptions } from './autograd/backward.js';
export { enableGrad, isGradEnabled, noGrad } from './autograd/grad-mode.js';
export { type GradcheckOptions, type GradcheckResult, gradcheck } from './autograd/gradcheck.js';
export * from './backend/index.js';
export {
  backendNames,
  getBackend,
  registerBackend,
  removeBackend,
  setBackend,
  setBackendSync,
} from './backend/registry.js';
export * as constraints from './constraints/index.js';
export { applyConstraints } from './constraints/registry/index.js';
export { keep, tidy } from './engine/lifetime.js';
export { type MemoryInfo, memory } from './engine/memory.js';
export { type ProfileResult, type ProfileRow, profile } from './engine/profiler.js';
export * from './errors.js';
export * from './io/index.js';
export { conv1d, conv2d, convTranspose2d } from './nn/functional/conv.js';
export * as F from './nn/functional/index.js';
export { avgPool1d, maxPool1d, maxPool2d } from './nn/functional/pooling.js';
export * as nn from './nn/index.js';
export * from './ops/functional.js';
export * as optim from './optim/index.js';
export {
  arange,
  type CreationOptions,
  eye,
  full,
  fullLike,
  linspace,
  ones,
  onesLike,
  tensor,
  zeros,
  zerosLike,
} from './tensor/creation.js';
export type { NestedArray } from './tensor/nested.js';
export {
  defaultGenerator,
  Generator,
  manualSeed,
  type RandomOptions,
  rand,
  randint,
  randn,
  randperm,
} from './tensor/random.js';
export type { Shape } from './tensor/shape.js';
export { type GradHook, isTensor, type ReduceOptions, Tensor, type TensorLike } from './tensor/tensor.js';
