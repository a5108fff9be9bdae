/**
 * @cp/backend-wasm: cp's WebAssembly backend. `setBackend(await createWasmBackend())`. Kernels are Rust
 * compiled to wasm32 + SIMD128 (crate/), tensors live in the instance's linear memory.
 */
export { WasmOutOfMemoryError } from './allocator.js';
export { WasmUnsupportedError } from './kernels.js';
export { type LoadOptions, supportsRelaxedSimd, supportsSimd128 } from './load.js';
export { WasmHandleError } from './storage.js';
export type { ThreadingInfo } from './threading.js';
export { createWasmBackend, type WasmBackend, type WasmBackendOptions } from './wasm-backend.js';
