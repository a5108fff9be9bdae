// The trainer's `optimizer` option: each name builds its optimizer, an unknown one is refused, and a short
// run with each optimizer lowers the loss on a tiny set of digits.
import { createJsBackend } from '@cp/backend-js';
import { manualSeed, optim, setBackend } from '@cp/core';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  createModel,
  createOptimizer,
  type Digits,
  OPTIMIZER_NAMES,
  type OptimizerName,
  Trainer,
} from '../src/index.js';

function tinyDigits(count: number): Digits {
  const images = new Float32Array(count * 784);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 2;
    // Class 0 lights the top half, class 1 the bottom half.
    images.fill(1, i * 784 + (labels[i] === 0 ? 0 : 392), i * 784 + (labels[i] === 0 ? 392 : 784));
  }
  return { images, labels, count };
}

beforeAll(() => {
  setBackend(createJsBackend());
});

describe('Trainer optimizer option', () => {
  test('each name builds its class', () => {
    manualSeed(0);
    const model = createModel();
    const classes: Record<OptimizerName, unknown> = {
      adam: optim.Adam,
      adamw: optim.AdamW,
      sgd: optim.SGD,
      rmsprop: optim.RMSprop,
    };
    for (const name of OPTIMIZER_NAMES) {
      const o = createOptimizer(name, model.parameters(), 1e-3);
      expect(o.constructor).toBe(classes[name]);
    }
    expect(() => createOptimizer('adagrad' as OptimizerName, model.parameters(), 1e-3)).toThrow(
      /unknown optimizer 'adagrad'/,
    );
    model.dispose();
  });

  test.each(OPTIMIZER_NAMES)('%s lowers the loss in a short run', (name) => {
    manualSeed(0);
    const lr = name === 'sgd' ? 0.05 : 1e-3;
    const trainer = new Trainer(createModel(), tinyDigits(64), {
      batch: 16,
      lr,
      seed: 0,
      clipNorm: 1,
      optimizer: name,
    });
    expect(trainer.optimizer).toBeInstanceOf(name === 'adamw' ? optim.AdamW : optim.Optimizer);
    const before = trainer.evaluate(trainer.train).loss;
    for (let i = 0; i < 20; i++) trainer.step();
    expect(trainer.evaluate(trainer.train).loss).toBeLessThan(before * 0.5);
    trainer.dispose();
  });
});
