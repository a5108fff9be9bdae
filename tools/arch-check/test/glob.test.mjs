/** The config's path patterns: `*` stays within one folder, `**` spans any number of folders. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anyMatcher, globMatcher } from '../src/glob.mjs';

test('* matches within one folder only', () => {
  const m = globMatcher('packages/*/src');
  assert.equal(m('packages/core/src'), true);
  assert.equal(m('packages/core/x/src'), false);
});

test('a trailing ** matches every file below, and a/**/b matches a/b too', () => {
  const ops = globMatcher('packages/core/src/ops/**');
  assert.equal(ops('packages/core/src/ops/add.ts'), true);
  assert.equal(ops('packages/core/src/ops/math/tan.ts'), true);
  assert.equal(ops('packages/core/src/opsx/add.ts'), false);
  const nested = globMatcher('a/**/b.ts');
  assert.deepEqual(['a/b.ts', 'a/x/b.ts', 'a/x/y/b.ts', 'ab.ts'].map(nested), [true, true, true, false]);
});

test('dots are literal, and anyMatcher is true when one pattern matches', () => {
  assert.equal(globMatcher('x.ts')('xyts'), false);
  const m = anyMatcher(['a.ts', 'b/**']);
  assert.deepEqual(['a.ts', 'b/c.ts', 'c.ts'].map(m), [true, true, false]);
});
