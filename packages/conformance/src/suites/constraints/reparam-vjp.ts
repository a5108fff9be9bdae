/**
 * The analytic VJPs of the built-in reparametrizations (`transformVjp`) against autograd through `transform`, on
 * the backend under test (its fused `boxTransform` when it has one), on core's fallback (no fused kernels) and on
 * the float64 reference: gradients equal within float32 rounding, and the value equal to `transform(raw)` bit for
 * bit (the optimizer's step compares the two to detect a parameter written by hand). Also a reparametrized step
 * with the analytic VJP against one that differentiates `transform` with autograd, and steps that reuse the
 * derivative the previous step kept against steps that recompute the VJP (the same bits).
 */
import * as cp from '@cp/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { createReferenceBackend } from '../../reference/index.js';
import { bits, onBackend, sameBits, withoutFused } from './helpers.js';

const C = cp.constraints;

/** The reparametrizable built-ins with an analytic VJP, by label. */
const CASES: [string, () => cp.constraints.Constraint][] = [
  ['positive()', () => C.positive()],
  ['positive({ minValue: 0.5 })', () => C.positive({ minValue: 0.5 })],
  ['interval(-1, 3)', () => C.interval(-1, 3)],
  ['interval(100, 100.5)', () => C.interval(100, 100.5)],
  ['greaterThan(2)', () => C.greaterThan(2)],
  ['lessThan(-1)', () => C.lessThan(-1)],
  ['nonNeg()', () => C.nonNeg()],
  ['linfBall(2)', () => C.linfBall(2)],
];

const rawArb = fc
  .integer({ min: 1, max: 40 })
  .chain((n) =>
    fc.tuple(
      fc.float32Array({ minLength: n, maxLength: n, min: -30, max: 30, noNaN: true, noDefaultInfinity: true }),
      fc.float32Array({ minLength: n, maxLength: n, min: -4, max: 4, noNaN: true, noDefaultInfinity: true }),
    ),
  );

/** The VJP of `c.transform` at `raw` applied to `g`, by autograd. */
function autogradVjp(c: cp.constraints.Constraint, raw: Float32Array, g: Float32Array): Float32Array {
  return cp.tidy(() =>
    cp.enableGrad(() => {
      const leaf = cp.tensor(raw).requiresGrad_(true);
      c.transform!(leaf).backward(cp.tensor(g));
      return bits(leaf.grad!);
    }),
  );
}

/** Analytic VJPs of the built-in reparametrizations. */
export function reparamVjpSuite(ctx: SuiteContext): void {
  describe('constraints: analytic VJPs of reparametrizations', () => {
    for (const [where, make] of [
      ['the backend under test', () => ctx.backend()],
      ['core fallbacks', () => withoutFused(ctx.backend())],
      ['float64 reference', () => createReferenceBackend()],
    ] as const) {
      test(`property: transformVjp equals autograd through transform, value bit for bit (${where})`, () => {
        onBackend(make(), () => {
          fc.assert(
            fc.property(rawArb, fc.constantFrom(...CASES), ([raw, g], [label, mk]) =>
              cp.tidy(() => {
                const c = mk();
                expect(typeof c.transformVjp, label).toBe('function');
                const want = autogradVjp(c, raw, g);
                const out = c.transformVjp!(cp.tensor(raw), cp.tensor(g));
                const got = bits(out.grad);
                const value = bits(out.value);
                expect(sameBits(value, bits(cp.noGrad(() => c.transform!(cp.tensor(raw))))), `${label} value`).toBe(
                  true,
                );
                for (let i = 0; i < raw.length; i++) {
                  // NOTE: autograd rounds each float32 op of the composite (a few ulp); the bound is 2^-19 relative.
                  const tol = 2 ** -19 * Math.abs(want[i]) + 1e-30;
                  expect(
                    Math.abs(got[i] - want[i]),
                    `${label} raw ${raw[i]}: ${got[i]} vs ${want[i]}`,
                  ).toBeLessThanOrEqual(tol);
                }
              }),
            ),
            { numRuns: ctx.numRuns, seed: ctx.seed },
          );
        });
      });
    }

    test('a reparametrized Adam step with the analytic VJP matches one through autograd', () => {
      cp.tidy(() => {
        const data = Float32Array.from({ length: 24 }, (_, i) => 0.05 + ((i * 37) % 11) / 4);
        const target = cp.tensor(Float32Array.from({ length: 24 }, (_, i) => ((i * 13) % 7) - 2));
        const run = (c: cp.constraints.Constraint) => {
          const p = new cp.nn.Parameter(cp.tensor(data));
          C.registerConstraint(p, c, { mode: 'reparametrize' });
          const opt = new cp.optim.Adam([p], { lr: 0.05 });
          for (let s = 0; s < 5; s++) {
            opt.zeroGrad();
            p.sub(target).square().sum().backward();
            opt.step();
          }
          return bits(p);
        };
        for (const [label, mk] of CASES) {
          const analytic = run(mk());
          // NOTE: an own `transformVjp: undefined` hides the prototype's, so the step runs autograd instead.
          const viaAutograd = run(Object.defineProperty(mk(), 'transformVjp', { value: undefined }));
          for (let i = 0; i < data.length; i++) {
            expect(Math.abs(analytic[i] - viaAutograd[i]), label).toBeLessThanOrEqual(
              1e-5 * Math.max(1, Math.abs(viaAutograd[i])),
            );
          }
        }
      });
    });

    for (const [where, make] of [
      ['the backend under test', () => ctx.backend()],
      ['core fallbacks', () => withoutFused(ctx.backend())],
    ] as const) {
      test(`steps that reuse the kept derivative match steps that recompute the VJP, bit for bit, also after a hand-written value (${where})`, () => {
        onBackend(make(), () =>
          cp.tidy(() => {
            const data = Float32Array.from({ length: 30 }, (_, i) => ((i * 37) % 11) / 4 - 1);
            const target = cp.tensor(Float32Array.from({ length: 30 }, (_, i) => ((i * 13) % 7) - 2));
            const run = (c: cp.constraints.Constraint) => {
              const p = new cp.nn.Parameter(cp.tensor(data));
              C.registerConstraint(p, c, { mode: 'reparametrize' });
              const opt = new cp.optim.Adam([p], { lr: 0.05 });
              for (let s = 0; s < 6; s++) {
                if (s === 3) cp.noGrad(() => p.copy_(p.add(0.5)));
                opt.zeroGrad();
                p.sub(target).square().sum().backward();
                opt.step();
              }
              return bits(p);
            };
            for (const [label, mk] of CASES) {
              const kept = run(mk());
              // NOTE: an own `transformAndDerivative: undefined` hides the prototype's: no derivative is kept.
              const recomputed = run(Object.defineProperty(mk(), 'transformAndDerivative', { value: undefined }));
              expect(sameBits(kept, recomputed), label).toBe(true);
            }
          }),
        );
      });
    }
  });
}
