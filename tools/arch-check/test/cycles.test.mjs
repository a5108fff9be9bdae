/**
 * The import-cycle rule on small fixture workspaces: the documented Tensor<->ops cycle passes, a new cycle
 * anywhere else fails on the edge that closes it, type-only imports are not edges, and the allowlist both
 * allows its edges and fails when an entry is no longer needed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { componentIndex, shortestPath } from '../src/graph.mjs';
import { check } from './workspace.mjs';

const core = 'packages/core/src';
/** The documented cycle: Tensor methods call an op, the op builds a Tensor. */
const tensorOps = {
  [`${core}/tensor/tensor.ts`]: "import { add } from '../ops/add.js';\nexport class Tensor {}\nexport { add };\n",
  [`${core}/ops/add.ts`]: "import { Tensor } from '../tensor/tensor.js';\nexport const add = () => new Tensor();\n",
};

test('the documented Tensor<->ops cycle passes', () => {
  const { cycles } = check(tensorOps);
  assert.deepEqual(cycles.violations, []);
  assert.deepEqual(cycles.groups, [[`${core}/ops/add.ts`, `${core}/tensor/tensor.ts`]]);
});

test('a cycle between any other files fails, naming the importing line and the cycle', () => {
  const { cycles, importLines } = check({
    ...tensorOps,
    [`${core}/nn/a.ts`]: "// a header\nimport { b } from './b.js';\nexport const a = () => b;\n",
    [`${core}/nn/b.ts`]: "import { a } from './a.js';\nexport const b = () => a;\n",
  });
  const edges = cycles.violations.map((v) => `${v.from} -> ${v.to}`).sort();
  assert.deepEqual(edges, [`${core}/nn/a.ts -> ${core}/nn/b.ts`, `${core}/nn/b.ts -> ${core}/nn/a.ts`]);
  assert.deepEqual(cycles.violations.find((v) => v.from.endsWith('a.ts')).cycle, [
    `${core}/nn/a.ts`,
    `${core}/nn/b.ts`,
    `${core}/nn/a.ts`,
  ]);
  assert.equal(importLines.get(`${core}/nn/a.ts -> ${core}/nn/b.ts`), 2);
});

test('a cycle that leaves the documented files through another file fails on the edges outside them', () => {
  const { cycles } = check({
    ...tensorOps,
    [`${core}/ops/add.ts`]:
      "import { Tensor } from '../tensor/tensor.js';\nimport '../nn/hook.js';\nexport const add = () => new Tensor();\n",
    [`${core}/nn/hook.ts`]: "import { Tensor } from '../tensor/tensor.js';\nexport const hook = Tensor;\n",
  });
  const edges = cycles.violations.map((v) => `${v.from} -> ${v.to}`).sort();
  assert.deepEqual(edges, [
    `${core}/nn/hook.ts -> ${core}/tensor/tensor.ts`,
    `${core}/ops/add.ts -> ${core}/nn/hook.ts`,
  ]);
});

test('import type and export type are erased, so they close no cycle', () => {
  const { cycles } = check({
    [`${core}/nn/a.ts`]:
      "import type { B } from './b.js';\nexport type { B as C } from './b.js';\nexport const a = 1;\n",
    [`${core}/nn/b.ts`]: "import { a } from './a.js';\nexport type B = typeof a;\n",
  });
  assert.deepEqual(cycles.violations, []);
  assert.deepEqual(cycles.groups, []);
});

test('import { type X } still loads the module under verbatimModuleSyntax, so it closes a cycle', () => {
  const { cycles } = check({
    [`${core}/nn/a.ts`]: "import { type B } from './b.js';\nexport const a = 1;\nexport type A = B;\n",
    [`${core}/nn/b.ts`]: "import { a } from './a.js';\nexport type B = typeof a;\n",
  });
  assert.equal(cycles.violations.length, 2);
});

test('re-exports are edges, and workspace packages resolve through their @cp/source export', () => {
  const { cycles } = check({
    'packages/one/package.json': JSON.stringify({
      name: '@cp/one',
      exports: { '.': { '@cp/source': './src/index.ts' } },
    }),
    'packages/two/package.json': JSON.stringify({
      name: '@cp/two',
      exports: { './sub': { '@cp/source': './src/sub.ts' } },
    }),
    'packages/one/src/index.ts': "export * from './impl.js';\n",
    'packages/one/src/impl.ts': "import { two } from '@cp/two/sub';\nexport const one = two;\n",
    'packages/two/src/sub.ts': "export { one as two } from '@cp/one';\n",
  });
  const edges = cycles.violations.map((v) => `${v.from} -> ${v.to}`).sort();
  assert.deepEqual(edges, [
    'packages/one/src/impl.ts -> packages/two/src/sub.ts',
    'packages/one/src/index.ts -> packages/one/src/impl.ts',
    'packages/two/src/sub.ts -> packages/one/src/index.ts',
  ]);
});

test('a file importing itself is a cycle', () => {
  const { cycles } = check({ [`${core}/nn/self.ts`]: "import * as self from './self.js';\nexport const s = self;\n" });
  assert.deepEqual(cycles.violations, [
    { from: `${core}/nn/self.ts`, to: `${core}/nn/self.ts`, cycle: [`${core}/nn/self.ts`, `${core}/nn/self.ts`] },
  ]);
});

test('an allowlisted edge passes, and an entry no longer on a cycle fails as stale', () => {
  const files = {
    [`${core}/nn/a.ts`]: "import { b } from './b.js';\nexport const a = () => b;\n",
    [`${core}/nn/b.ts`]: "import { a } from './a.js';\nexport const b = () => a;\n",
  };
  const both = [
    [`${core}/nn/a.ts`, `${core}/nn/b.ts`],
    [`${core}/nn/b.ts`, `${core}/nn/a.ts`],
  ];
  assert.deepEqual(check(files, both).cycles, {
    violations: [],
    stale: [],
    groups: [[`${core}/nn/a.ts`, `${core}/nn/b.ts`]],
  });
  const gone = [...both, [`${core}/nn/a.ts`, `${core}/nn/c.ts`]];
  assert.deepEqual(check(files, gone).cycles.stale, [[`${core}/nn/a.ts`, `${core}/nn/c.ts`]]);
});

test('the component search handles an import chain far deeper than the call stack', () => {
  const n = 50_000;
  const graph = new Map(Array.from({ length: n }, (_, i) => [i, new Set([(i + 1) % n])]));
  const component = componentIndex(graph);
  assert.equal(new Set(component.values()).size, 1);
  assert.equal(shortestPath(graph, 0, n - 1).length, n);
});
