// A new npm project outside the workspace, as a user would make one: the packed tarballs installed with
// npm (nothing else from the workspace is visible from it), the README example in it for each backend, and
// strict tsconfigs for the module resolutions users pick.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './pack.mjs';

const APP = join(dirname(fileURLToPath(import.meta.url)), '../app');

/** Makes the project under the system temp dir and npm-installs `tarballs` into it; returns its path. */
export function createConsumerProject(tarballs) {
  const dir = mkdtempSync(join(tmpdir(), 'cp-consumer-'));
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'cp-consumer', private: true, type: 'module' }, null, 2)}\n`,
  );
  // NOTE: the tarballs have no registry dependencies, so the install needs no network.
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', ...tarballs], { cwd: dir, stdio: 'pipe' });
  return dir;
}

/** The first ```ts block of the README, verbatim. */
export function readmeExample() {
  const block = /```ts\n([\s\S]*?)```/.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  if (!block) throw new Error('README.md has no ```ts example');
  return block[1];
}

/** `code` with its wasm backend swapped for the js one; throws when the README no longer reads as expected. */
export function onJsBackend(code) {
  const swaps = [
    [/import \{ createWasmBackend \} from '@cp\/backend-wasm';/, "import { createJsBackend } from '@cp/backend-js';"],
    [/await createWasmBackend\(\)/, 'createJsBackend()'],
  ];
  return swaps.reduce((src, [from, to]) => {
    if (!from.test(src)) throw new Error(`the README example no longer has ${from}; update the consumer test`);
    return src.replace(from, to);
  }, code);
}

/** Writes a strict tsconfig `tsconfig.<resolution>.json` over `files`; returns its path. */
export function writeTsconfig(dir, resolution, files) {
  const compilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    target: 'es2022',
    lib: ['es2022', 'dom'],
    types: [],
    module: resolution === 'bundler' ? 'esnext' : resolution,
    moduleResolution: resolution,
  };
  const path = join(dir, `tsconfig.${resolution}.json`);
  writeFileSync(path, `${JSON.stringify({ compilerOptions, files }, null, 2)}\n`);
  return path;
}

/** Copies the small Vite app (index.html, main.ts) into the project's root, where Vite looks for it. */
export function addViteApp(dir) {
  cpSync(APP, dir, { recursive: true });
}
