// The shared suite (kernels against the float64 reference, and every core, nn, optim and constraint
// behaviour suite) on the single-thread wasm backend. No skips. conformance-threads.test.ts runs it threaded.
import { runConformance } from '@cp/conformance';
import { createWasmBackend } from '../src/index.js';

runConformance('wasm', () => createWasmBackend({ threads: 1 }));
