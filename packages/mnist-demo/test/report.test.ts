// The comparison of several models: the CLI's table and the HTML report's list every model run with its
// accuracy, step time, constraint overhead, parameter count and constraints, and link to each model's
// section; a single model's report has no comparison table.
import { createWasmBackend } from '@cp/backend-wasm';
import { setBackend } from '@cp/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { modelComparisonLines } from '../src/cli/summary.js';
import { type Digits, pick } from '../src/data/digits.js';
import { loadMnist } from '../src/data/load-node.js';
import { MODEL_NAMES } from '../src/models/spec.js';
import { type ModelReport, renderReport } from '../src/report/html.js';
import { esc } from '../src/report/svg.js';
import { measureOverhead } from '../src/train/overhead.js';
import { trainRun } from '../src/train/run.js';
import { settingsFor } from '../src/train/settings.js';

let reports: ModelReport[] = [];

beforeAll(async () => {
  await setBackend(await createWasmBackend());
  const all = await loadMnist();
  const spread = (n: number, from: number): Digits =>
    pick(
      all,
      Array.from({ length: n }, (_, i) => (from + Math.floor((i * all.count) / n)) % all.count),
    );
  const data = { train: spread(64, 0), heldOut: spread(32, 7) };
  reports = MODEL_NAMES.map((name) => {
    const settings = settingsFor(name, { epochs: 1, batch: 32 });
    const run = trainRun(settings, true, data);
    const overhead = measureOverhead(settings, data.train, { rounds: 1, stepsPerRound: 2 });
    return { settings, runs: [run], overhead };
  });
}, 120_000);

describe('comparing models', () => {
  test('the CLI table has a row per model and lists its constraints', () => {
    const lines = modelComparisonLines(
      reports.map((r) => ({ run: r.runs[0], epochs: r.settings.epochs, overhead: r.overhead })),
    );
    expect(lines[0]).toMatch(
      /model\s+epochs\s+held-out\s+train\s+median step\s+constraint overhead\s+run time\s+parameters/,
    );
    MODEL_NAMES.forEach((name, i) => {
      const run = reports[i].runs[0];
      expect(lines[i + 1]).toContain(name);
      expect(lines[i + 1]).toContain(`${(run.heldOut.accuracy * 100).toFixed(2)}%`);
      expect(lines[i + 1]).toContain(run.parameterCount.toLocaleString('en-US'));
    });
    expect(lines.find((l) => l.startsWith('  cnn constraints:'))).toContain(
      'conv1.weight: maxNorm(max=3, dim=[1,2,3])',
    );
    expect(lines.find((l) => l.startsWith('  lstm constraints:'))).toContain('gradients: clipGradNorm(maxNorm=1)');
  });

  test('the report compares the models run, then has a section per model with its reasons', () => {
    const html = renderReport({ backend: 'wasm', models: reports, totalSeconds: 12.5 });
    const table = /<table class="compare">(.*?)<\/table>/s.exec(html)?.[1] ?? '';
    expect(table.match(/<tr>/g)?.length).toBe(1 + MODEL_NAMES.length);
    for (const [i, name] of MODEL_NAMES.entries()) {
      const run = reports[i].runs[0];
      expect(table).toContain(`<a href="#${name}">${name}</a>`);
      expect(table).toContain(`${(run.train.accuracy * 100).toFixed(2)}%`);
      expect(table).toContain(`${run.medianStepMs.toFixed(1)} ms`);
      expect(html).toContain(`<h2 class="model" id="${name}">`);
      for (const r of run.registrations) expect(html).toContain(esc(r.why));
    }
    expect(html.match(/Constraints and why/g)?.length).toBe(MODEL_NAMES.length);
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
  });

  test('each model has a held-out confusion matrix, a per-digit table and its misclassified digits', () => {
    const html = renderReport({ backend: 'wasm', models: reports, totalSeconds: 12.5 });
    expect(html.match(/aria-label="Held-out confusion matrix"/g)?.length).toBe(MODEL_NAMES.length);
    expect(html.match(/<table class="per-class">/g)?.length).toBe(MODEL_NAMES.length);
    expect(html.match(/aria-label="Misclassified held-out digits \(\d+ shown\)"/g)?.length).toBe(MODEL_NAMES.length);
    for (const { runs } of reports) {
      const run = runs[0];
      const wrong = run.confusion.flat().reduce((a, b) => a + b, 0) - run.confusion.reduce((a, r, i) => a + r[i], 0);
      expect(run.misclassified.length).toBe(Math.min(30, wrong));
      for (const d of run.misclassified) {
        expect(d.label).not.toBe(d.predicted);
        expect(html).toContain(`${d.label} → ${d.predicted}`);
      }
    }
  });

  test('the overhead card is signed by the figure and says when it is within noise', () => {
    const base = reports[0];
    const o = base.overhead!;
    const at = (median: number, q1: number, q3: number) => ({
      ...base,
      overhead: {
        ...o,
        variants: o.variants.map((v) =>
          v.name === 'all'
            ? {
                ...v,
                overheadMs: median / 10,
                overheadPercent: median,
                spreadMs: { median: median / 10, q1: q1 / 10, q3: q3 / 10, withinNoise: q1 <= 0 && q3 >= 0 },
                spreadPercent: { median, q1, q3, withinNoise: q1 <= 0 && q3 >= 0 },
              }
            : v,
        ),
      },
    });
    const card = (m: ModelReport) =>
      /constraint overhead<\/div><div class="v">([^<]*)<\/div><div class="n">([^<]*)</
        .exec(renderReport({ backend: 'wasm', models: [m], totalSeconds: 1 }))
        ?.slice(1);
    expect(card(at(-15.9, -20, -10))).toEqual([
      '-15.9%',
      `-1.59 ms (IQR -2.00 ms to -1.00 ms) on a ${o.plainMs.toFixed(2)} ms step`,
    ]);
    expect(card(at(12, -5, 30))?.[0]).toBe('+12.0%');
    expect(card(at(12, -5, 30))?.[1]).toContain('within noise');
  });

  test('a bound never reached is said under the histograms; one reached is not', () => {
    const base = reports[0];
    const withPeaks = (peak: number): ModelReport => ({
      ...base,
      runs: [{ ...base.runs[0], peakNorms: { '0.weight': base.settings.maxNorm, '2.weight': peak } }],
    });
    const unbound = renderReport({ backend: 'wasm', models: [withPeaks(1.2)], totalSeconds: 1 });
    expect(unbound).toContain(
      'maxNorm never bound on 2.weight: its largest unit norm stayed at 1.200, below the bound 1.5',
    );
    expect(unbound).not.toContain('never bound on 0.weight');
    const bound = renderReport({ backend: 'wasm', models: [withPeaks(1.5)], totalSeconds: 1 });
    expect(bound).not.toContain('never bound');
  });

  test('an overhead not measured says why instead of a figure', () => {
    const html = renderReport({
      backend: 'wasm',
      models: [{ ...reports[0], overhead: null, overheadNote: 'not measured (--overhead off)' }],
      totalSeconds: 1,
    });
    expect(html).not.toContain('constraint overhead</div>');
    expect(html).toContain('<p>not measured (--overhead off).</p>');
  });

  test('a single model has no comparison table and no model heading', () => {
    const html = renderReport({ backend: 'wasm', models: [reports[1]], totalSeconds: 3 });
    expect(html).not.toContain('class="compare"');
    expect(html).not.toContain('class="model"');
    expect(html).toContain('conv1.weight: L2 norm');
  });
});
