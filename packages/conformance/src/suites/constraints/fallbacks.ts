/**
 * Fused projection kernels against core's composite fallbacks: the same backend with its fused kernels
 * removed must give the same projections (within float32 rounding).
 */
import * as cp from '@cp/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { constraintArb, maxDiff, onBackend, shapedArb, withoutFused } from './helpers.js';

/** Fused vs fallback projections on the backend under test. */
export function fallbacksSuite(ctx: SuiteContext): void {
  describe('constraints: fused kernels equal the core fallbacks', () => {
    test('property: every built-in projects the same with and without the fused kernels', () => {
      const arb = shapedArb.chain(({ shape, data }) => constraintArb(shape.length).map((c) => ({ shape, data, c })));
      fc.assert(
        fc.property(arb, ({ shape, data, c }) => {
          const a = cp.tidy(() => Array.from(c.make().project(cp.tensor(data, { shape })).dataSync()));
          const b = onBackend(withoutFused(ctx.backend()), () =>
            cp.tidy(() => Array.from(c.make().project(cp.tensor(data, { shape })).dataSync())),
          );
          expect(maxDiff(a, b), c.label).toBeLessThanOrEqual(2e-6 * Math.max(1, ...a.map(Math.abs)));
          expect(
            c.make().check(cp.tidy(() => cp.tensor(Float32Array.from(b), { shape }))).ok,
            `${c.label} fallback result is feasible`,
          ).toBe(true);
        }),
        { numRuns: ctx.numRuns, seed: ctx.seed },
      );
    });
  });
}
