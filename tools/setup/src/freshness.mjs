// Whether `npm start` must set up or build before it runs the demo, decided from file times in a few
// milliseconds, so that `npm start -- --help` and option errors print at once on a built tree.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Newest modification time (ms) under `path` (a file or a folder, recursively); 0 when absent. */
function newest(path) {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let t = 0;
  for (const name of readdirSync(path)) {
    if (name === 'node_modules' || name === 'target' || name === 'dist') continue;
    t = Math.max(t, newest(join(path, name)));
  }
  return t;
}

/** Oldest modification time (ms) of `files`; 0 when one is missing. */
function oldest(files) {
  let t = Number.POSITIVE_INFINITY;
  for (const f of files) {
    try {
      t = Math.min(t, statSync(f).mtimeMs);
    } catch {
      return 0;
    }
  }
  return t;
}

/** The demo's packages: what their build reads, and files it writes on every build. */
const DEMO_BUILD = [
  { dir: 'packages/core', inputs: ['src', 'package.json', 'tsconfig.build.json'], outputs: ['dist/index.js'] },
  { dir: 'packages/backend-js', inputs: ['src', 'package.json', 'tsconfig.build.json'], outputs: ['dist/index.js'] },
  {
    dir: 'packages/backend-wasm',
    inputs: ['src', 'crate/src', 'crate/Cargo.toml', 'scripts', 'package.json', 'tsconfig.build.json'],
    outputs: [
      'dist/index.js',
      'dist/cp_kernels.wasm',
      'dist/cp_kernels_relaxed.wasm',
      'dist/cp_kernels_threads.wasm',
      'dist/cp_kernels_threads_relaxed.wasm',
    ],
  },
  { dir: 'packages/mnist-demo', inputs: ['src', 'package.json', 'tsconfig.build.json'], outputs: ['dist/cli.js'] },
];

/**
 * Written after each build that `npm start` runs: nx leaves outputs untouched when it finds them already in
 * its cache, so their times alone would call a touched but unchanged source stale on every run.
 */
export const BUILD_STAMP = 'node_modules/.cache/cp/demo-built';

/** The demo's packages whose build is missing or older than a source it is built from. */
export function staleDemoPackages(root) {
  const base = newest(join(root, 'tsconfig.base.json'));
  const stamp = newest(join(root, BUILD_STAMP));
  return DEMO_BUILD.filter(({ dir, inputs, outputs }) => {
    const present = oldest(outputs.map((o) => join(root, dir, o)));
    const built = present === 0 ? 0 : Math.max(present, stamp);
    const source = Math.max(base, ...inputs.map((i) => newest(join(root, dir, i))));
    return built === 0 || source > built;
  }).map(({ dir }) => dir);
}

/** Written after each `pnpm install` that `npm start` runs (pnpm leaves its own files alone when nothing changed). */
export const INSTALL_STAMP = 'node_modules/.cache/cp/installed';

/** Whether `pnpm install` has run since the lockfile and every package.json last changed. */
export function dependenciesInstalled(root) {
  if (newest(join(root, 'node_modules/.modules.yaml')) === 0) return false;
  const installed = Math.max(newest(join(root, 'node_modules/.modules.yaml')), newest(join(root, INSTALL_STAMP)));
  const manifests = ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml'].map((f) => newest(join(root, f)));
  for (const group of ['packages', 'tools']) {
    for (const name of readdirSync(join(root, group))) manifests.push(newest(join(root, group, name, 'package.json')));
  }
  return installed >= Math.max(...manifests);
}
