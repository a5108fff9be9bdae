/**
 * The committed op-code files (core's op unions, the wasm ABI codes, the Rust enums) must be what
 * tools/codegen/gen-ops.mjs makes from tools/codegen/op-table.json: editing the table without regenerating,
 * or editing a generated file by hand, fails here.
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

test('the generated op-code files are up to date with tools/codegen/op-table.json', () => {
  const r = spawnSync(process.execPath, ['tools/codegen/gen-ops.mjs', '--check'], { cwd: root, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
});
