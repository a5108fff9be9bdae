/**
 * Runs every check over one workspace in one pass: lists the sources, reads and parses each file once,
 * builds the runtime import graph, finds kernel-table access, counts lines, and applies the rules of the
 * config. Returns plain data; src/report.mjs turns it into text and an exit code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkCycles } from './cycles.mjs';
import { countLines, longFiles } from './file-size.mjs';
import { anyMatcher } from './glob.mjs';
import { checkKernelCalls, findKernelAccess } from './kernel-calls.mjs';
import { parseImports } from './parse.mjs';
import { resolveSpecifier, workspaceExports } from './resolve.mjs';
import { expandRoots, listFiles, SOURCE_EXTENSIONS } from './source-files.mjs';

/**
 * Every check of `config` (see tools/arch-check/config.mjs) on the workspace at `root`:
 * `{ files, cycles, importLines, kernelCalls, longFiles, ms }`. `importLines` maps `from -> to` to the line
 * of the import, for messages.
 */
export function runChecks(root, config) {
  const started = performance.now();
  const files = listFiles(root, expandRoots(root, config.sources), SOURCE_EXTENSIONS);
  const known = new Set(files);
  const exportsMap = workspaceExports(root, config.packages);
  const inScope = anyMatcher(config.kernelCalls.scope);
  const isDispatch = anyMatcher(config.kernelCalls.dispatch);
  const texts = new Map();
  const graph = new Map();
  const importLines = new Map();
  const access = new Map();
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    texts.set(file, text);
    const targets = new Set();
    for (const { specifier, typeOnly, line } of parseImports(file, text)) {
      if (typeOnly) continue;
      const target = resolveSpecifier(specifier, file, known, exportsMap);
      if (target === null || targets.has(target)) continue;
      targets.add(target);
      importLines.set(`${file} -> ${target}`, line);
    }
    graph.set(file, targets);
    if (inScope(file) && !isDispatch(file)) access.set(file, findKernelAccess(file, text));
  }
  const sizes = new Map();
  const measured = new RegExp(`\\.(?:${config.fileSize.extensions.join('|')})$`);
  for (const file of listFiles(root, expandRoots(root, config.fileSize.roots), measured)) {
    sizes.set(file, countLines(texts.get(file) ?? readFileSync(join(root, file), 'utf8')));
  }
  return {
    files: files.length,
    cycles: checkCycles(graph, config.cycles),
    importLines,
    kernelCalls: checkKernelCalls(access, { inScope, isDispatch }),
    longFiles: longFiles(sizes, config.fileSize.limit),
    ms: performance.now() - started,
  };
}
