// The freshness rules on a scratch tree with the demo's layout: a missing output, a source newer than the
// outputs, a touched source after a build `npm start` ran, and the install check.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { BUILD_STAMP, dependenciesInstalled, INSTALL_STAMP, staleDemoPackages } from '../src/freshness.mjs';

const PACKAGES = ['core', 'backend-js', 'backend-wasm', 'mnist-demo'];
const OUTPUTS = {
  'backend-wasm': [
    'index.js',
    'cp_kernels.wasm',
    'cp_kernels_relaxed.wasm',
    'cp_kernels_threads.wasm',
    'cp_kernels_threads_relaxed.wasm',
  ],
  'mnist-demo': ['cli.js'],
};
let root;

function write(path, at) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), '');
  utimesSync(join(root, path), at, at);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'cp-freshness-'));
  write('tsconfig.base.json', 100);
  for (const p of PACKAGES) {
    write(`packages/${p}/package.json`, 100);
    write(`packages/${p}/src/a.ts`, 200);
    for (const o of OUTPUTS[p] ?? ['index.js']) write(`packages/${p}/dist/${o}`, 300);
  }
  write('package.json', 100);
  write('pnpm-lock.yaml', 100);
  write('pnpm-workspace.yaml', 100);
  write('tools/x/package.json', 100);
});

after(() => rmSync(root, { recursive: true, force: true }));

describe('staleDemoPackages', () => {
  it('is empty when every output is newer than its sources', () => {
    assert.deepEqual(staleDemoPackages(root), []);
  });

  it('names a package with a missing output, even after a build stamp', () => {
    rmSync(join(root, 'packages/backend-wasm/dist/cp_kernels_threads.wasm'));
    write(BUILD_STAMP, 500);
    assert.deepEqual(staleDemoPackages(root), ['packages/backend-wasm']);
  });

  it('names a package whose source (nested, or the Rust crate) is newer than its outputs', () => {
    write('packages/core/src/deep/b.ts', 400);
    write('packages/backend-wasm/crate/src/lib.rs', 400);
    assert.deepEqual(staleDemoPackages(root), ['packages/core', 'packages/backend-wasm']);
  });

  it('calls everything stale when the shared tsconfig changed', () => {
    write('tsconfig.base.json', 400);
    assert.equal(staleDemoPackages(root).length, 4);
  });

  it('accepts a touched source once npm start has built after it (nx left the outputs as they were)', () => {
    write('packages/core/src/a.ts', 400);
    write(BUILD_STAMP, 500);
    assert.deepEqual(staleDemoPackages(root), []);
    write('packages/core/src/a.ts', 600);
    assert.deepEqual(staleDemoPackages(root), ['packages/core']);
  });
});

describe('dependenciesInstalled', () => {
  it('is false without node_modules, true after an install, false when a manifest changes', () => {
    assert.equal(dependenciesInstalled(root), false);
    write('node_modules/.modules.yaml', 200);
    assert.equal(dependenciesInstalled(root), true);
    write('tools/x/package.json', 300);
    assert.equal(dependenciesInstalled(root), false);
    write(INSTALL_STAMP, 400);
    assert.equal(dependenciesInstalled(root), true);
    write('pnpm-lock.yaml', 500);
    assert.equal(dependenciesInstalled(root), false);
  });
});
