/**
 * Core reads tensor data from a backend in one place, engine/read.ts, which checks `capabilities.sync` and
 * has the async path: a `backend.readSync(...)` or `backend.read(...)` call anywhere else in core's sources
 * fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

test('no core source but engine/read.ts calls a backend read (readSync or read)', () => {
  const offenders: string[] = [];
  for (const file of sources(src)) {
    const rel = relative(src, file).split('\\').join('/');
    if (rel === 'engine/read.ts') continue;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (/\.(readSync|read)\(/.test(line) && !/^\s*(\*|\/\/)/.test(line))
          offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
      });
  }
  expect(offenders).toEqual([]);
});
