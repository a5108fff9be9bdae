// The playground's Vite config: ES-module workers (the trainer runs in one), the digits asset, and the
// headers that make the page cross-origin isolated, so the wasm backend gets shared memory and threads.
import { defineConfig } from 'vite';
import { digitsAsset } from './scripts/digits-asset.ts';

// NOTE: COOP same-origin + COEP require-corp give the page SharedArrayBuffer (wasm threads); every resource
// the playground loads is same-origin, so nothing else is blocked.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  plugins: [digitsAsset()],
  server: { headers: isolation },
  preview: { headers: isolation },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 1024 },
});
