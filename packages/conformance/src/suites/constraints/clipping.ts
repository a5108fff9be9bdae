/** Gradient clipping: clipGradNorm's bound, return value and overflow safety; non-finite policy; clipGradValue. */
import * as cp from '@cp/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { bits, param, sameBits, shapedArb } from './helpers.js';

const C = cp.constraints;

/** Clipping behaviour on the backend under test. */
export function clippingSuite(ctx: SuiteContext): void {
  describe('constraints: gradient clipping', () => {
    test('property: after clipGradNorm the total norm is at most the bound, and the returned norm is the norm before', () => {
      const arb = fc.record({
        grads: fc.array(shapedArb, { minLength: 1, maxLength: 4 }),
        maxNorm: fc.double({ min: 0.01, max: 10, noNaN: true }),
        normType: fc.constantFrom(1, 2, 3, Infinity),
        nulls: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      });
      fc.assert(
        fc.property(arb, ({ grads, maxNorm, normType, nulls }) =>
          cp.tidy(() => {
            const ps = grads.map(({ shape, data }, i) => {
              const p = new cp.nn.Parameter(cp.zeros(shape));
              if (!nulls[i] || i === 0) p.grad = cp.tensor(data, { shape });
              return p;
            });
            const flat = ps.flatMap((p) => (p.grad ? Array.from(p.grad.dataSync()) : []));
            const expected =
              normType === Infinity
                ? Math.max(0, ...flat.map(Math.abs))
                : flat.reduce((s, v) => s + Math.abs(v) ** normType, 0) ** (1 / normType);
            const total = C.clipGradNorm(ps, maxNorm, { normType });
            expect(total).toBeCloseTo(expected, 4);
            const after = C.totalNorm(
              ps.flatMap((p) => (p.grad ? [p.grad] : [])),
              normType,
            );
            expect(after).toBeLessThanOrEqual(maxNorm * (1 + 1e-5));
            for (const p of ps) p.grad?.dispose();
          }),
        ),
        { numRuns: ctx.numRuns, seed: ctx.seed },
      );
    });

    test('clipGradNorm is overflow-safe: gradients near float32 max give a finite norm', () =>
      cp.tidy(() => {
        const p = param([0, 0]);
        p.grad = cp.tensor([3e38, 3e38]);
        const total = C.clipGradNorm([p], 1);
        expect(total).toBeCloseTo(3e38 * Math.SQRT2, -32);
        expect(p.grad.norm().item()).toBeLessThanOrEqual(1 + 1e-5);
      }));

    test('non-finite gradients raise with errorIfNonfinite and no gradient changes; otherwise they become NaN', () =>
      cp.tidy(() => {
        const a = param([0, 0]);
        const b = param([0]);
        a.grad = cp.tensor([1, 2]);
        b.grad = cp.tensor([Number.POSITIVE_INFINITY]);
        const before = bits(a.grad);
        expect(() => C.clipGradNorm([a, b], 1, { errorIfNonfinite: true })).toThrow(
          /non-finite gradients of shape \[1\]/,
        );
        expect(sameBits(bits(a.grad), before)).toBe(true);
        expect(C.clipGradNorm([a, b], 1)).toBe(Number.POSITIVE_INFINITY);
      }));

    test('null gradients are skipped (the blog post example crashed on them)', () =>
      cp.tidy(() => {
        const a = param([1]);
        const b = param([2]);
        b.grad = cp.tensor([10]);
        expect(C.clipGradNorm([a, b], 1)).toBeCloseTo(10, 5);
        C.clipGradValue([a, b], 0.5);
        expect(a.grad).toBeNull();
        expect(b.grad.item()).toBeCloseTo(0.5, 6);
      }));

    test('clipGradValue clamps every element into [-v, v], and nn.utils exposes both', () =>
      cp.tidy(() => {
        const a = param([0, 0, 0]);
        a.grad = cp.tensor([-3, 0.2, 9]);
        cp.nn.utils.clipGradValue([a], 1);
        expect(a.grad.toArray()).toEqual([-1, Math.fround(0.2), 1]);
        expect(cp.nn.utils.clipGradNorm).toBe(C.clipGradNorm);
      }));
  });
}
