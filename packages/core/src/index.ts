/** @cp/core: tensors, autograd, nn, optim and the constraint registry. */
export * from './backend/index.js';
