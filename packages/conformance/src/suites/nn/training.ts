/**
 * End to end: small models trained with plain gradient steps written under `noGrad` (the optimizers are
 * tested in their own suite) learn XOR and a linearly separable set, and a training loop leaks no storage.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';

const { nn, F } = cp;

/** One plain gradient-descent step: `p -= lr·grad` for every parameter, then clears the gradients. */
function sgdStep(model: cp.nn.Module, lr: number): void {
  cp.noGrad(() =>
    cp.tidy(() => {
      for (const p of model.parameters()) if (p.grad) p.copy_(p.sub(p.grad.mul(lr)));
    }),
  );
  model.zeroGrad();
}

/** Training behaviour. */
export function nnTrainingSuite(ctx: SuiteContext): void {
  describe('nn training', () => {
    test('an MLP learns XOR with binaryCrossEntropyWithLogits and plain gradient steps', () => {
      cp.manualSeed(0);
      const model = new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Linear(8, 1));
      const x = cp.tensor([
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ]);
      const y = cp.tensor([[0], [1], [1], [0]]);
      let loss = Infinity;
      for (let step = 0; step < 500; step++) {
        loss = cp.tidy(() => {
          const l = F.binaryCrossEntropyWithLogits(model.call(x), y);
          l.backward();
          return l.item();
        });
        sgdStep(model, 0.5);
      }
      expect(loss).toBeLessThan(0.05);
      const predictions = cp.tidy(() => Array.from(model.call(x).gt(0).toArray() as boolean[][]).map(([v]) => v));
      expect(predictions).toEqual([false, true, true, false]);
      model.dispose();
      x.dispose();
      y.dispose();
    });

    test('a softmax classifier separates three clusters with crossEntropy', () => {
      cp.manualSeed(1);
      const centers = [
        [2, 0],
        [-2, 2],
        [-2, -2],
      ];
      const points: number[][] = [];
      const labels: number[] = [];
      for (let i = 0; i < 60; i++) {
        const c = i % 3;
        points.push([centers[c][0] + Math.cos(i) * 0.5, centers[c][1] + Math.sin(i * 1.7) * 0.5]);
        labels.push(c);
      }
      const x = cp.tensor(points);
      const t = cp.tensor(labels, { dtype: 'int32' });
      const model = new nn.Linear(2, 3);
      for (let step = 0; step < 100; step++) {
        cp.tidy(() => F.crossEntropy(model.call(x), t).backward());
        sgdStep(model, 0.5);
      }
      const accuracy = cp.tidy(() => model.call(x).argmax(1).eq(t).float().mean().item());
      expect(accuracy).toBe(1);
      model.dispose();
      x.dispose();
      t.dispose();
    });

    test('a training loop in tidy frees every temporary; disposing the model frees the rest', () => {
      const live = () => ctx.backend().stats().handles;
      const before = live();
      const model = new nn.Sequential(
        new nn.Linear(3, 4),
        new nn.GELU(),
        new nn.LayerNorm(4),
        new nn.Dropout(0.2),
        new nn.Linear(4, 2),
      );
      const afterBuild = live();
      expect(afterBuild - before).toBe(model.parameters().length);
      for (let step = 0; step < 3; step++) {
        cp.tidy(() => {
          const x = cp.randn([5, 3]);
          const loss = F.crossEntropy(model.call(x), cp.tensor([0, 1, 1, 0, 1], { dtype: 'int32' }), {
            labelSmoothing: 0.1,
          });
          loss.backward();
        });
        sgdStep(model, 0.1);
        expect(live()).toBe(afterBuild);
      }
      cp.tidy(() => {
        const sd = model.stateDict();
        model.loadStateDict(sd);
      });
      expect(live()).toBe(afterBuild);
      model.dispose();
      expect(live()).toBe(before);
    });
  });
}
