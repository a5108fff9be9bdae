/** What the lint prints: offending cycles shortest first and capped, stale-entry instructions, kernel calls. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatReport } from '../src/report.mjs';
import { rules } from './workspace.mjs';

/** A runChecks result with the given cycle and kernel-call parts and nothing else wrong. */
function result({ cycles = {}, kernelCalls = {} }) {
  return {
    files: 3,
    cycles: { violations: [], stale: [], groups: [], ...cycles },
    importLines: new Map([['new -> old', 3]]),
    kernelCalls: { violations: [], ...kernelCalls },
    longFiles: [],
    ms: 1,
  };
}

test('offending cycle edges are printed shortest cycle first, ten at most', () => {
  const long = Array.from({ length: 11 }, (_, i) => ({ from: `l${i}`, to: 'x', cycle: [`l${i}`, 'x', 'y', `l${i}`] }));
  const short = { from: 'new', to: 'old', cycle: ['new', 'old', 'new'] };
  const { text, ok } = formatReport(result({ cycles: { violations: [...long, short] } }), rules());
  assert.equal(ok, false);
  const shown = text.split('\n').filter((l) => l.includes('which leads back to it'));
  assert.equal(shown.length, 10);
  assert.match(shown[0], /^ {2}new:3 imports old, which leads back to it:$/);
  assert.match(text, /\.\.\. and 2 more edges on these cycles\./);
});

test('a stale allowlist entry fails with the entry to delete', () => {
  const { text, ok } = formatReport(result({ cycles: { stale: [['a.ts', 'b.ts']] } }), rules());
  assert.equal(ok, false);
  assert.match(text, /cycles\.allowedEdges lists a\.ts -> b\.ts, which is no longer on a cycle: delete the entry\./);
});

test('a clean result passes and names the dispatch as the one place that calls kernels', () => {
  const { text, ok } = formatReport(result({}), rules());
  assert.equal(ok, true);
  assert.match(text, /^kernel calls: ok \(none outside packages\/core\/src\/engine\/dispatch\.ts\)$/m);
});

test('a kernel call outside the dispatch fails with its file, line and the fix', () => {
  const found = [{ line: 4, code: 'b.kernels.unary' }];
  const { text, ok } = formatReport(result({ kernelCalls: { violations: [{ file: 'e.ts', found }] } }), rules());
  assert.equal(ok, false);
  assert.match(text, /^kernel calls: FAILED$/m);
  assert.match(text, /^ {2}e\.ts:4 {2}b\.kernels\.unary$/m);
  assert.match(text, /is called only from packages\/core\/src\/engine\/dispatch\.ts: call the dispatch instead\./);
});
