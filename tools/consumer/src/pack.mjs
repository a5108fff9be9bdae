// Packs the workspace's publishable packages (every packages/* without `"private": true`) with `pnpm pack`,
// which writes the tarball a registry would get: `workspace:^` ranges become real versions.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workspace root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** `{ dir, manifest }` of each publishable package, in a stable order. */
export function publishablePackages() {
  const base = join(ROOT, 'packages');
  return readdirSync(base)
    .sort()
    .map((name) => ({
      dir: join(base, name),
      manifest: JSON.parse(readFileSync(join(base, name, 'package.json'), 'utf8')),
    }))
    .filter(({ manifest }) => manifest.private !== true);
}

/**
 * The pnpm to run: the one running this test when pnpm started it (nx under `npm test` goes through pnpm,
 * which may be an npx copy on a new machine), else `pnpm` on PATH.
 */
function pnpmCommand() {
  const exec = process.env.npm_execpath;
  if (!exec || !basename(exec).startsWith('pnpm')) return ['pnpm'];
  // NOTE: pnpm 12 is a native executable; older ones are a script for node.
  return /\.[cm]?js$/.test(exec) ? [process.execPath, exec] : [exec];
}

/** Packs every publishable package into `dest`; returns `{ name, tarball }` per package. */
export function packAll(dest) {
  const [cmd, ...pre] = pnpmCommand();
  return publishablePackages().map(({ dir, manifest }) => {
    const out = execFileSync(cmd, [...pre, 'pack', '--pack-destination', dest], { cwd: dir, encoding: 'utf8' });
    const tarball = out.trim().split('\n').pop().trim();
    return { name: manifest.name, tarball };
  });
}
