/**
 * Turns an import specifier into the workspace file it loads, the way the packages are built and tested:
 * a relative `./x.js` is the source `./x.ts` beside it (NodeNext style, the extension written as emitted),
 * and a workspace package (`@cp/core`, `@cp/core/backend`) is the file its package.json `exports` map names
 * under the `@cp/source` condition. Anything else (npm packages, node: builtins, assets) is outside the graph.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { expandRoots } from './source-files.mjs';

/** Emitted extension -> the source extensions that emit it, in the order tried. */
const SOURCE_FOR = { '.js': ['.ts', '.tsx', '.js'], '.mjs': ['.mts', '.mjs'], '.cjs': ['.cts', '.cjs'] };

/**
 * The source file each workspace package specifier resolves to: a Map from `name` or `name/sub` to a
 * workspace-relative path, read from the package.json of every folder matching `packagePatterns`.
 */
export function workspaceExports(root, packagePatterns) {
  const map = new Map();
  for (const dir of expandRoots(root, packagePatterns)) {
    const manifestPath = join(root, dir, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (!manifest.name || typeof manifest.exports !== 'object' || manifest.exports === null) continue;
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      const source = typeof target === 'object' && target !== null ? target['@cp/source'] : undefined;
      if (typeof source !== 'string') continue;
      const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.replace(/^\.\//, '')}`;
      map.set(specifier, posix.normalize(`${dir}/${source}`));
    }
  }
  return map;
}

/**
 * The workspace-relative file that `specifier`, imported from `from`, loads, or null when it is not a
 * file of `known` (the scanned sources).
 */
export function resolveSpecifier(specifier, from, known, exportsMap) {
  if (specifier.startsWith('.')) {
    const base = posix.normalize(posix.join(posix.dirname(from), specifier));
    if (known.has(base)) return base;
    const ext = posix.extname(base);
    for (const sourceExt of SOURCE_FOR[ext] ?? []) {
      const candidate = base.slice(0, -ext.length) + sourceExt;
      if (known.has(candidate)) return candidate;
    }
    return null;
  }
  const target = exportsMap.get(specifier);
  return target !== undefined && known.has(target) ? target : null;
}
