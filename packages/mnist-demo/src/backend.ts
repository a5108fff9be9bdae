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
}

/** Makes `wanted` the current backend, or js if wasm fails to load. */
export async function useBackend(wanted: BackendName): Promise<BackendChoice> {
  if (wanted === 'wasm') {
    try {
      await setBackend(await createWasmBackend());
      return { name: 'wasm', fallback: null };
    } catch (e) {
      await setBackend(createJsBackend());
      return { name: 'js', fallback: `the wasm backend could not be loaded (${(e as Error).message}); using js` };
    }
  }
  await setBackend(createJsBackend());
  return { name: 'js', fallback: null };
}
