/**
 * Test helpers: a throwaway workspace written from a `{ path: content }` object into a temporary folder,
 * the rules the tests check it against (the shape of config.mjs, with an empty allowlist),
 * and the checks run on it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';
import { runChecks } from '../src/checks.mjs';

const made = [];
after(() => {
  for (const root of made) rmSync(root, { recursive: true, force: true });
});

/** A new workspace folder holding `files`; removed when the test file ends. */
export function workspace(files) {
  const root = mkdtempSync(join(tmpdir(), 'arch-check-'));
  made.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

/** The rules of config.mjs for a fixture: documented Tensor<->ops cycle, `allowedEdges` as given. */
export function rules(allowedEdges = []) {
  return {
    sources: ['packages/*/src'],
    packages: ['packages/*'],
    cycles: { documented: ['packages/core/src/tensor/tensor.ts', 'packages/core/src/ops/**'], allowedEdges },
    kernelCalls: { scope: ['packages/core/src/**'], dispatch: ['packages/core/src/engine/dispatch.ts'] },
    fileSize: { roots: ['packages/*/src'], extensions: ['ts', 'mjs', 'rs'], limit: 400 },
  };
}

/** runChecks on a fixture workspace of `files` under `rules(allowedEdges)`. */
export function check(files, allowedEdges) {
  return runChecks(workspace(files), rules(allowedEdges));
}
