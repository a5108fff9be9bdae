/**
 * The command the lint target runs: its exit code and what it prints, on fixture workspaces with their
 * own config file (the same shape as tools/arch-check/config.mjs).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rules, workspace } from './workspace.mjs';

const main = join(dirname(fileURLToPath(import.meta.url)), '../src/main.mjs');
const core = 'packages/core/src';

/** Runs the lint on a workspace of `files` (its config written beside them) and returns status and output. */
function lint(files) {
  const root = workspace(files);
  const configPath = join(root, 'config.mjs');
  writeFileSync(configPath, `export default ${JSON.stringify(rules())};\n`);
  const r = spawnSync(process.execPath, [main, '--root', root, '--config', configPath], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

const clean = {
  [`${core}/tensor/tensor.ts`]: "import { add } from '../ops/add.js';\nexport class Tensor {}\nexport { add };\n",
  [`${core}/ops/add.ts`]: "import { Tensor } from '../tensor/tensor.js';\nexport const add = () => new Tensor();\n",
  [`${core}/engine/dispatch.ts`]: 'export const run = (b, a) => b.kernels.unary(a);\n',
};

test('a clean workspace passes and still prints its files over 400 lines', () => {
  const { status, out, err } = lint({ ...clean, [`${core}/nn/big.ts`]: 'x;\n'.repeat(401) });
  assert.equal(err, '');
  assert.equal(status, 0);
  assert.match(out, /^import cycles: ok/m);
  assert.match(out, /^kernel calls: ok/m);
  assert.match(out, new RegExp(`^ +401  ${core}/nn/big\\.ts$`, 'm'));
  assert.match(out, /, ok$/m);
});

test('a new import cycle fails the lint and prints the cycle', () => {
  const { status, out } = lint({
    ...clean,
    [`${core}/nn/a.ts`]: "import { b } from './b.js';\nexport const a = () => b;\n",
    [`${core}/nn/b.ts`]: "import { a } from './a.js';\nexport const b = () => a;\n",
  });
  assert.equal(status, 1);
  assert.match(out, /^import cycles: FAILED/m);
  assert.ok(out.includes(`${core}/nn/a.ts:1 imports ${core}/nn/b.ts, which leads back to it:`), out);
  assert.match(out, /FAILED$/m);
});

test('a kernel call outside the dispatch fails the lint and names the file, line and call', () => {
  const { status, out } = lint({
    ...clean,
    [`${core}/optim/step.ts`]: '\nexport const f = (b, a) => b.kernels.matmul(a);\n',
  });
  assert.equal(status, 1);
  assert.match(out, /^kernel calls: FAILED/m);
  assert.ok(out.includes(`${core}/optim/step.ts:2  b.kernels.matmul`), out);
});

test('a file that does not parse fails with its name and line', () => {
  const { status, err } = lint({ ...clean, [`${core}/nn/broken.ts`]: 'export const a = 1;\nexport const = ;\n' });
  assert.equal(status, 1);
  assert.match(err, new RegExp(`cannot parse ${core}/nn/broken\\.ts:2`));
});
