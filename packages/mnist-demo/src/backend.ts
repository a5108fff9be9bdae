/**
 * Picks the backend: wasm (Rust kernels with SIMD128) by default, falling back to the typed-array js
 * backend with a message when the wasm module cannot be loaded. Browser-safe.
 */
import { createJsBackend } from '@cp/backend-js';
import { createWasmBackend } from '@cp/backend-wasm';
import { setBackend } from '@cp/core';

/** The backends the demo can run on. */
export type BackendName = 'js' | 'wasm';

/** The backend in use, and why it differs from the one asked for (if it does). */
export interface BackendChoice {
  name: BackendName;
  fallback: string | null;
  /** The wasm backend's thread count and why (e.g. '2: auto, 2 cores'); null on js. */
  threads: string | null;
}

/** Makes `wanted` the current backend, or js if wasm fails to load. */
export async function useBackend(wanted: BackendName): Promise<BackendChoice> {
  if (wanted === 'wasm') {
    try {
      const backend = await createWasmBackend();
      await setBackend(backend);
      return { name: 'wasm', fallback: null, threads: backend.threading.reason };
    } catch (e) {
      await setBackend(createJsBackend());
      const fallback = `the wasm backend could not be loaded (${(e as Error).message}); using js`;
      return { name: 'js', fallback, threads: null };
    }
  }
  await setBackend(createJsBackend());
  return { name: 'js', fallback: null, threads: null };
}
