/**
 * Reads the temporary kernel-call baseline: a text file listing, one workspace-relative path a line, the
 * files that still call kernels outside the dispatch. `#` starts a comment. The check fails on an entry
 * whose file no longer calls kernels, so the list only shrinks by hand; a missing file is an empty list, so
 * the file can be deleted once it is empty.
 */
import { existsSync, readFileSync } from 'node:fs';

/** The paths listed in the baseline file at `path` (none when it does not exist). */
export function readBaseline(path) {
  if (!existsSync(path)) return new Set();
  const entries = readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line.length > 0);
  return new Set(entries);
}
