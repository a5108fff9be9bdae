/** The long-file report: lines are counted as `wc -l` does, and files over the limit are listed, longest first. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countLines } from '../src/file-size.mjs';
import { check } from './workspace.mjs';

const lines = (n) => 'x;\n'.repeat(n);

test('lines are counted as wc -l counts them, plus an unterminated last line', () => {
  assert.equal(countLines(''), 0);
  assert.equal(countLines('a\n'), 1);
  assert.equal(countLines('a\nb'), 2);
  assert.equal(countLines('\n\n\n'), 3);
});

test('files over 400 lines are reported with their counts, longest first; 400 exactly is not', () => {
  const { longFiles, cycles, kernelCalls } = check({
    'packages/core/src/long.ts': lines(401),
    'packages/core/src/longer.ts': lines(950),
    'packages/core/src/limit.ts': lines(400),
    'packages/x/src/kernel.rs': lines(500),
  });
  assert.deepEqual(longFiles, [
    { file: 'packages/core/src/longer.ts', lines: 950 },
    { file: 'packages/x/src/kernel.rs', lines: 500 },
    { file: 'packages/core/src/long.ts', lines: 401 },
  ]);
  assert.deepEqual(cycles.violations, []);
  assert.deepEqual(kernelCalls.violations, []);
});
