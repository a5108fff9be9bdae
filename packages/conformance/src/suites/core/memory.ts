/**
 * Memory: dispose frees at once, views keep storage alive, tidy frees temporaries but keeps what the
 * returned graph needs, backward frees its temporaries, and memory() counts live storage per backend.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';

/** Memory behaviour on the backend under test. */
export function memorySuite(ctx: SuiteContext): void {
  describe('memory', () => {
    const live = () => ctx.backend().stats().handles;

    test('dispose frees the storage and memory() reports it', () => {
      const before = live();
      const x = cp.zeros([1000]);
      expect(live()).toBe(before + 1);
      expect(cp.memory().byBackend[ctx.backend().name].bytes).toBeGreaterThanOrEqual(4000);
      x.dispose();
      expect(live()).toBe(before);
    });

    test('disposing the result of matmul or a reduction frees its storage at once', () => {
      const a = cp.randn([3, 4]);
      const b = cp.randn([4, 5]);
      const v = cp.randn([4]);
      const before = live();
      const results = [a.matmul(b), v.matmul(b), a.sum(1), a.max(0), a.mean()];
      for (const t of results) t.dispose();
      expect(live()).toBe(before);
      for (const t of [a, b, v]) t.dispose();
    });

    test('a view keeps shared storage alive until the last view is disposed', () => {
      const before = live();
      const x = cp.zeros([2, 3]);
      const v = x.reshape(3, 2);
      x.dispose();
      expect(live()).toBe(before + 1);
      expect(v.toArray()).toEqual([
        [0, 0],
        [0, 0],
        [0, 0],
      ]);
      v.dispose();
      expect(live()).toBe(before);
    });

    test('tidy frees every temporary and keeps the result', () => {
      const before = live();
      const out = cp.tidy(() => {
        const a = cp.ones([10]);
        return a.mul(2).add(1).exp().sum();
      });
      expect(live()).toBe(before + 1);
      out.dispose();
      expect(live()).toBe(before);
    });

    test('keep() saves a tensor from the enclosing tidy', () => {
      const before = live();
      let kept: cp.Tensor | null = null;
      cp.tidy(() => {
        kept = cp.keep(cp.ones([3]));
        cp.ones([3]);
      });
      expect(live()).toBe(before + 1);
      kept!.dispose();
    });

    test('a loss returned from tidy can still backpropagate; its graph is freed by the outer scope', () => {
      const before = live();
      const w = cp.ones([4], { requiresGrad: true });
      cp.tidy(() => {
        const loss = cp.tidy(() => w.mul(3).exp().sum());
        loss.backward();
      });
      expect(w.grad!.dataSync()[0]).toBeCloseTo(3 * Math.exp(3), 3);
      w.grad!.dispose();
      w.dispose();
      expect(live()).toBe(before);
    });

    test('backward frees its temporaries and leaves only the leaves gradients behind', () => {
      const x = cp.randn([8, 8], { requiresGrad: true });
      const y = x.matmul(x).tanh().softmax().sum();
      const before = live();
      cp.tidy(() => y.backward());
      expect(live()).toBe(before + 1);
      cp.tidy(() => [x.dispose(), y.dispose(), x.grad!.dispose()]);
    });

    test('step tensors are released by the backward of the step after next, unless kept', () => {
      const w = cp.ones([3], { requiresGrad: true });
      const step = () => {
        const loss = w.mul(2).sum();
        loss.backward();
        return loss;
      };
      const first = step();
      const metric = first.detach().mul(2);
      const kept = cp.keep(w.mul(5));
      const second = step();
      expect(first.isDisposed).toBe(true);
      expect(metric.item()).toBe(12);
      step();
      expect(metric.isDisposed).toBe(true);
      expect(() => metric.item()).toThrow(/released automatically.*keep\(t\)/);
      expect(second.isDisposed).toBe(true);
      expect(kept.toArray()).toEqual([5, 5, 5]);
      expect(w.grad!.toArray()).toEqual([6, 6, 6]);
    });

    test('the obvious training loop (no tidy, no dispose, never yielding) keeps memory flat', () => {
      const model = new cp.nn.Sequential(new cp.nn.Linear(8, 16), new cp.nn.ReLU(), new cp.nn.Linear(16, 3));
      const opt = new cp.optim.Adam(model.parameters(), { lr: 1e-2 });
      const x = cp.randn([12, 8]);
      const y = cp.randint(0, 3, [12]);
      let handlesAtStep50 = 0;
      for (let step = 0; step < 300; step++) {
        const logits = model.call(x);
        const loss = cp.nn.functional.crossEntropy(logits, y);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        expect(Number.isFinite(loss.item() + logits.argmax(1).eq(y).float().mean().item())).toBe(true);
        if (step === 50) handlesAtStep50 = live();
      }
      expect(live()).toBe(handlesAtStep50);
    });

    test('a training loop in tidy keeps memory flat over many steps', () => {
      const w = cp.randn([16, 4], { requiresGrad: true });
      const x = cp.randn([32, 16]);
      const step = () =>
        cp.tidy(() => {
          const loss = x.matmul(w).relu().square().mean();
          loss.backward();
          cp.noGrad(() => w.copy_(w.sub(w.grad!.mul(0.01))));
          w.grad!.zero_();
        });
      step();
      const before = live();
      for (let i = 0; i < 200; i++) step();
      expect(live()).toBe(before);
    });
  });
}
