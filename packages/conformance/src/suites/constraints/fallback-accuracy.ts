/**
 * Core's projection fallbacks (backends without the fused kernels) at realistic sizes, 1e3 and 1e5 elements per
 * slice, against float64 references: simplex and l1Ball within 1e-6·s (relative to the radius), maxNorm within
 * 2^-22 relative; feasible slices come back bit for bit. Also inputs 1e17 times the radius on the fused kernels,
 * the fallbacks and the float64 reference backend.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { createReferenceBackend } from '../../reference/index.js';
import { onBackend, sameBits, withoutFused } from './helpers.js';
import { l1Ball64, l2Ball64, simplex64 } from './reference-projections.js';

const C = cp.constraints;

/** Float32 normal(0, scale) data of n elements from cp's seeded generator. */
function data(n: number, seed: number, scale = 1): number[] {
  return Array.from(
    cp.tidy(() =>
      cp
        .randn([n], { generator: new cp.Generator(seed) })
        .mul(scale)
        .dataSync(),
    ),
  );
}

function maxAbsDiff(a: ArrayLike<number>, b: readonly number[]): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Core's fallbacks at 1e3 and 1e5 elements. */
export function fallbackAccuracySuite(ctx: SuiteContext): void {
  describe('constraints: core fallbacks are exact at realistic sizes', () => {
    for (const n of [1_000, 100_000]) {
      test(`simplex and l1Ball of ${n} elements equal the float64 projection within 1e-6 of the radius`, () => {
        onBackend(withoutFused(ctx.backend()), () => {
          for (const [seed, s] of [
            [1, 1],
            [2, 30],
          ]) {
            const x = data(n, seed, 2);
            const ys = cp.tidy(() => C.simplex({ sum: s }).project(cp.tensor(x)).dataSync());
            expect(maxAbsDiff(ys, simplex64(s)(x)) / s, `simplex(${s})`).toBeLessThanOrEqual(1e-6);
            expect(cp.tidy(() => C.simplex({ sum: s }).check(cp.tensor(Float32Array.from(ys))).ok)).toBe(true);
            const yl = cp.tidy(() => C.l1Ball(s).project(cp.tensor(x)).dataSync());
            expect(maxAbsDiff(yl, l1Ball64(s)(x)) / s, `l1Ball(${s})`).toBeLessThanOrEqual(1e-6);
            expect(cp.tidy(() => C.l1Ball(s).check(cp.tensor(Float32Array.from(yl))).ok)).toBe(true);
          }
        });
      });

      test(`maxNorm of ${n} elements equals the float64 projection, and feasible slices come back bit for bit`, () => {
        onBackend(withoutFused(ctx.backend()), () => {
          const x = data(n, 3);
          const norm = Math.sqrt(x.reduce((a, v) => a + v * v, 0));
          const y = cp.tidy(() => Array.from(C.maxNorm(1).project(cp.tensor(x)).dataSync()));
          expect(maxAbsDiff(y, l2Ball64(1)(x)), 'maxNorm(1)').toBeLessThanOrEqual(
            2 ** -22 * y.reduce((a, v) => Math.max(a, Math.abs(v)), 0),
          );
          // Radii just above the exact float64 norm: the slice is feasible and must not be rescaled.
          for (const k of [1, 1 + 1e-7, 1 + 1e-6]) {
            const input = Float32Array.from(x);
            const out = cp.tidy(
              () =>
                C.maxNorm(norm * k)
                  .project(cp.tensor(input))
                  .dataSync() as Float32Array,
            );
            expect(sameBits(out, input), `maxNorm(norm·${k})`).toBe(true);
            const l1 = x.reduce((a, v) => a + Math.abs(v), 0);
            const outL1 = cp.tidy(
              () =>
                C.l1Ball(l1 * k)
                  .project(cp.tensor(input))
                  .dataSync() as Float32Array,
            );
            expect(sameBits(outL1, input), `l1Ball(l1·${k})`).toBe(true);
          }
        });
      });
    }

    for (const [name, make] of [
      ['fused kernels', () => ctx.backend()],
      ['core fallbacks', () => withoutFused(ctx.backend())],
      ['float64 reference', () => createReferenceBackend()],
    ] as const) {
      test(`simplex and l1Ball keep the radius for inputs 1e17 times larger (${name})`, () => {
        onBackend(make(), () =>
          cp.tidy(() => {
            expect(
              Array.from(
                C.simplex()
                  .project(cp.tensor([3e17, 1, 2]))
                  .dataSync(),
              ),
            ).toEqual([1, 0, 0]);
            expect(
              Array.from(
                C.simplex({ sum: 2 })
                  .project(cp.tensor([1, -4e18, 5e17]))
                  .dataSync(),
              ),
            ).toEqual([0, 0, 2]);
            expect(
              Array.from(
                C.l1Ball(1)
                  .project(cp.tensor([-3e17, 1]))
                  .dataSync(),
              ),
            ).toEqual([-1, 0]);
          }),
        );
      });
    }
  });
}
