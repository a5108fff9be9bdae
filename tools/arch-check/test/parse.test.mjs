/** Which imports are runtime edges: what tsc erases under verbatimModuleSyntax, and nothing more. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseImports } from '../src/parse.mjs';

const kinds = (text) => parseImports('x.ts', text).map(({ specifier, typeOnly }) => `${specifier}:${typeOnly}`);

test('declarations written import type / export type are type-only', () => {
  const text = [
    "import type { A } from './a.js';",
    "import type B from './b.js';",
    "import type * as C from './c.js';",
    "export type { D } from './d.js';",
    "export type * from './e.js';",
    "import type{F} from './f.js';",
  ].join('\n');
  assert.deepEqual(kinds(text), [
    './a.js:true',
    './b.js:true',
    './c.js:true',
    './f.js:true',
    './d.js:true',
    './e.js:true',
  ]);
});

test('inline type specifiers, side-effect imports, re-exports and a default named type are runtime edges', () => {
  const text = [
    "import { type A } from './a.js';",
    "import './b.js';",
    "import type from './c.js';",
    "import typed from './d.js';",
    "import type, { e } from './e.js';",
    "export * from './f.js';",
    "export { type G } from './g.js';",
    "export { h as default } from './h.js';",
  ].join('\n');
  assert.deepEqual(kinds(text), [
    './a.js:false',
    './b.js:false',
    './c.js:false',
    './d.js:false',
    './e.js:false',
    './f.js:false',
    './g.js:false',
    './h.js:false',
  ]);
});

test('dynamic import() and import types are not edges, and lines are 1-based', () => {
  const text = "\n\nimport { a } from './a.js';\nconst m = await import('./b.js');\nlet t: typeof import('./c.js');\n";
  assert.deepEqual(parseImports('x.ts', text), [{ specifier: './a.js', typeOnly: false, line: 3 }]);
});
