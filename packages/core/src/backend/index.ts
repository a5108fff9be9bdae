/** The backend contract, for backend authors: `import type { Backend } from '@cp/core/backend'`. */
export * from './backend.js';
export * from './dtype.js';
export * from './fused-kernels.js';
export * from './kernels.js';
export * from './ops.generated.js';
