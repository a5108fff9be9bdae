// Each model of the main job builds, reads its input shape, registers its constraints (each with a reason),
// and trains: a few steps on a small subset bring its loss on that subset down, with every constraint
// holding after every step. Full-accuracy runs are not here (too slow); `npm start -- --model <m>` checks those.
import { createWasmBackend } from '@cp/backend-wasm';
import { manualSeed, noGrad, setBackend, tensor } from '@cp/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { type Digits, PIXELS, pick } from '../src/data/digits.js';
import { loadMnist } from '../src/data/load-node.js';
import { MODELS } from '../src/models/index.js';
import { MODEL_NAMES } from '../src/models/spec.js';
import { trainerOptions } from '../src/train/run.js';
import { settingsFor } from '../src/train/settings.js';
import { Trainer } from '../src/train/trainer.js';
import { rowNorms } from '../src/train/weights.js';

let subset: Digits;

beforeAll(async () => {
  await setBackend(await createWasmBackend());
  const all = await loadMnist();
  // 96 digits spread over the classes (the package's file is ordered by class).
  subset = pick(
    all,
    Array.from({ length: 96 }, (_, i) => Math.floor((i * all.count) / 96)),
  );
});

const PARAMETERS = { mlp: 235_147, cnn: 12_810, lstm: 82_186, vit: 71_946 };
const INPUTS = { mlp: [5, 784], cnn: [5, 1, 28, 28], lstm: [5, 28, 28], vit: [5, 1, 28, 28] };

describe.each(MODEL_NAMES)('the %s model', (name) => {
  const spec = MODELS[name];

  test('builds with its parameter count and maps its input shape to 10 logits per digit', () => {
    manualSeed(0);
    const model = spec.create();
    expect(model.parameters().reduce((n, p) => n + p.size, 0)).toBe(PARAMETERS[name]);
    expect(spec.inputShape(5)).toEqual(INPUTS[name]);
    const x = tensor(subset.images.subarray(0, 5 * PIXELS), { shape: spec.inputShape(5) });
    const logits = noGrad(() => model.call(x) as ReturnType<typeof x.add>);
    expect(logits.shape).toEqual([5, 10]);
    expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
  });

  test('registers its constraints, each with a reason, and every part alone', () => {
    manualSeed(0);
    const model = spec.create();
    const regs = spec.register(model, settingsFor(name));
    expect(regs.length).toBeGreaterThanOrEqual(2);
    for (const r of regs) expect(r.why.length).toBeGreaterThan(20);
    expect(regs.at(-1)).toMatchObject({ target: 'gradients', mode: 'gradient' });
    expect(model.constraintReport().map((e) => e.name)).toEqual(
      regs.filter((r) => r.mode !== 'gradient').map((r) => r.target),
    );
    for (const part of spec.parts) {
      manualSeed(0);
      expect(spec.register(spec.create(), settingsFor(name), [part]).length).toBeGreaterThan(0);
      expect(spec.partLabels[part]).toBeTruthy();
    }
    for (const w of spec.normed) expect(rowNorms(model.getParameter(w)).length).toBe(model.getParameter(w).shape[0]);
  });

  test('a few steps on a small subset bring its loss down, and its constraints hold after every step', () => {
    const settings = settingsFor(name, { batch: 32, lr: 3e-3, schedule: 'constant', shift: 0 });
    manualSeed(0);
    const model = spec.create();
    spec.register(model, settings);
    const trainer = new Trainer(model, subset, trainerOptions(spec, settings, subset.count, true));
    const before = trainer.evaluate(subset).loss;
    for (let i = 0; i < 24; i++) trainer.step();
    const after = trainer.evaluate(subset).loss;
    expect(after).toBeLessThan(before * 0.8);
    expect(trainer.monitor.allHeld()).toBe(true);
    expect(trainer.monitor.report().every((r) => r.checks === 24)).toBe(true);
    trainer.dispose();
  });

  test('with a tight maxNorm bound, every unit of its normed weights ends at or under it, the largest at it', () => {
    const settings = settingsFor(name, { batch: 32, maxNorm: 0.2 });
    manualSeed(0);
    const model = spec.create();
    spec.register(model, settings);
    const trainer = new Trainer(model, subset, trainerOptions(spec, settings, subset.count, true));
    for (let i = 0; i < 3; i++) trainer.step();
    for (const w of spec.normed) {
      const norms = rowNorms(model.getParameter(w));
      expect(Math.max(...norms)).toBeLessThanOrEqual(0.2 * (1 + 1e-5));
      expect(Math.max(...norms)).toBeGreaterThan(0.2 * (1 - 1e-3));
    }
    trainer.dispose();
  });
});

describe('the trainer with the models', () => {
  test('evaluates in eval mode (the transformer has dropout): the same figures twice, and training mode after', () => {
    manualSeed(0);
    const spec = MODELS.vit;
    const model = spec.create();
    const trainer = new Trainer(model, subset, trainerOptions(spec, settingsFor('vit'), subset.count, false));
    const a = trainer.evaluate(subset);
    expect(trainer.evaluate(subset)).toEqual(a);
    expect(model.training).toBe(true);
  });

  test('the one-cycle schedule warms up to the peak learning rate and anneals below where it started', () => {
    manualSeed(0);
    const spec = MODELS.mlp;
    const settings = settingsFor('mlp', { epochs: 10, batch: 48, lr: 4e-3, schedule: 'oneCycle' });
    const trainer = new Trainer(spec.create(), subset, trainerOptions(spec, settings, subset.count, true));
    const lrs = [trainer.optimizer.paramGroups[0].lr as number];
    for (let i = 0; i < 20; i++) {
      trainer.step();
      lrs.push(trainer.optimizer.paramGroups[0].lr as number);
    }
    expect(trainer.scheduler?.totalSteps).toBe(20);
    expect(lrs[0]).toBeCloseTo(4e-3 / 25, 10);
    expect(Math.max(...lrs)).toBeCloseTo(4e-3, 10);
    expect(lrs.indexOf(Math.max(...lrs))).toBe(5);
    expect(lrs[19]).toBeCloseTo(4e-3 / 25 / 1e4, 12);
    // Stepping past the schedule keeps its last rate.
    trainer.step();
    expect(lrs[20]).toBe(lrs[19]);
    expect(trainer.optimizer.paramGroups[0].lr).toBe(lrs[19]);
  });
});
