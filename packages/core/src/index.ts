/**
 * @cp/core: tensors, reverse-mode autograd, nn, optim and parameter constraints that hold after every
 * optimizer step. Pick a backend first: `setBackend(createJsBackend())` from '@cp/backend-js'.
 */
export * from './backend/index.js';
export { backendNames, getBackend, registerBackend, removeBackend, setBackend, setBackendSync } from './backend/registry.js';
export * from './errors.js';
export { Tensor, isTensor, type TensorLike, type GradHook, type ReduceOptions } from './tensor/tensor.js';
export type { NestedArray } from './tensor/nested.js';
export type { Shape } from './tensor/shape.js';
export { tensor, zeros, ones, full, zerosLike, onesLike, fullLike, arange, linspace, eye, type CreationOptions } from './tensor/creation.js';
export { Generator, defaultGenerator, manualSeed, rand, randn, randint, randperm, type RandomOptions } from './tensor/random.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd/grad-mode.js';
export { gradcheck, type GradcheckOptions, type GradcheckResult } from './autograd/gradcheck.js';
export type { BackwardOptions } from './autograd/backward.js';
export { tidy, keep } from './engine/scope.js';
export { memory, type MemoryInfo } from './engine/memory.js';
export * from './ops/functional.js';
export * as optim from './optim/index.js';
export * as constraints from './constraints/index.js';
export * as nn from './nn/index.js';
export * as F from './nn/functional/index.js';
export * from './io/index.js';
