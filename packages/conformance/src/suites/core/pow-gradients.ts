/**
 * pow's gradients at the points where the textbook formulas give 0 * Infinity: the values below were
 * computed with PyTorch 2 (`torch.pow` backward, float32) and are matched exactly, Infinity and NaN
 * included. PyTorch's rules: d/dx x^y is 0 where y == 0; d/dy x^y is 0 where x == 0 and y >= 0; a scalar
 * base b gives d/dy b^y = 0 where b == 0 and y >= 0.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';

const INF = Number.POSITIVE_INFINITY;

/** pow gradients against PyTorch at zero bases and zero exponents. */
export function powGradientsSuite(_ctx: SuiteContext): void {
  describe('pow gradients', () => {
    test('x ** 0 has gradient 0 everywhere, x = 0 included (PyTorch)', () => {
      const x = cp.tensor([0, 2, -2], { requiresGrad: true });
      x.pow(0).sum().backward();
      expect(x.grad!.toArray()).toEqual([0, 0, 0]);
    });

    test('x ** s at x = 0 matches PyTorch for scalar exponents', () => {
      const cases: [number, number[]][] = [
        [2, [0, 4, -4]],
        [-1, [-INF, -0.25, -0.25]],
        [1, [1, 1, 1]],
      ];
      for (const [s, want] of cases) {
        const x = cp.tensor([0, 2, -2], { requiresGrad: true });
        x.pow(s).sum().backward();
        expect(x.grad!.toArray(), `exponent ${s}`).toEqual(want);
      }
      const x = cp.tensor([0], { requiresGrad: true });
      x.pow(0.5).sum().backward();
      expect(x.grad!.toArray()).toEqual([INF]);
    });

    test('x ** y with tensor base and exponent matches PyTorch at zeros', () => {
      const x = cp.tensor([0, 0, 0, 0, 2, -2, 0.5], { requiresGrad: true });
      const y = cp.tensor([0, 2, -1, 0.5, 0, 3, -2], { requiresGrad: true });
      x.pow(y).sum().backward();
      expect(x.grad!.toArray()).toEqual([0, 0, -INF, INF, 0, 12, -16]);
      const gy = y.grad!.toArray() as number[];
      expect(gy.slice(0, 4)).toEqual([0, 0, -INF, 0]);
      expect(gy[4]).toBeCloseTo(Math.LN2, 6);
      expect(gy[5]).toBeNaN();
      expect(gy[6]).toBeCloseTo(-4 * Math.LN2, 5);
    });

    test('b ** y with a scalar base has PyTorch gradients, b = 0 included', () => {
      const cases: [number, number[]][] = [
        [0, [0, 0, -INF, 0]],
        [1, [0, 0, 0, 0]],
      ];
      for (const [b, want] of cases) {
        const y = cp.tensor([0, 2, -1, 0.5], { requiresGrad: true });
        cp.pow(b, y).sum().backward();
        expect(y.grad!.toArray(), `base ${b}`).toEqual(want);
      }
      const y = cp.tensor([0, 2], { requiresGrad: true });
      cp.pow(2, y).sum().backward();
      const g = y.grad!.toArray() as number[];
      expect(g[0]).toBeCloseTo(Math.LN2, 6);
      expect(g[1]).toBeCloseTo(4 * Math.LN2, 5);
    });
  });
}
