/**
 * Finds the files the checks read: every TypeScript or JavaScript file under the configured source roots
 * (`packages/NAME/src` by default), as workspace-relative paths with `/` separators, sorted. Folders named
 * node_modules or dist are never entered.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { globMatcher } from './glob.mjs';

/** File names the import graph and the kernel check parse. */
export const SOURCE_EXTENSIONS = /\.(?:ts|tsx|mts|cts|js|mjs|cjs)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.nx']);

/**
 * The folders under `root` that match a root pattern. Patterns may use `*` for one path segment only
 * (`packages/*` then `src`), which is all the config needs and keeps the walk to the folders named.
 */
export function expandRoots(root, patterns) {
  const out = [];
  for (const pattern of patterns) {
    let dirs = [''];
    for (const segment of pattern.split('/')) {
      const next = [];
      for (const dir of dirs) {
        if (!segment.includes('*')) {
          const path = dir ? `${dir}/${segment}` : segment;
          if (isDir(join(root, path))) next.push(path);
          continue;
        }
        const match = globMatcher(segment);
        for (const entry of safeReaddir(join(root, dir))) {
          if (entry.isDirectory() && match(entry.name)) next.push(dir ? `${dir}/${entry.name}` : entry.name);
        }
      }
      dirs = next;
    }
    out.push(...dirs);
  }
  return [...new Set(out)].sort();
}

/** Every file under the folders `dirs` (workspace-relative) whose name matches `extensions`. */
export function listFiles(root, dirs, extensions) {
  const out = [];
  const walk = (dir) => {
    for (const entry of safeReaddir(join(root, dir))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(path);
      } else if (extensions.test(entry.name)) out.push(path);
    }
  };
  for (const dir of dirs) walk(dir);
  return out.sort();
}

function safeReaddir(dir) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

function isDir(path) {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
