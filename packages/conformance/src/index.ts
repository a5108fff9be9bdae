/** @cp/conformance: `runConformance(name, createBackend)` checks a backend against cp's whole test suite. */
export { runConformance, type ConformanceOptions } from './run-conformance.js';
export type { Suite, SuiteContext } from './context.js';
export { createReferenceBackend } from './reference/index.js';
