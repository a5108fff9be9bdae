// The main job end to end on a short run: it trains, every constraint holds after every step, and it
// writes a loadable checkpoint, a JSON summary and an HTML report with no network references, which
// headless Chromium renders to test-results/report.png.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCheckpoint, manualSeed } from '@cp/core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { createModel } from '../src/models/mlp.js';
import { DEFAULT_SETTINGS } from '../src/train/settings.js';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
let out = '';
let printed = '';
let code = -1;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'cp-mnist-'));
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    printed += String(chunk);
    return true;
  });
  try {
    // NOTE: `always`: a one-epoch run is short enough that the bounded measurement may skip itself on a busy
    // machine, and this test checks the overhead's printout (test/overhead-bounded.test.ts checks the bound).
    code = await main([{ ...DEFAULT_SETTINGS, epochs: 1, constraints: 'compare' }], {
      backend: 'wasm',
      out,
      overhead: 'always',
    });
  } finally {
    write.mockRestore();
  }
  // NOTE: two runs of an epoch and the overhead benchmark take several seconds, longer on a busy machine
  // than vitest's 10 s default for a hook.
}, 300_000);

afterAll(() => rm(out, { recursive: true, force: true }));

describe('the main job, one epoch with --constraints compare', () => {
  test('prints what it registered, the constraint report, the overhead and the comparison', () => {
    expect(code).toBe(0);
    for (const text of [
      '0.weight   maxNorm(max=1.5, dim=1)',
      '5.scale    positive(minValue=0.000001)  reparametrize',
      'clipGradNorm(maxNorm=1)',
      'constraint report',
      'all of them (this run)',
      'train - held-out gap',
    ]) {
      expect(printed).toContain(text);
    }
  });

  test("prints each run's accuracy per digit in one line and its three most frequent mistakes", () => {
    for (const run of ['on', 'off']) {
      expect(printed).toMatch(
        new RegExp(`\\n  per digit \\(constraints ${run}\\): 0 \\d+\\.\\d%  1 \\d+\\.\\d%.*  9 \\d+\\.\\d%\\n`),
      );
      expect(printed).toMatch(
        new RegExp(
          `\\n  most frequent mistakes \\(constraints ${run}\\): \\d as \\d \\(\\d+\\), \\d as \\d \\(\\d+\\), \\d as \\d \\(\\d+\\)\\n`,
        ),
      );
    }
  });

  test('prints every overhead signed, with its interquartile range over paired rounds', () => {
    const all = printed.split('\n').find((l) => l.includes('all of them (this run)')) ?? '';
    expect(all).toMatch(/ [+-]?\d+\.\d\d ms \(IQR [+-]?\d+\.\d\d ms to [+-]?\d+\.\d\d ms(, within noise)?\) /);
    expect(all).toMatch(/ [+-]?\d+\.\d% \(IQR [+-]?\d+\.\d% to [+-]?\d+\.\d%(, within noise)?\)$/);
    expect(printed).toContain('variant (7 rounds of 3 steps each)');
  });

  test('every constraint held after every step, and one epoch already passes 85% held-out', async () => {
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    const [on, off] = summary.runs;
    expect(on.violations.length).toBe(3);
    for (const v of on.violations) expect(v).toMatchObject({ ok: true, checks: 125 });
    expect(off.violations).toEqual([]);
    expect(on.heldOutAccuracy).toBeGreaterThan(0.85);
  });

  test('the checkpoint loads into a fresh model with its constraints and metadata', async () => {
    manualSeed(123);
    const model = createModel();
    const { metadata } = loadCheckpoint(await readFile(join(out, 'checkpoint.safetensors')), {
      model,
      restoreRng: false,
    });
    expect(metadata).toMatchObject({ epoch: 1, step: 125, seed: 0, constrained: true });
    expect(model.constraintReport().filter((e) => !e.ok)).toEqual([]);
  });

  test('the report is self-contained and renders in headless Chromium', async () => {
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    // NOTE: loss, accuracy, two norm histograms, the confusion matrix and the misclassified digits.
    expect(html.match(/<svg /g)?.length).toBe(6);
    expect(html).toContain('maxNorm bound 1.5');
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      timeout: 30_000,
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1120, height: 900 } });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`file://${join(out, 'report.html')}`);
      await mkdir(join(pkg, 'test-results'), { recursive: true });
      await page.screenshot({ path: join(pkg, 'test-results', 'report.png'), fullPage: true });
      expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  test('the report fits a phone: no sideways scroll at 390 px, wide tables scroll in their own box', async () => {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      timeout: 30_000,
    });
    try {
      const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
      await page.goto(`file://${join(out, 'report.html')}`);
      const widths = await page.evaluate(() => ({
        page: document.documentElement.scrollWidth,
        tables: [...document.querySelectorAll('table')].map((t) => t.parentElement?.className ?? ''),
      }));
      expect(widths.page).toBeLessThanOrEqual(390);
      expect(widths.tables.length).toBeGreaterThan(0);
      expect(widths.tables.every((c) => c === 'scroll')).toBe(true);
      await mkdir(join(pkg, 'test-results'), { recursive: true });
      await page.screenshot({ path: join(pkg, 'test-results', 'report-phone.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
