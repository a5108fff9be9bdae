// The playground's Vite config: ES-module workers (the trainer runs in one) and the digits asset.
import { defineConfig } from 'vite';
import { digitsAsset } from './scripts/digits-asset.ts';

export default defineConfig({
  plugins: [digitsAsset()],
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 1024 },
});
