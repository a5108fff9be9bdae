/**
 * Projection laws of every built-in, as fast-check properties on random shapes and data: the projection
 * satisfies the constraint, is idempotent, leaves feasible points unchanged, and (for convex sets) is at
 * least as close to x as any other feasible point; `intersect` lands in every set.
 */
import * as cp from '@cp/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { bits, constrainedArb, dataArb, dist, maxDiff, shapedArb } from './helpers.js';

const C = cp.constraints;

/** Projection laws on the backend under test. */
export function projectionLawsSuite(ctx: SuiteContext): void {
  const opts = () => ({ numRuns: ctx.numRuns, seed: ctx.seed });

  describe('constraints: projection laws', () => {
    test('property: every built-in projection lands in its set (check() passes)', () => {
      fc.assert(
        fc.property(constrainedArb, ({ shape, data, c }) =>
          cp.tidy(() => {
            const con = c.make();
            const y = con.project(cp.tensor(data, { shape }));
            const r = con.check(y);
            expect(r.ok, `${c.label} on ${JSON.stringify(shape)}: violation ${r.maxViolation}`).toBe(true);
          }),
        ),
        opts(),
      );
    });

    test('property: projection is idempotent (P(P(x)) = P(x) within the tolerance)', () => {
      fc.assert(
        fc.property(constrainedArb, ({ shape, data, c }) =>
          cp.tidy(() => {
            const con = c.make();
            const y = con.project(cp.tensor(data, { shape }));
            const yy = con.project(y);
            expect(maxDiff(bits(yy), bits(y)), c.label).toBeLessThanOrEqual(1e-6 * Math.max(1, maxAbs(bits(y))));
          }),
        ),
        opts(),
      );
    });

    test('property: feasible points are unchanged bit for bit by clamp, norm balls and boxes', () => {
      const exact = shapedArb.chain(({ shape, data }) =>
        fc
          .oneof(
            fc.constant(C.nonNeg()),
            fc.constant(C.clamp(-1, 0.5)),
            fc.constant(C.linfBall(0.7)),
            fc.constant(C.maxNorm(1.5, { dim: shape.length - 1 })),
            fc.constant(C.l2Ball(2)),
            fc.constant(C.l1Ball(2)),
          )
          .map((con) => ({ shape, data, con })),
      );
      fc.assert(
        fc.property(exact, ({ shape, data, con }) =>
          cp.tidy(() => {
            const feasible = con.project(cp.tensor(data, { shape }));
            const again = con.project(feasible);
            expect(Array.from(bits(again)), String(con)).toEqual(Array.from(bits(feasible)));
          }),
        ),
        opts(),
      );
    });

    test('property: for convex sets the projection is at least as close to x as random feasible points', () => {
      const arb = constrainedArb
        .filter(({ c }) => c.convex)
        .chain((v) => dataArb(v.data.length, 6).map((other) => ({ ...v, other })));
      fc.assert(
        fc.property(arb, ({ shape, data, c, other }) =>
          cp.tidy(() => {
            const con = c.make();
            const x = cp.tensor(data, { shape });
            const p = bits(con.project(x));
            const f = bits(con.project(cp.tensor(other, { shape })));
            const tol = 1e-4 * Math.max(1, maxAbs(data));
            expect(dist(p, data), c.label).toBeLessThanOrEqual(dist(f, data) + tol);
          }),
        ),
        opts(),
      );
    });

    test('property: intersect lands in every set it intersects', () => {
      const arb = shapedArb.chain(({ shape, data }) =>
        fc
          .tuple(fc.double({ min: 0.2, max: 2, noNaN: true }), fc.double({ min: 0.1, max: 1, noNaN: true }))
          .map(([r, b]) => ({ shape, data, parts: [C.l2Ball(r), C.clamp(-b, b), C.l1Ball(1.5 * r)] })),
      );
      fc.assert(
        fc.property(arb, ({ shape, data, parts }) =>
          cp.tidy(() => {
            const y = C.intersect(...parts).project(cp.tensor(data, { shape }));
            for (const part of parts) expect(part.check(y).ok, `${part}: ${part.check(y).maxViolation}`).toBe(true);
          }),
        ),
        opts(),
      );
    });

    test('property: orthogonal() projects random matrices onto orthonormal columns (tall) or rows (wide)', () => {
      const arb = fc
        .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }))
        .chain(([m, n]) => dataArb(m * n).map((data) => ({ shape: [m, n], data })));
      fc.assert(
        fc.property(arb, ({ shape, data }) =>
          cp.tidy(() => {
            const con = C.orthogonal();
            const y = con.project(cp.tensor(data, { shape }));
            const r = con.check(y);
            expect(r.ok, `violation ${r.maxViolation}`).toBe(true);
            expect(maxDiff(bits(con.project(y)), bits(y))).toBe(0);
          }),
        ),
        opts(),
      );
    });

    test('property: symmetric() gives (X + Xᵀ)/2, exactly symmetric and idempotent', () => {
      const arb = fc.integer({ min: 1, max: 5 }).chain((n) => dataArb(n * n).map((data) => ({ n, data })));
      fc.assert(
        fc.property(arb, ({ n, data }) =>
          cp.tidy(() => {
            const con = C.symmetric();
            const y = con.project(cp.tensor(data, { shape: [n, n] }));
            expect(con.violation(y)).toBe(0);
            expect(Array.from(bits(con.project(y)))).toEqual(Array.from(bits(y)));
          }),
        ),
        opts(),
      );
    });
  });

  describe('constraints: built-in projections, worked examples', () => {
    test('maxNorm(2, { dim: 1 }) bounds each row of a Linear weight [out, in] (Keras axis semantics)', () =>
      cp.tidy(() => {
        const w = cp.tensor([
          [3, 4],
          [0.6, 0.8],
        ]);
        const y = C.maxNorm(2, { dim: 1 }).project(w).toArray() as number[][];
        expect(y[0][0]).toBeCloseTo(1.2, 5);
        expect(y[0][1]).toBeCloseTo(1.6, 5);
        expect(y[1]).toEqual([Math.fround(0.6), Math.fround(0.8)]);
      }));

    test('maxNorm without dim bounds the whole tensor', () =>
      cp.tidy(() => {
        const y = C.maxNorm(5).project(
          cp.tensor([
            [3, 4],
            [3, 4],
          ]),
        );
        expect(y.norm().item()).toBeLessThanOrEqual(5);
        expect(y.norm().item()).toBeCloseTo(5, 5);
      }));

    test('unitNorm maps a zero slice to the constant unit slice (zero-vector policy)', () =>
      cp.tidy(() => {
        const y = C.unitNorm({ dim: 1 })
          .project(
            cp.tensor([
              [0, 0, 0, 0],
              [0, 3, 0, 4],
            ]),
          )
          .toArray() as number[][];
        for (const v of y[0]) expect(v).toBeCloseTo(0.5, 6);
        expect(y[1][1]).toBeCloseTo(0.6, 6);
        expect(y[1][3]).toBeCloseTo(0.8, 6);
      }));

    test('maxNorm leaves the zero vector at zero', () =>
      cp.tidy(() => {
        expect(
          C.maxNorm(1)
            .project(cp.zeros([3]))
            .toArray(),
        ).toEqual([0, 0, 0]);
      }));

    test('simplex projects [0.5, -2, 3, 0.1] to [0, 0, 1, 0] and [1, 1] to [0.5, 0.5]', () =>
      cp.tidy(() => {
        expect(
          C.simplex()
            .project(cp.tensor([0.5, -2, 3, 0.1]))
            .toArray(),
        ).toEqual([0, 0, 1, 0]);
        expect(
          C.simplex()
            .project(cp.tensor([1, 1]))
            .toArray(),
        ).toEqual([0.5, 0.5]);
        const rows = C.simplex({ sum: 2, dim: 1 }).project(
          cp.tensor([
            [1, 1],
            [5, 0],
          ]),
        );
        expect(rows.toArray()).toEqual([
          [1, 1],
          [2, 0],
        ]);
      }));

    test('l1Ball projects by soft-thresholding and leaves points inside alone', () =>
      cp.tidy(() => {
        const y = C.l1Ball(1)
          .project(cp.tensor([3, -1, 2]))
          .toArray() as number[];
        expect(y.map((v) => Math.abs(v))).toEqual([1, 0, 0]);
        expect(
          C.l1Ball(10)
            .project(cp.tensor([3, -1, 2]))
            .toArray(),
        ).toEqual([3, -1, 2]);
      }));

    test('intersect(nonNeg, l2Ball(1)) is the projection onto the intersection, not sequential projection', () =>
      cp.tidy(() => {
        const y = C.intersect(C.nonNeg(), C.l2Ball(1))
          .project(cp.tensor([3, -1, 2]))
          .toArray() as number[];
        expect(y[0]).toBeCloseTo(3 / Math.sqrt(13), 4);
        expect(y[1]).toBeCloseTo(0, 6);
        expect(y[2]).toBeCloseTo(2 / Math.sqrt(13), 4);
      }));

    test('orthogonal maps the zero matrix to the identity (zero policy)', () =>
      cp.tidy(() => {
        const y = C.orthogonal()
          .project(cp.zeros([2, 2]))
          .toArray() as number[][];
        expect(y[0][0]).toBeCloseTo(1, 5);
        expect(y[1][1]).toBeCloseTo(1, 5);
        expect(Math.abs(y[0][1])).toBeLessThan(1e-5);
      }));

    test('minMaxNorm with rate < 1 moves the norm only part of the way (Keras semantics)', () =>
      cp.tidy(() => {
        const y = C.minMaxNorm(0, 1, { rate: 0.5 }).project(cp.tensor([3, 4]));
        expect(y.norm().item()).toBeCloseTo(3, 5);
      }));

    test('check() reports the largest violation and NaN never satisfies', () =>
      cp.tidy(() => {
        expect(C.clamp(0, 1).check(cp.tensor([-0.5, 2]))).toEqual({ ok: false, maxViolation: 1 });
        expect(C.clamp(0, 1).check(cp.tensor([0.5, 1])).ok).toBe(true);
        expect(C.nonNeg().check(cp.tensor([1, Number.NaN])).ok).toBe(false);
        expect(C.maxNorm(1).check(cp.tensor([3, 4]), { tol: 4 }).ok).toBe(true);
      }));
  });
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
