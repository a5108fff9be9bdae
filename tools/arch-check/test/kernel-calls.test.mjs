/**
 * The kernel-call rule: every way of reaching `backend.kernels` or `backend.fused` is found, types and
 * methods that merely share the name are not, and only the dispatch module may do it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findKernelAccess } from '../src/kernel-calls.mjs';
import { check } from './workspace.mjs';

const core = 'packages/core/src';
const codes = (text) => findKernelAccess('x.ts', text).map((f) => f.code);

test('kernel calls, fused lookups, computed access and aliases are found with their lines', () => {
  const found = findKernelAccess(
    'x.ts',
    [
      'backend.kernels.unary({ op });',
      'const fn = b.fused.softmax;',
      'b.kernels[name](args);',
      "const k = b['fused'];",
      'b.fused?.adamUpdate?.(args);',
      'const table = backend.kernels;',
      'b[`kernels`].fill(args);',
    ].join('\n'),
  );
  assert.deepEqual(found, [
    { line: 1, code: 'backend.kernels.unary' },
    { line: 2, code: 'b.fused.softmax' },
    { line: 3, code: 'b.kernels[name]' },
    { line: 4, code: "b['fused']" },
    { line: 5, code: 'b.fused?.adamUpdate' },
    { line: 6, code: 'backend.kernels' },
    { line: 7, code: 'b[`kernels`].fill' },
  ]);
});

test('destructuring kernels or fused off a backend is found, in declarations, parameters and assignments', () => {
  assert.deepEqual(
    codes('const { kernels } = backend;\nfunction f({ fused: table }: Backend) {}\n({ kernels: k } = b);\n'),
    ['kernels', 'fused: table', 'kernels: k'],
  );
});

test('types, comments, strings and a method named fused are not kernel calls', () => {
  const text = [
    "type K = Backend['kernels'];",
    'let q: typeof backend.kernels.unary;',
    '// backend.kernels.unary(x)',
    "const s = 'backend.fused.softmax';",
    "const f = this.fused(param, 'adamUpdate');",
    'const kernels = 1;',
    'const o = { kernels: {}, fused: {} };',
  ].join('\n');
  assert.deepEqual(codes(text), []);
});

test('a kernel call outside the dispatch fails, the dispatch itself passes', () => {
  const { kernelCalls } = check({
    [`${core}/engine/dispatch.ts`]: 'export const run = (b, a) => b.kernels.unary(a);\n',
    [`${core}/nn/layer.ts`]:
      "import { run } from '../engine/dispatch.js';\nexport const f = (b, a) => b.fused.softmax(a);\n",
  });
  assert.deepEqual(kernelCalls.violations, [
    { file: `${core}/nn/layer.ts`, found: [{ line: 2, code: 'b.fused.softmax' }] },
  ]);
});

test('kernel calls outside packages/core/src are not this rule', () => {
  const { kernelCalls } = check({
    'packages/backend-x/src/suite.ts': 'export const f = (b, a) => b.kernels.unary(a);\n',
  });
  assert.deepEqual(kernelCalls, { violations: [] });
});

test('a backend type file that declares the tables passes', () => {
  const { kernelCalls } = check({
    [`${core}/backend/backend.ts`]:
      "import type { Kernels } from './kernels.js';\n/** A backend. */\nexport interface Backend {\n  readonly kernels: Kernels;\n  readonly fused: Partial<Kernels>;\n}\nexport type Unary = Backend['kernels']['unary'];\n",
    [`${core}/backend/kernels.ts`]: 'export interface Kernels {\n  unary(args: unknown): void;\n}\n',
  });
  assert.deepEqual(kernelCalls.violations, []);
});

test('a kernel call in an op or in the tensor fails like any other outside the dispatch', () => {
  const { kernelCalls } = check({
    [`${core}/ops/new.ts`]: 'export const f = (b, a) => b.kernels.binary(a);\n',
    [`${core}/tensor/tensor.ts`]: 'export const g = (b) => {\n  const { fused } = b;\n  return fused;\n};\n',
  });
  assert.deepEqual(
    kernelCalls.violations.map((v) => [v.file, v.found.map((f) => f.line)]),
    [
      [`${core}/ops/new.ts`, [1]],
      [`${core}/tensor/tensor.ts`, [2]],
    ],
  );
});
