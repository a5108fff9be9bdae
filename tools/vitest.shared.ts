// Shared vitest settings: tests import workspace packages from source (the "@cp/source" export
// condition), so no build is needed between an edit and a test run.
import { defineConfig } from 'vitest/config';

// NOTE: vitest 5's reporter calls Map.groupBy, which Node 20 lacks (it arrived in Node 21); without this a
// failing test is reported as "Map.groupBy is not a function" instead of its own message.
if (typeof (Map as { groupBy?: unknown }).groupBy !== 'function') {
  Object.defineProperty(Map, 'groupBy', {
    value<K, V>(items: Iterable<V>, key: (item: V, index: number) => K): Map<K, V[]> {
      const groups = new Map<K, V[]>();
      let i = 0;
      for (const item of items) {
        const k = key(item, i++);
        const group = groups.get(k);
        if (group) group.push(item);
        else groups.set(k, [item]);
      }
      return groups;
    },
  });
}

const conditions = ['@cp/source', 'module', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@cp/source'] } },
  test: { include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 60_000 },
});
