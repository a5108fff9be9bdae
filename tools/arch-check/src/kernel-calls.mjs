/**
 * Finds where a file reaches into a backend's kernel tables, `backend.kernels` and `backend.fused`, at
 * runtime. Reported, per occurrence with its line:
 * - a member access whose property is `kernels` or `fused` (`b.kernels.unary(...)`, `b.fused.softmax`,
 *   `b.kernels[name]`, `b['fused']`, `const k = b.kernels`), unless the access is itself called: a method
 *   that happens to be named `fused` (`this.fused(param, 'adamUpdate')`) is not a kernel table;
 * - a destructuring pattern that takes `kernels` or `fused` (`const { kernels } = backend`, also in
 *   parameters and assignments).
 * Types are not runtime access: `Backend['kernels']` or `typeof b.kernels` in a type position is never
 * reported, so the backend contract files that declare the tables pass as they are.
 */
import { visitorKeys } from 'oxc-parser';
import { lineOf, parseProgram } from './parse.mjs';

const TABLES = new Set(['kernels', 'fused']);
/** A cheap test that lets files which cannot mention the tables skip parsing. */
const MENTIONS_TABLE = /\b(?:kernels|fused)\b/;

/** The property name of a member access or pattern key, when it is a plain name or a string literal. */
function staticName(node, computed) {
  if (!computed && node.type === 'Identifier') return node.name;
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0].value.cooked;
  return null;
}

/** Every kernel-table access in `text` (the source of `path`): `{ line, code }`, in source order. */
export function findKernelAccess(path, text) {
  if (!MENTIONS_TABLE.test(text)) return [];
  const found = [];
  const report = (node) => {
    const code = text.slice(node.start, node.end).replace(/\s+/g, ' ');
    found.push({ line: lineOf(text, node.start), code: code.length > 60 ? `${code.slice(0, 57)}...` : code });
  };
  const visit = (node, parent) => {
    if (node.type === 'MemberExpression' && TABLES.has(staticName(node.property, node.computed))) {
      const called = parent?.type === 'CallExpression' && parent.callee === node;
      // NOTE: `b.kernels.unary` reads better than `b.kernels` in a report, so name the member taken off the table.
      const named = parent?.type === 'MemberExpression' && parent.object === node ? parent : node;
      if (!called) report(named);
    } else if (node.type === 'ObjectPattern') {
      for (const p of node.properties) {
        if (p.type === 'Property' && TABLES.has(staticName(p.key, p.computed))) report(p);
      }
    }
    for (const key of visitorKeys[node.type] ?? []) {
      const child = node[key];
      if (Array.isArray(child)) {
        for (const c of child) if (c) visit(c, node);
      } else if (child && typeof child.type === 'string') visit(child, node);
    }
  };
  visit(parseProgram(path, text), null);
  return found;
}

/**
 * The kernel-call rule: files matching `inScope` other than the dispatch module(s) must not access the
 * tables. `access` maps each scanned file to its findings. Returns `{ violations }`: the findings of each
 * file that breaks the rule, `{ file, found }`.
 */
export function checkKernelCalls(access, { inScope, isDispatch }) {
  const violations = [];
  for (const [file, found] of access) {
    if (found.length > 0 && inScope(file) && !isDispatch(file)) violations.push({ file, found });
  }
  return { violations };
}
