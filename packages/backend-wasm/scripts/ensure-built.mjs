#!/usr/bin/env node
// Test prerequisite: the tests load dist/cp_kernels.wasm, so build the wasm first when it is missing
// (nx runs `build` before `test` anyway; this covers a plain `pnpm test` in a fresh checkout).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(pkg, 'dist', 'cp_kernels.wasm'))) {
  const r = spawnSync(process.execPath, [join(pkg, 'scripts', 'build-wasm.mjs')], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
