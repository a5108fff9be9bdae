// The playground's only test is the browser end-to-end test; it builds the app itself, so it gets more time.
import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../tools/vitest.shared.ts';

export default mergeConfig(shared, defineConfig({ test: { testTimeout: 180_000, hookTimeout: 180_000 } }));
