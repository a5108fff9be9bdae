/**
 * Parses one source file with oxc-parser (a Rust parser with a Node binding, so the whole workspace parses
 * in well under a second) and reports what the checks need: its imports, each marked as a runtime edge or
 * a type-only one, and on request the syntax tree.
 *
 * Which imports are runtime edges follows what `tsc` emits under the workspace's `verbatimModuleSyntax`:
 * only a declaration written `import type ...` or `export type ... from` is erased. `import { type A }`
 * compiles to `import {} from '...'`, which still loads the module, so it is a runtime edge. Dynamic
 * `import()` is not an edge: it loads lazily, after every module has finished initialising, so it cannot
 * take part in an initialisation cycle.
 */
import { parseSync } from 'oxc-parser';

/**
 * `import type ...` / `export type ... from`: the declaration is erased. Not `import type from 'x'` or
 * `import type, { a } from 'x'` (a default import named `type`), nor `import typed from 'x'`.
 */
const TYPE_ONLY_DECLARATION = /^(?:import|export)\s+type\b\s*(?:[{*]|[A-Za-z_$][\w$]*\s*(?:,|from\b))/;

/** oxc's name for the language of `path`. */
function langOf(path) {
  if (path.endsWith('.tsx')) return 'tsx';
  if (/\.[mc]?ts$/.test(path)) return 'ts';
  return 'js';
}

/**
 * One file's imports: `{ specifier, typeOnly, line }` for every static import and every re-export with a
 * module specifier. Throws on a syntax error, naming the file and the line.
 */
export function parseImports(path, text) {
  const result = parseSync(path, text, { lang: langOf(path), sourceType: 'module' });
  failOnErrors(path, text, result);
  const { staticImports, staticExports } = result.module;
  const imports = [];
  for (const s of staticImports) {
    const statement = text.slice(s.start, s.end);
    imports.push({
      specifier: s.moduleRequest.value,
      typeOnly: TYPE_ONLY_DECLARATION.test(statement),
      line: lineOf(text, s.start),
    });
  }
  for (const s of staticExports) {
    const request = s.entries.find((e) => e.moduleRequest)?.moduleRequest;
    if (!request) continue;
    const statement = text.slice(s.start, s.end);
    imports.push({
      specifier: request.value,
      typeOnly: TYPE_ONLY_DECLARATION.test(statement),
      line: lineOf(text, s.start),
    });
  }
  return imports;
}

/** The ESTree program of `path` (TypeScript nodes included). Throws on a syntax error. */
export function parseProgram(path, text) {
  const result = parseSync(path, text, { lang: langOf(path), sourceType: 'module' });
  failOnErrors(path, text, result);
  return result.program;
}

/** The 1-based line of UTF-16 offset `offset` in `text`. */
export function lineOf(text, offset) {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function failOnErrors(path, text, result) {
  const error = result.errors.find((e) => e.severity === 'Error') ?? result.errors[0];
  if (!error) return;
  const at = error.labels?.[0]?.start;
  const where = at === undefined ? path : `${path}:${lineOf(text, at)}`;
  throw new Error(`arch-check: cannot parse ${where}: ${error.message}`);
}
