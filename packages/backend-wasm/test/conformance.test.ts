// The shared suite (kernels against the float64 reference, and every core, nn, optim and constraint
// behaviour suite) on the wasm backend. No skips.
import { runConformance } from '@cp/conformance';
import { createWasmBackend } from '../src/index.js';

runConformance('wasm', () => createWasmBackend());
