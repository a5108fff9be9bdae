// The shared suite on the threaded wasm backend: 2 threads (the shared-memory build and one worker), with
// every splittable call cut into the smallest chunks so that even the suite's small inputs run split.
import { runConformance } from '@cp/conformance';
import { createWasmBackend } from '../src/index.js';

runConformance('wasm-threads', () => createWasmBackend({ threads: 2, tinyChunks: true }));
