/**
 * The exact sets `sphere`, `hyperplane`, `halfspace` and `cappedSimplex`, per slice over `dim`: projections
 * against a float64 reference, feasible and idempotent bit for bit, no farther than random feasible points
 * (convex sets), the sphere's zero-vector policy, bad arguments and shapes, specs, state dicts and checkpoints,
 * and enforcement after every step of every optimizer.
 */
import * as cp from '@cp/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { optimizerArb, trainAndCheckEveryStep } from './enforcement.js';
import { bits, dataArb, dist, maxDiff, sameBits } from './helpers.js';
import { boxSimplex64, type Projection64 } from './reference-projections.js';

const C = cp.constraints;

/** A set under test for slices of `n` elements: the constraint over `dim`, and its float64 row projection. */
interface SetCase {
  label: string;
  convex: boolean;
  make: (dim: number | undefined) => cp.constraints.Constraint;
  ref: Projection64;
}

const dot = (a: ArrayLike<number>, x: readonly number[]) => x.reduce((s, v, i) => s + a[i] * v, 0);

/** Random sets for slices of `n` elements, with their float64 references. */
function setArb(n: number): fc.Arbitrary<SetCase> {
  const normal = fc
    .array(fc.integer({ min: -4, max: 4 }), { minLength: n, maxLength: n })
    .map((a) => Float32Array.from(a.map((v, i) => (i === 0 && a.every((e) => e === 0) ? 1 : v / 2))));
  const b = fc.double({ min: -3, max: 3, noNaN: true }).map(Math.fround);
  return fc.oneof(
    fc.double({ min: 0.1, max: 4, noNaN: true }).map((r) => ({
      label: `sphere(${r})`,
      convex: false,
      make: (dim: number | undefined) => C.sphere(r, { dim }),
      ref: (x: readonly number[]) => {
        const l2 = Math.hypot(...x);
        return l2 === 0 ? x.map(() => r / Math.sqrt(x.length)) : x.map((v) => (v * r) / l2);
      },
    })),
    fc.tuple(normal, b, fc.boolean()).map(([a, bb, eq]) => ({
      label: `${eq ? 'hyperplane' : 'halfspace'}([${Array.from(a)}], ${bb})`,
      convex: true,
      make: (dim: number | undefined) => (eq ? C.hyperplane : C.halfspace)(cp.tensor(a), bb, { dim }),
      ref: (x: readonly number[]) => {
        const r = dot(a, x) - bb;
        if (!eq && r <= 0) return [...x];
        const aa = dot(a, Array.from(a));
        return x.map((v, i) => v - (r / aa) * a[i]);
      },
    })),
    fc.integer({ min: 0, max: 4 * n }).map((q) => {
      const k = q / 4;
      return {
        label: `cappedSimplex(${k})`,
        convex: true,
        make: (dim: number | undefined) => C.cappedSimplex(k, { dim }),
        ref: boxSimplex64(0, 1, k),
      };
    }),
  );
}

/** A parameter of `m` slices of `n` elements laid out as rows (dim 1), columns (dim 0), or one whole tensor. */
const layoutArb = fc
  .record({
    m: fc.integer({ min: 1, max: 3 }),
    n: fc.integer({ min: 1, max: 6 }),
    layout: fc.constantFrom('rows' as const, 'cols' as const, 'whole' as const),
  })
  .map((l) => {
    const m = l.layout === 'whole' ? 1 : l.m;
    const shape = l.layout === 'rows' ? [m, l.n] : l.layout === 'cols' ? [l.n, m] : [l.n];
    const dim = l.layout === 'rows' ? 1 : l.layout === 'cols' ? 0 : undefined;
    return { ...l, m, shape, dim };
  });

/** The slices of `data` (of `shape`) in the layout's order, each as float64 numbers. */
function slicesOf(data: ArrayLike<number>, m: number, n: number, layout: 'rows' | 'cols' | 'whole'): number[][] {
  return Array.from({ length: m }, (_, s) =>
    Array.from({ length: n }, (_, j) => data[layout === 'cols' ? j * m + s : s * n + j]),
  );
}

const caseArb = layoutArb.chain((l) =>
  fc
    .record({
      set: setArb(l.n),
      data: dataArb(l.m * l.n, 4),
      others: fc.array(dataArb(l.m * l.n, 4), { maxLength: 3 }),
    })
    .map((r) => ({ ...l, ...r })),
);

/** The sphere, hyperplane, halfspace and capped simplex on the backend under test. */
export function setsSuite(ctx: SuiteContext): void {
  const opts = { numRuns: ctx.numRuns, seed: ctx.seed };

  describe('constraints: sphere, hyperplane, halfspace and cappedSimplex', () => {
    test('property: each projection matches the float64 reference, is feasible, idempotent, and no farther than feasible points', () => {
      fc.assert(
        fc.property(caseArb, ({ set, data, others, shape, dim, m, n, layout }) =>
          cp.tidy(() => {
            const c = set.make(dim);
            const once = c.project(cp.tensor(data, { shape }));
            const got = slicesOf(once.dataSync(), m, n, layout);
            const want = slicesOf(data, m, n, layout).map(set.ref);
            const scale = Math.max(1, ...data.map(Math.abs));
            for (let s = 0; s < m; s++)
              expect(maxDiff(got[s], want[s]), `${set.label} slice ${s}`).toBeLessThanOrEqual(2e-5 * scale);
            expect(c.check(once).ok, `${set.label} feasible`).toBe(true);
            expect(sameBits(bits(c.project(once)), bits(once)), `${set.label} idempotent`).toBe(true);
            if (!set.convex) return;
            for (const o of others) {
              const z = c.project(cp.tensor(o, { shape })).dataSync();
              expect(dist(data, once.dataSync()), `${set.label} optimal`).toBeLessThanOrEqual(
                dist(data, z) + 1e-5 * scale * Math.sqrt(data.length),
              );
            }
          }),
        ),
        opts,
      );
    });

    test('sphere: a zero slice becomes the constant slice r/√n on every backend; other slices keep their direction', () =>
      cp.tidy(() => {
        const y = C.sphere(2, { dim: 1 }).project(
          cp.tensor([
            [0, 0, 0, 0],
            [3, 0, 0, 4],
          ]),
        );
        expect(Array.from(y.dataSync())).toEqual([1, 1, 1, 1, 1.2000000476837158, 0, 0, 1.600000023841858]);
        expect(
          C.sphere(0)
            .project(cp.tensor([1, -2]))
            .dataSync(),
        ).toEqual(new Float32Array([0, 0]));
      }));

    test('halfspace leaves points inside bit for bit; hyperplane and halfspace move points outside along a', () =>
      cp.tidy(() => {
        const x = cp.tensor([
          [1, 1],
          [3, 1],
        ]);
        const h = C.halfspace([1, 1], 2, { dim: 1 }).project(x).dataSync();
        expect(Array.from(h)).toEqual([1, 1, 2, 0]);
        const p = C.hyperplane(cp.tensor([[1], [0]]), 0, { dim: 0 })
          .project(x)
          .dataSync();
        expect(Array.from(p)).toEqual([0, 0, 3, 1]);
      }));

    test('cappedSimplex reaches the caps exactly: k = 0, k = n and a k in between', () =>
      cp.tidy(() => {
        expect(
          Array.from(
            C.cappedSimplex(0)
              .project(cp.tensor([3, -1]))
              .dataSync(),
          ),
        ).toEqual([0, 0]);
        expect(
          Array.from(
            C.cappedSimplex(2)
              .project(cp.tensor([3, -1]))
              .dataSync(),
          ),
        ).toEqual([1, 1]);
        expect(
          Array.from(
            C.cappedSimplex(2)
              .project(cp.tensor([5, 4, 0, -1]))
              .dataSync(),
          ),
        ).toEqual([1, 1, 0, 0]);
        const y = C.cappedSimplex(1.5)
          .project(cp.tensor([0.9, 0.8, 0.1]))
          .dataSync();
        expect(maxDiff(y, [0.8, 0.7, 0])).toBeLessThanOrEqual(1e-7);
      }));

    test('bad arguments raise an ArgumentError naming the factory and the value', () =>
      cp.tidy(() => {
        const bad: [RegExp, () => unknown][] = [
          [/^sphere: radius must be a finite number >= 0, got -1/, () => C.sphere(-1)],
          [/^sphere: unknown option 'axis'/, () => C.sphere(1, { axis: 0 } as unknown as cp.constraints.DimOptions)],
          [/^hyperplane: a must not be the zero vector/, () => C.hyperplane([0, 0], 1)],
          [/^hyperplane: every element of a must be finite, got NaN/, () => C.hyperplane([1, Number.NaN], 1)],
          [/^halfspace: b must be a finite number, got NaN/, () => C.halfspace([1], Number.NaN)],
          [/^halfspace: a must be a Tensor or an array of numbers, got "1"/, () => C.halfspace('1' as never, 0)],
          [/^cappedSimplex: k must be a finite number >= 0, got -1/, () => C.cappedSimplex(-1)],
          [/^cappedSimplex: dim must be/, () => C.cappedSimplex(1, { dim: 0.5 })],
        ];
        for (const [message, call] of bad) {
          expect(call, String(message)).toThrow(cp.ArgumentError);
          expect(call, String(message)).toThrow(message);
        }
      }));

    test('a normal of the wrong size, or a capped simplex with k above the slice size, raises at registration naming the shapes', () =>
      cp.tidy(() => {
        const p = new cp.nn.Parameter(cp.zeros([2, 3]));
        const before = bits(p);
        expect(() => p.registerConstraint(C.hyperplane([1, 1], 0, { dim: 1 }))).toThrow(
          /hyperplane: a of shape \[2\] has 2 elements, but slices over dim 1 of the parameter's shape \[2, ?3\] have 3/,
        );
        expect(() => p.registerConstraint(C.cappedSimplex(2.5, { dim: 0 }))).toThrow(
          /cappedSimplex\(k=2.5\): slices over dim 0 of shape \[2, ?3\] have 2 elements, fewer than k/,
        );
        expect(C.constraintsOf(p)).toHaveLength(0);
        expect(sameBits(bits(p), before)).toBe(true);
      }));

    test('declare safeProjection, no closed-form set, and whether they are convex', () => {
      const sets = [C.sphere(1), C.hyperplane([1], 0), C.halfspace([1], 0), C.cappedSimplex(1)];
      for (const c of sets) {
        expect(c.safeProjection, String(c)).toBe(true);
        expect(c.set, String(c)).toBeNull();
      }
      expect(sets.map((c) => c.convex)).toEqual([false, true, true, true]);
    });

    test('specs round-trip through JSON, state dicts and checkpoints', () =>
      cp.tidy(() => {
        const make = () => new cp.nn.Sequential(new cp.nn.Linear(3, 4), new cp.nn.Linear(4, 2));
        const src = make();
        src.registerConstraint('0.weight', C.sphere(1.5, { dim: 1 }));
        src.registerConstraint('0.bias', C.cappedSimplex(2));
        src.registerConstraint('1.weight', C.hyperplane(cp.tensor([[1, -1, 0, 0.5]]), 0.25, { dim: 1 }));
        src.registerConstraint('1.bias', C.halfspace([1, 2], -1));
        for (const c of [C.sphere(2, { dim: [0, 1] }), C.halfspace(cp.tensor([[1, 2]]), 3), C.cappedSimplex(1.5)])
          expect(C.fromSpec(JSON.parse(JSON.stringify(c.toSpec()))).toSpec()).toEqual(c.toSpec());
        const viaDict = make();
        viaDict.loadStateDict(src.stateDict());
        const viaFile = make();
        cp.loadCheckpoint(cp.saveCheckpoint({ model: src }), { model: viaFile });
        for (const m of [viaDict, viaFile]) {
          for (const [name, p] of src.namedParameters()) {
            const q = m.getParameter(name);
            expect(C.constraintSpecs(q), name).toEqual(C.constraintSpecs(p));
            expect(sameBits(bits(q), bits(p)), name).toBe(true);
            expect(C.constraintsOf(q)[0].constraint.check(q).ok, name).toBe(true);
          }
        }
      }));

    test('property: after every step of every optimizer the parameter is on its set', () => {
      const arb = fc
        .record({ m: fc.integer({ min: 1, max: 3 }), n: fc.integer({ min: 1, max: 5 }) })
        .chain(({ m, n }) =>
          fc.record({
            set: setArb(n),
            shape: fc.constant([m, n] as number[]),
            data: dataArb(m * n),
            opt: optimizerArb,
            steps: fc.integer({ min: 1, max: 6 }),
            kind: fc.integer({ min: 0, max: 2 }),
            w: dataArb(m * n, 10),
            target: dataArb(m * n, 10),
          }),
        );
      fc.assert(
        fc.property(arb, (t) => trainAndCheckEveryStep(t.set.label, t.set.make(1), 'project', t)),
        { numRuns: Math.max(10, Math.floor(ctx.numRuns / 2)), seed: ctx.seed },
      );
    });
  });
}
