// The playground's unit tests (test/*.test.ts) and its browser end-to-end test, which builds the app itself,
// so it gets more time.
import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../tools/vitest.shared.ts';

export default mergeConfig(shared, defineConfig({ test: { testTimeout: 180_000, hookTimeout: 180_000 } }));
