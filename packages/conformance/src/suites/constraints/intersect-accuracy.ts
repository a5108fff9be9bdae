/**
 * `intersect()` is the projection it documents: for each pair with a closed form (a box with the simplex, the
 * L1 ball or the L2 ball) and for a pair solved by Dykstra's algorithm, hundreds of random cases are compared
 * with an independent float64 projection (reference-projections.ts: the KKT form solved by plain bisection for
 * the box pairs, Dykstra in float64 to 1e-13 for the others). Only genuinely empty intersections raise.
 *
 * Documented bounds, relative to max(1, max|x|): closed forms within 1e-6 (float32 rounding of an exact float64
 * result), Dykstra within 1e-4 (its stopping tolerance 1e-6 on the increments, in float32).
 */
import * as cp from '@cp/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { onBackend, withoutFused } from './helpers.js';
import {
  boxL1Ball64,
  boxL2Ball64,
  boxSimplex64,
  dykstra64,
  l1Ball64,
  l2Ball64,
  type Projection64,
} from './reference-projections.js';

const C = cp.constraints;

/** One random case of a pair: the constraint, its float64 projection, and the input. */
interface PairCase {
  c: cp.constraints.Constraint;
  ref: Projection64;
  x: number[];
}

/** The float64 Dykstra projection onto the intersection of `sets` (asserted to converge). */
function viaDykstra(sets: Projection64[]): Projection64 {
  return (x) => {
    const r = dykstra64(x, sets);
    if (!r.converged) throw new Error('the float64 Dykstra reference did not converge');
    return r.y;
  };
}

const f32 = Math.fround;
/** Log-uniform float32 sizes in [lo, hi], so radii and inputs span several orders of magnitude. */
const logUniform = (lo: number, hi: number) =>
  fc.double({ min: Math.log(lo), max: Math.log(hi), noNaN: true }).map((v) => f32(Math.exp(v)));
/** An input of n elements at a random scale in [0.1, 100]. */
const inputArb = (n: number) =>
  fc
    .tuple(logUniform(0.1, 100), fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n, maxLength: n }))
    .map(([s, v]) => v.map((e) => f32(s * e)));
const sizeArb = fc.integer({ min: 1, max: 12 });
const radiusArb = logUniform(0.01, 30);

const pairs: { label: string; arb: fc.Arbitrary<PairCase>; bound: number }[] = [
  {
    label: 'nonNeg with l2Ball',
    arb: fc
      .tuple(sizeArb, radiusArb)
      .chain(([n, r]) =>
        inputArb(n).map((x) => ({ c: C.intersect(C.nonNeg(), C.l2Ball(r)), ref: boxL2Ball64(0, Infinity, r), x })),
      ),
    bound: 1e-6,
  },
  {
    label: 'l1Ball with linfBall',
    arb: fc
      .tuple(sizeArb, radiusArb, radiusArb)
      .chain(([n, r, b]) =>
        inputArb(n).map((x) => ({ c: C.intersect(C.l1Ball(r), C.linfBall(b)), ref: boxL1Ball64(-b, b, r), x })),
      ),
    bound: 1e-6,
  },
  {
    label: 'l2Ball with linfBall',
    arb: fc
      .tuple(sizeArb, radiusArb, radiusArb)
      .chain(([n, r, b]) =>
        inputArb(n).map((x) => ({ c: C.intersect(C.l2Ball(r), C.linfBall(b)), ref: boxL2Ball64(-b, b, r), x })),
      ),
    bound: 1e-6,
  },
  {
    label: 'simplex with clamp(0, b) (non-empty: n·b >= sum)',
    arb: fc.tuple(sizeArb, radiusArb, fc.double({ min: 1.001, max: 1.5, noNaN: true })).chain(([n, s, k]) => {
      const b = f32((k * s) / n);
      return inputArb(n).map((x) => ({
        c: C.intersect(C.simplex({ sum: s }), C.clamp(0, b)),
        ref: boxSimplex64(0, b, s),
        x,
      }));
    }),
    bound: 1e-6,
  },
  {
    label: 'l1Ball with clamp(lo, hi) around 0',
    arb: fc
      .tuple(sizeArb, radiusArb, radiusArb, radiusArb)
      .chain(([n, r, a, b]) =>
        inputArb(n).map((x) => ({ c: C.intersect(C.l1Ball(r), C.clamp(-a, b)), ref: boxL1Ball64(-a, b, r), x })),
      ),
    bound: 1e-6,
  },
  {
    label: 'l1Ball with l2Ball (Dykstra)',
    arb: fc.tuple(fc.integer({ min: 1, max: 6 }), logUniform(0.5, 3), logUniform(0.5, 3)).chain(([n, r, b]) =>
      inputArb(n).map((x) => ({
        c: C.intersect(C.l1Ball(r), C.l2Ball(b)),
        ref: viaDykstra([l1Ball64(r), l2Ball64(b)]),
        x,
      })),
    ),
    bound: 1e-4,
  },
];

function relError(y: ArrayLike<number>, ref: readonly number[], x: readonly number[]): number {
  let e = 0;
  for (let i = 0; i < ref.length; i++) e = Math.max(e, Math.abs(y[i] - ref[i]));
  return e / Math.max(1, ...x.map(Math.abs));
}

/** intersect() against float64 projections on the backend under test. */
export function intersectAccuracySuite(ctx: SuiteContext): void {
  describe('constraints: intersect() is the projection onto the intersection', () => {
    for (const { label, arb, bound } of pairs) {
      test(`property: ${label} equals the float64 projection within ${bound} (relative), 250 cases`, () => {
        fc.assert(
          fc.property(arb, ({ c, ref, x }) =>
            cp.tidy(() => {
              const y = c.project(cp.tensor(Float32Array.from(x))).dataSync();
              expect(relError(y, ref(x), x), `${c} on [${x}]`).toBeLessThanOrEqual(bound);
            }),
          ),
          { numRuns: 250, seed: ctx.seed },
        );
      });
    }

    test('the documented examples: l1Ball(1.8) with linfBall(0.9) on [-3.9, -1.2], simplex with clamp(0, 0.33)', () =>
      cp.tidy(() => {
        const a = C.intersect(C.l1Ball(1.8), C.linfBall(0.9)).project(cp.tensor([-3.9, -1.2]));
        expect(Array.from(a.dataSync())).toEqual([f32(-0.9), f32(-0.9)]);
        const x = [-1, 1, 4, -5];
        const b = C.intersect(C.simplex(), C.clamp(0, 0.33)).project(cp.tensor(x)).dataSync();
        expect(relError(b, boxSimplex64(0, f32(0.33), 1)(x), x)).toBeLessThanOrEqual(1e-6);
      }));

    test('per-slice sets: maxNorm over dim 1 with nonNeg projects each row exactly', () =>
      cp.tidy(() => {
        const rows = [
          [3, -4, 1],
          [0.1, 0.2, -0.3],
          [-1, -2, -3],
        ];
        const y = C.intersect(C.maxNorm(1, { dim: 1 }), C.nonNeg())
          .project(cp.tensor(rows))
          .toArray() as number[][];
        rows.forEach((r, i) => {
          expect(relError(y[i], boxL2Ball64(0, Infinity, 1)(r), r), `row ${i}`).toBeLessThanOrEqual(1e-6);
        });
      }));

    test('a box with a set has the same exact projection on the core fallbacks', () => {
      const x = [2.5, -1, 0.25, 4, -3];
      const c = C.intersect(C.simplex({ sum: 2 }), C.clamp(0, 0.6));
      const y = onBackend(withoutFused(ctx.backend()), () => cp.tidy(() => c.project(cp.tensor(x)).dataSync()));
      expect(relError(y, boxSimplex64(0, f32(0.6), 2)(x), x)).toBeLessThanOrEqual(1e-6);
    });

    test('only genuinely empty intersections raise a ConstraintError, at the registration', () =>
      cp.tidy(() => {
        const simplexBox = C.intersect(C.simplex(), C.clamp(0, 0.2));
        expect(() => simplexBox.project(cp.tensor([1, 2, 3, 4]))).toThrow(C.ConstraintError);
        expect(() => simplexBox.project(cp.tensor([1, 2, 3, 4]))).toThrow(/do not intersect on slices of 4 elements/);
        // Five elements of at most 0.2 can sum to 1: the point [0.2, ...] (within rounding) is the projection.
        for (const v of simplexBox.project(cp.tensor([9, -9, 0, 1, 2])).dataSync()) expect(v).toBeCloseTo(0.2, 6);
        const l2Box = C.intersect(C.l2Ball(1), C.clamp(0.6, 1));
        expect(() => l2Box.project(cp.tensor([0, 0, 0]))).toThrow(C.ConstraintError);
        expect(() => l2Box.project(cp.tensor([0, 0]))).not.toThrow();
        const l1Box = C.intersect(C.l1Ball(1), C.clamp(0.3, 1));
        expect(() => l1Box.project(cp.tensor([1, 1, 1, 1]))).toThrow(C.ConstraintError);
        expect(() => l1Box.project(cp.tensor([1, 1, 1]))).not.toThrow();
        const p = new cp.nn.Parameter(cp.tensor([1, 2, 3, 4]));
        expect(() => p.registerConstraint(simplexBox)).toThrow(C.ConstraintError);
        expect(Array.from(p.dataSync())).toEqual([1, 2, 3, 4]);
      }));

    test('training with simplex and clamp(0, b) never raises inside opt.step()', () =>
      cp.tidy(() => {
        const p = new cp.nn.Parameter(cp.tensor([-1, 1, 4, -5]));
        p.registerConstraint(C.simplex());
        p.registerConstraint(C.clamp(0, 0.33));
        const opt = new cp.optim.SGD([p], { lr: 0.5 });
        for (let i = 0; i < 20; i++) {
          p.grad = cp.randn([4], { generator: new cp.Generator(i) });
          opt.step();
          expect(C.simplex().check(p).ok && C.clamp(0, 0.33).check(p).ok).toBe(true);
        }
      }));
  });
}
