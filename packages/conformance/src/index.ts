/** @cp/conformance: `runConformance(name, createBackend)` checks a backend against cp's whole test suite. */

export type { Suite, SuiteContext } from './context.js';
export { createReferenceBackend } from './reference/index.js';
export { type ConformanceOptions, runConformance } from './run-conformance.js';
export { kernelStorageSuite } from './suites/kernels/storage.js';
