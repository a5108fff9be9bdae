// `--rate-constraint` on a subset: the options parse into RateSettings, a short run moves the multiplier
// (and only in the constrained run), and the comparison of rates is printed and written to rate-summary.json.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJsBackend } from '@cp/backend-js';
import { setBackendSync, tensor } from '@cp/core';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { addRateOptions, rateConstraintMain, rateSettingsFrom } from '../src/cli/rate-constraint.js';
import { pick, split } from '../src/data/digits.js';
import { loadMnist } from '../src/data/load-node.js';
import { DEFAULT_RATE_SETTINGS, ratesOf, weakest } from '../src/train/rate-constraint.js';
import { DEFAULT_SETTINGS } from '../src/train/settings.js';

const parse = (args: string[]) => {
  const program = addRateOptions(new Command('cp-mnist').exitOverride().configureOutput({ writeErr: () => {} }));
  program.parse(['node', 'cp-mnist', ...args]);
  return rateSettingsFrom(program.opts());
};

describe('--rate-constraint: options', () => {
  test('parse into RateSettings; absent, the flag gives null', () => {
    expect(parse([])).toBeNull();
    expect(parse(['--rate-constraint'])).toEqual(DEFAULT_RATE_SETTINGS);
    expect(parse(['--rate-constraint', '--rate-floor', '0.9', '--rate-digit', '8', '--dual-lr', '0.2'])).toEqual({
      ...DEFAULT_RATE_SETTINGS,
      floor: 0.9,
      digit: 8,
      dualLr: 0.2,
    });
  });

  test('bad values are rejected', () => {
    expect(() => parse(['--rate-constraint', '--rate-floor', '1.5'])).toThrow(
      /--rate-floor must be a number in \(0, 1\)/,
    );
    expect(() => parse(['--rate-constraint', '--rate-digit', '10'])).toThrow(/--rate-digit must be a digit 0-9/);
    expect(() => parse(['--rate-constraint', '--dual-lr', '-1'])).toThrow(/--dual-lr must be a positive number/);
  });

  test('ratesOf counts per-class recall; weakest picks the lowest of the classes present', () => {
    setBackendSync(createJsBackend());
    const data = { images: new Float32Array(4 * 784), labels: Int32Array.from([3, 3, 1, 2]), count: 4 };
    // A "model" that predicts class 3 for everything.
    const favour3 = (n: number) =>
      tensor(
        Float32Array.from({ length: n * 10 }, (_, i) => (i % 10 === 3 ? 1 : 0)),
        { shape: [n, 10] },
      );
    const rates = ratesOf((x) => x.sum(1, { keepdim: true }).mul(0).add(favour3(x.shape[0])), data);
    expect(rates.recall.slice(1, 4)).toEqual([0, 0, 1]);
    expect(Number.isNaN(rates.recall[0])).toBe(true);
    expect(rates.accuracy).toBe(0.5);
    expect(weakest(rates)).toBe(1);
  });
});

describe('--rate-constraint: a short run on a subset', () => {
  let out = '';
  let printed = '';
  let code = -1;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'cp-rate-'));
    const all = split(await loadMnist(), { seed: 0, heldOutFraction: 0.2 });
    const idx = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
    const data = { train: pick(all.train, idx(1500)), heldOut: pick(all.heldOut, idx(500)) };
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed += String(chunk);
      return true;
    });
    try {
      code = await rateConstraintMain(
        { ...DEFAULT_SETTINGS, epochs: 1 },
        { ...DEFAULT_RATE_SETTINGS, floor: 0.99 },
        { backend: 'wasm', out },
        data,
      );
    } finally {
      write.mockRestore();
    }
  }, 120_000);
  afterAll(() => rm(out, { recursive: true, force: true }));

  test('prints the rates with and without the floor', () => {
    expect(code).toBe(0);
    for (const text of [
      'recall floor 99.00% on digit',
      'without       with',
      'held-out',
      'overall accuracy, held-out',
      'multiplier at the end (largest)',
    ]) {
      expect(printed).toContain(text);
    }
  });

  test('the multiplier moves in the constrained run only, and stays >= 0', async () => {
    const s = JSON.parse(await readFile(join(out, 'rate-summary.json'), 'utf8'));
    expect(s.baseline.maxMultiplier).toBe(0);
    expect(s.constrained.maxMultiplier).toBeGreaterThan(0);
    for (const t of s.constrained.trace) expect(t.multiplier).toBeGreaterThanOrEqual(0);
    expect(new Set(s.constrained.trace.map((t: { multiplier: number }) => t.multiplier)).size).toBeGreaterThan(1);
    expect(s.constrained.summary.steps).toBe(s.constrained.steps);
    expect(s.digit).toBeGreaterThanOrEqual(0);
    expect(s.constrained.heldOut.recall[s.digit]).toBeGreaterThanOrEqual(0);
  });
});
