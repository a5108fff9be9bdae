/** What the lint prints: offending cycles shortest first and capped, and the stale-entry instructions. */
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
    kernelCalls: { violations: [], baselined: [], stale: [], ...kernelCalls },
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

test('stale allowlist and baseline entries fail with the entry to delete', () => {
  const { text, ok } = formatReport(
    result({ cycles: { stale: [['a.ts', 'b.ts']] }, kernelCalls: { stale: ['c.ts'] } }),
    rules(),
  );
  assert.equal(ok, false);
  assert.match(text, /cycles\.allowedEdges lists a\.ts -> b\.ts, which is no longer on a cycle: delete the entry\./);
  assert.match(text, /baseline\.txt lists c\.ts, which no longer calls kernels \(or is gone\): delete the line\./);
});

test('a clean result passes and names the files still on the temporary baseline', () => {
  const { text, ok } = formatReport(result({ kernelCalls: { baselined: ['d.ts'] } }), rules());
  assert.equal(ok, true);
  assert.match(
    text,
    /kernel calls: ok \(none outside .*dispatch\.ts and the 1 file\(s\) on the temporary baseline\.txt\)/,
  );
});
