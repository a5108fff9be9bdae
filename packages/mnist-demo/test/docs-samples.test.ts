// Runs every ```ts block of README.md and docs/*.md as a program, so the docs cannot rot. Each block is
// written to a .ts file inside this package (so '@cp/...' imports resolve to the workspace sources) and
// imported by vitest. A block whose fence says ```ts fragment is an excerpt and is listed as skipped.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test, vi } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const scratch = join(here, '..', '.docs-samples');

/** One fenced block: where it is, its info string and its code (dedented). */
interface Sample {
  file: string;
  line: number;
  info: string;
  code: string;
}

/** Every fenced ```ts block of `file`, including ones indented inside list items. */
function samples(file: string): Sample[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const out: Sample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```ts\b(.*)$/.exec(lines[i]);
    if (!open) continue;
    const indent = open[1].length;
    const start = i;
    const body: string[] = [];
    while (++i < lines.length && !/^\s*```\s*$/.test(lines[i])) body.push(lines[i].slice(indent));
    out.push({ file, line: start + 1, info: open[2].trim(), code: `${body.join('\n')}\n` });
  }
  return out;
}

/** A block fenced as ```ts fragment is an excerpt (e.g. a test file of another package), listed as skipped. */
const isFragment = (s: Sample): boolean => s.info.includes('fragment');

const docs = readdirSync(join(root, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .sort()
  .map((f) => `docs/${f}`);
const all = ['README.md', ...docs].flatMap(samples);
const runnable = all.filter((s) => !isFragment(s));
const fragments = all.filter(isFragment);

mkdirSync(scratch, { recursive: true });
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('documentation samples', () => {
  test('there are samples to run, including the README and getting started', () => {
    expect(runnable.some((s) => s.file === 'README.md')).toBe(true);
    expect(runnable.filter((s) => s.file === 'docs/getting-started.md').length).toBeGreaterThanOrEqual(4);
  });

  test.each(runnable.map((s) => [`${s.file}:${s.line}`, s] as const))(
    '%s runs as a complete program',
    async (_name, s) => {
      const path = join(scratch, `${s.file.replace(/[/.]/g, '_')}_${s.line}.ts`);
      writeFileSync(path, s.code);
      const log = vi.spyOn(console, 'log').mockImplementation(() => {});
      try {
        await import(/* @vite-ignore */ pathToFileURL(path).href);
      } catch (e) {
        throw new Error(
          `${s.file}:${s.line} failed (sample written to ${relative(root, path)}): ${(e as Error).stack ?? e}`,
        );
      } finally {
        log.mockRestore();
      }
    },
  );

  test.skipIf(fragments.length === 0).each(fragments.map((s) => [`${s.file}:${s.line}`] as const))(
    '%s is marked as a fragment',
    () => {},
  );
});
