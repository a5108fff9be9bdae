// The main job with several models (what `--model all` does, on two models and short runs): it trains each
// with its own settings, prints the comparison, writes one checkpoint per model that loads back into that
// model, a summary with every model, and a report that compares them.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint, manualSeed } from '@cp/core';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { MODELS } from '../src/models/index.js';
import { settingsFor } from '../src/train/settings.js';

let out = '';
let printed = '';
let code = -1;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'cp-mnist-several-'));
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    printed += String(chunk);
    return true;
  });
  try {
    code = await main([settingsFor('mlp', { epochs: 1, batch: 256 }), settingsFor('cnn', { epochs: 1, batch: 256 })], {
      backend: 'wasm',
      out,
      // NOTE: one epoch of 32 steps is too short for the bounded (`auto`) measurement; the table's overhead
      // column is what this test checks.
      overhead: 'always',
    });
  } finally {
    write.mockRestore();
  }
}, 300_000);

afterAll(() => rm(out, { recursive: true, force: true }));

describe('the main job with two models', () => {
  test('prints each model with its constraints and reasons, then the comparison', () => {
    expect(code).toBe(0);
    expect(printed).toContain('cp MNIST: mlp, cnn on the wasm backend');
    expect(printed).toContain(`cnn: ${MODELS.cnn.title}`);
    expect(printed).toContain('conv1.weight  maxNorm(max=3, dim=[1,2,3])  project   bounds each filter');
    expect(printed).toContain('the models side by side');
    expect(printed).toMatch(/\n {2}mlp +1 +\d+\.\d\d% +\d+\.\d\d% +\d+\.\d ms +[+-]\d+\.\d% +\d+\.\d s +235,147\n/);
    expect(printed).toMatch(/\n {2}cnn +1 +\d+\.\d\d% +\d+\.\d\d% +\d+\.\d ms +[+-]\d+\.\d% +\d+\.\d s +12,810\n/);
  });

  test('writes a checkpoint per model that loads into that model, and a summary of both', async () => {
    for (const name of ['mlp', 'cnn'] as const) {
      manualSeed(1);
      const model = MODELS[name].create();
      const { metadata } = loadCheckpoint(await readFile(join(out, `checkpoint-${name}.safetensors`)), {
        model,
        restoreRng: false,
      });
      expect(metadata).toMatchObject({ model: name, epoch: 1, step: 32, constrained: true });
      expect(model.constraintReport().every((e) => e.ok)).toBe(true);
    }
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(summary.models.map((m: { settings: { model: string } }) => m.settings.model)).toEqual(['mlp', 'cnn']);
    expect(summary.models[1].runs[0].parameterCount).toBe(12_810);
    expect(summary.settings.model).toBe('mlp');
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<table class="compare">');
    expect(html).toContain('<h2 class="model" id="cnn">');
  });
});
