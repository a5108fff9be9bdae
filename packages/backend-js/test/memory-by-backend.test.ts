// memory().byBackend keeps two live backends of one name apart: each has its own counts and its own stats.
import { memory, zeros } from '@cp/core';
import { expect, it } from 'vitest';
import { createJsBackend } from '../src/index.js';

it('memory().byBackend gives a second backend with the same name its own entry', () => {
  const a = createJsBackend();
  const b = createJsBackend();
  const x = zeros([1000], { backend: a });
  const y = zeros([10, 10], { backend: b });
  const z = zeros([5], { backend: b });
  const entries = Object.entries(memory().byBackend).filter(([, e]) => e.bytes === 4000 || e.bytes === 420);
  expect(entries.map(([k, e]) => [k.replace(/#\d+$/, '#n'), e.storages, e.bytes, e.backend.handles]).sort()).toEqual(
    [
      [a.name, 1, 4000, 1],
      [`${a.name}#n`, 2, 420, 2],
    ].sort(),
  );
  for (const t of [x, y, z]) t.dispose();
  a.dispose();
  b.dispose();
});
