// The whole conformance suite in headless Chromium on the threaded wasm backend (2 threads, a cross-origin
// isolated page, Web Workers over shared memory), bundled by Vite with the suite's vitest imports served by
// test/browser/vitest-shim.ts. Property tests take 15 runs here (60 in Node, conformance*.test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterAll, expect, it } from 'vitest';
import { hasChromium, runInChromium } from './chromium.js';

const pageDir = fileURLToPath(new URL('./browser/', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'cp-conformance-page-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

interface Report {
  selected: number;
  passed: number;
  failed: { name: string; error: string }[];
  threading: { threads: number; reason: string; workerTasks: number; simd: string } | null;
}

it.skipIf(!hasChromium)(
  'in Chromium, the whole conformance suite passes on the wasm backend with 2 threads, the workers taking part',
  async () => {
    await build({
      root: pageDir,
      logLevel: 'warn',
      resolve: { alias: { vitest: join(pageDir, 'vitest-shim.ts') } },
      build: { outDir, emptyOutDir: true, target: 'es2022', minify: false, reportCompressedSize: false },
    });
    const raw = await runInChromium({ root: outDir, page: { file: 'index.html' }, isolated: true, timeoutMs: 240_000 });
    expect(raw).not.toBe('timeout');
    const report = JSON.parse(raw) as Report;
    expect(report.failed).toEqual([]);
    expect(report.selected).toBeGreaterThan(1500);
    expect(report.passed).toBe(report.selected);
    expect(report.threading).toMatchObject({ threads: 2, simd: 'relaxed-simd' });
    expect(report.threading?.workerTasks).toBeGreaterThan(0);
  },
  300_000,
);
