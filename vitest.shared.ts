// Shared vitest settings: tests import workspace packages from source (the "@cp/source" export
// condition), so no build is needed between an edit and a test run.
import { defineConfig } from 'vitest/config';

const conditions = ['@cp/source', 'module', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@cp/source'] } },
  test: { include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 60_000 },
});
