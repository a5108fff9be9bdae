/**
 * Autograd mechanics: accumulation across backward calls, graph release and retainGraph, noGrad and
 * enableGrad, detach, hooks, retainGrad, deep graphs (no recursion limit), and gradient values of a few
 * expressions worked by hand.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';

/** Autograd behaviour. */
export function autogradSuite(_ctx: SuiteContext): void {
  describe('autograd', () => {
    test('the gradient of sum(x * x + 3x) is 2x + 3', () => {
      const x = cp.tensor([1, -2, 0.5], { requiresGrad: true });
      x.mul(x).add(x.mul(3)).sum().backward();
      expect(x.grad!.toArray()).toEqual([5, -1, 4]);
    });

    test('gradients accumulate across backward calls until cleared', () => {
      const x = cp.tensor([1, 2], { requiresGrad: true });
      x.mul(2).sum().backward();
      x.mul(3).sum().backward();
      expect(x.grad!.toArray()).toEqual([5, 5]);
      x.grad = null;
      x.sum().backward();
      expect(x.grad!.toArray()).toEqual([1, 1]);
    });

    test("a leaf takes a rule's new gradient as its .grad without a copy, and shared gradients stay apart", () => {
      const x = cp.tensor([1, 2, 3, 4, 5, 6]).reshape(2, 3);
      const w = cp.tensor([0.5, -1, 2]).reshape(1, 3).requiresGrad_();
      const b = cp.tensor([0.25]).requiresGrad_();
      const p = cp.profile(() => cp.F.linear(x, w, b).sum().backward());
      expect(p.rows.some((r) => r.op === 'clone')).toBe(false);
      expect(w.grad!.toArray()).toEqual([[5, 7, 9]]);
      expect(b.grad!.toArray()).toEqual([2]);
      cp.F.linear(x, w, b).sum().backward();
      expect(w.grad!.toArray()).toEqual([[10, 14, 18]]);
      expect(b.grad!.toArray()).toEqual([4]);
      // add hands one gradient to both inputs, and a reshape's gradient is a view: each leaf gets its own copy.
      const [u, v] = [cp.tensor([1, 2], { requiresGrad: true }), cp.tensor([3, 4], { requiresGrad: true })];
      for (let i = 0; i < 2; i++) u.add(v).reshape(2, 1).sum().backward();
      expect([u.grad!.toArray(), v.grad!.toArray()]).toEqual([
        [2, 2],
        [2, 2],
      ]);
      const s = cp.tensor([1, 2], { requiresGrad: true });
      const kept = s.mul(3);
      kept.retainGrad();
      kept.mul(2).sum().backward(undefined, { retainGraph: true });
      kept.mul(2).sum().backward();
      expect([kept.grad!.toArray(), s.grad!.toArray()]).toEqual([
        [4, 4],
        [12, 12],
      ]);
    });

    test('a second backward through a freed graph is an error unless retainGraph was passed', () => {
      const x = cp.tensor([1, 2], { requiresGrad: true });
      const y = x.exp().sum();
      y.backward();
      expect(() => y.backward()).toThrow(/retainGraph/);
      const z = x.exp().sum();
      z.backward(undefined, { retainGraph: true });
      z.backward();
      expect(x.grad!.dataSync()[0]).toBeCloseTo(3 * Math.E, 4);
    });

    test('backward with an explicit gradient weights the outputs', () => {
      const x = cp.tensor([1, 2], { requiresGrad: true });
      x.mul(x).backward(cp.tensor([1, 10]));
      expect(x.grad!.toArray()).toEqual([2, 40]);
    });

    test('noGrad records nothing and enableGrad re-enables inside it', () => {
      const x = cp.tensor([1], { requiresGrad: true });
      const y = cp.noGrad(() => x.mul(2));
      expect(y.requiresGrad).toBe(false);
      const z = cp.noGrad(() => cp.enableGrad(() => x.mul(2)));
      expect(z.requiresGrad).toBe(true);
      expect(cp.isGradEnabled()).toBe(true);
    });

    test('detach cuts the graph', () => {
      const x = cp.tensor([3], { requiresGrad: true });
      x.mul(x.detach()).sum().backward();
      expect(x.grad!.toArray()).toEqual([3]);
    });

    test('a hook sees the gradient and can replace it; remove() stops it', () => {
      const x = cp.tensor([1, 2], { requiresGrad: true });
      const seen: number[][] = [];
      const handle = x.registerHook((g) => {
        seen.push(Array.from(g.dataSync()));
        return g.mul(10);
      });
      x.mul(2).sum().backward();
      expect(seen).toEqual([[2, 2]]);
      expect(x.grad!.toArray()).toEqual([20, 20]);
      handle.remove();
      x.grad = null;
      x.mul(2).sum().backward();
      expect(x.grad!.toArray()).toEqual([2, 2]);
    });

    test('retainGrad keeps the gradient of an intermediate', () => {
      const x = cp.tensor([1, 2], { requiresGrad: true });
      const y = x.mul(3).retainGrad();
      y.mul(y).sum().backward();
      expect(y.grad!.toArray()).toEqual([6, 12]);
      expect(x.grad!.toArray()).toEqual([18, 36]);
    });

    test('a graph 20,000 ops deep backpropagates without a stack overflow', () => {
      const x = cp.tensor([1], { requiresGrad: true });
      let y = x;
      for (let i = 0; i < 20000; i++) y = y.add(0.0001);
      y.sum().backward();
      expect(x.grad!.toArray()).toEqual([1]);
    });

    test('a tensor used twice gets both gradient contributions', () => {
      const x = cp.tensor([2], { requiresGrad: true });
      const y = x.mul(x).add(x.exp());
      y.sum().backward();
      expect(x.grad!.dataSync()[0]).toBeCloseTo(4 + Math.exp(2), 4);
    });

    test('broadcast operands get their gradient summed back to their own shape', () => {
      const a = cp.ones([2, 3], { requiresGrad: true });
      const b = cp.tensor([1, 2, 3], { requiresGrad: true });
      a.mul(b).sum().backward();
      expect(b.grad!.toArray()).toEqual([2, 2, 2]);
      expect(a.grad!.toArray()).toEqual([
        [1, 2, 3],
        [1, 2, 3],
      ]);
    });

    test('relu has gradient 0 at 0 and clamp has gradient 1 on its bound', () => {
      const x = cp.tensor([-1, 0, 1], { requiresGrad: true });
      x.relu().sum().backward();
      expect(x.grad!.toArray()).toEqual([0, 0, 1]);
      const y = cp.tensor([-1, 0, 1], { requiresGrad: true });
      y.clamp(0, 1).sum().backward();
      expect(y.grad!.toArray()).toEqual([0, 1, 1]);
    });

    test('norm has gradient 0 at the zero vector and prod handles zeros exactly', () => {
      const z = cp.zeros([3], { requiresGrad: true });
      z.norm().backward();
      expect(z.grad!.toArray()).toEqual([0, 0, 0]);
      const p = cp.tensor([2, 0, 3], { requiresGrad: true });
      p.prod().backward();
      expect(p.grad!.toArray()).toEqual([0, 6, 0]);
    });

    test('gradcheck reports a wrong gradient', () => {
      const bad = (x: cp.Tensor) => {
        const y = x.mul(2);
        if (y.requiresGrad) y.registerHook((g) => g.mul(3));
        return y;
      };
      expect(cp.gradcheck(bad, [cp.tensor([1, 2])]).ok).toBe(false);
      expect(cp.gradcheck((x) => x.mul(2), [cp.tensor([1, 2])]).ok).toBe(true);
    });
  });
}
