/**
 * Per-element bounds: `clamp` and `interval` with tensor bounds broadcast to the parameter. The projection is
 * compared bit for bit with a float64 clip, is idempotent and leaves feasible values alone; bad shapes and
 * values raise naming them; the bounds survive specs, state dicts and checkpoints; every optimizer step keeps
 * the parameter inside them in both modes; the reparametrization round-trips and passes gradcheck.
 */
import * as cp from '@cp/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { optimizerArb, trainAndCheckEveryStep } from './enforcement.js';
import { bits, dataArb, sameBits } from './helpers.js';

const C = cp.constraints;

/** A parameter shape and a bound shape that broadcasts to it (some dims 1, some leading dims dropped). */
const shapesArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }).chain((shape) =>
  fc
    .record({
      drop: fc.integer({ min: 0, max: shape.length - 1 }),
      ones: fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
    })
    .map(({ drop, ones }) => ({ shape, bound: shape.map((d, i) => (ones[i] ? 1 : d)).slice(drop) })),
);

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Bounds `lo <= hi` of `n` elements: lo in [-2, 1], hi = lo + a width in [minWidth, 3], both float32. */
function boundsArb(n: number, minWidth: number): fc.Arbitrary<{ lo: Float32Array; hi: Float32Array }> {
  const f = (min: number, max: number) =>
    fc.array(fc.double({ min, max, noNaN: true }), { minLength: n, maxLength: n }).map((a) => Float32Array.from(a));
  return fc.tuple(f(-2, 1), f(minWidth, 3)).map(([lo, w]) => ({
    lo,
    hi: lo.map((l, i) => Math.max(l, Math.fround(l + w[i]))),
  }));
}

/** A case: shapes, bounds, and a value of the parameter's shape. */
const caseArb = (minWidth: number) =>
  shapesArb.chain(({ shape, bound }) =>
    fc
      .record({ b: boundsArb(size(bound), minWidth), data: dataArb(size(shape), 4) })
      .map(({ b, data }) => ({ shape, bound, ...b, data })),
  );

/** The float64 clip of `x` into `[lo, hi]` broadcast from `bound` to `shape`. */
function clip64(x: Float32Array, shape: number[], bound: number[], lo: Float32Array, hi: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  const lead = shape.length - bound.length;
  for (let i = 0; i < x.length; i++) {
    let rest = i;
    let j = 0;
    let stride = 1;
    for (let k = shape.length - 1; k >= 0; k--) {
      const idx = rest % shape[k];
      rest = Math.floor(rest / shape[k]);
      if (k >= lead) {
        const d = bound[k - lead];
        if (d !== 1) j += idx * stride;
        stride *= d;
      }
    }
    out[i] = Math.min(Math.max(x[i], lo[j]), hi[j]);
  }
  return out;
}

/** Per-element bounds on the backend under test. */
export function elementBoundsSuite(ctx: SuiteContext): void {
  const opts = { numRuns: ctx.numRuns, seed: ctx.seed };

  describe('constraints: per-element bounds (tensor lower and upper)', () => {
    test('property: the projection equals the float64 clip bit for bit, is idempotent, and keeps feasible values', () => {
      fc.assert(
        fc.property(caseArb(0), fc.integer({ min: 0, max: 3 }), ({ shape, bound, lo, hi, data }, form) =>
          cp.tidy(() => {
            const lt = cp.tensor(lo, { shape: bound });
            const ht = cp.tensor(hi, { shape: bound });
            const c = [C.clamp(lt, ht), C.interval(lt, ht), C.clamp(lt, null), C.clamp(null, ht)][form];
            const wantLo = form === 3 ? lo.map(() => Number.NEGATIVE_INFINITY) : lo;
            const wantHi = form === 2 ? hi.map(() => Number.POSITIVE_INFINITY) : hi;
            const want = clip64(data, shape, bound, wantLo, wantHi);
            const once = c.project(cp.tensor(data, { shape }));
            expect(sameBits(bits(once), want), `${c} on ${JSON.stringify(shape)}`).toBe(true);
            expect(sameBits(bits(c.project(once)), bits(once)), 'idempotent').toBe(true);
            expect(c.check(once)).toEqual({ ok: true, maxViolation: 0 });
          }),
        ),
        opts,
      );
    });

    test('a number bound mixes with a tensor bound, and the violation is the largest distance outside', () =>
      cp.tidy(() => {
        expect(
          Array.from(
            C.clamp(undefined, cp.tensor([0, 1]))
              .project(cp.tensor([1, 2]))
              .dataSync(),
          ),
        ).toEqual([0, 1]);
        const c = C.clamp(cp.tensor([[0], [1]]), 2);
        const y = c.project(
          cp.tensor([
            [-1, 3, 0.5],
            [0, 1.5, 9],
          ]),
        );
        expect(Array.from(y.dataSync())).toEqual([0, 2, 0.5, 1, 1.5, 2]);
        expect(
          c.check(
            cp.tensor([
              [-0.5, 1, 1],
              [1, 1, 2.25],
            ]),
          ),
        ).toEqual({ ok: false, maxViolation: 0.5 });
        expect(
          c.check(
            cp.tensor([
              [0, 0, Number.NaN],
              [1, 1, 1],
            ]),
          ).ok,
        ).toBe(false);
      }));

    test('a bound that does not broadcast to the parameter raises at registration, naming both shapes', () =>
      cp.tidy(() => {
        const p = new cp.nn.Parameter(cp.zeros([2, 3]));
        const before = bits(p);
        expect(() => p.registerConstraint(C.clamp(cp.zeros([4]), 1))).toThrow(
          /the lower bound of shape \[4\] does not broadcast to the parameter's shape \[2, ?3\]/,
        );
        expect(() => p.registerConstraint(C.interval(0, cp.ones([2, 2, 3])))).toThrow(
          /upper bound of shape \[2, ?2, ?3\] does not broadcast to the parameter's shape \[2, ?3\]/,
        );
        expect(C.constraintsOf(p)).toHaveLength(0);
        expect(sameBits(bits(p), before)).toBe(true);
      }));

    test('bounds that do not broadcast together, or cross, raise an ArgumentError naming the shapes or the element', () =>
      cp.tidy(() => {
        expect(() => C.interval(cp.zeros([2]), cp.ones([3]))).toThrow(
          /interval: the lower bound of shape \[2\] and the upper bound of shape \[3\] do not broadcast together/,
        );
        expect(() => C.clamp(cp.tensor([0, 2]), cp.tensor([[1], [3]]))).toThrow(
          /clamp: need lower <= upper at every element, got lower 2 > upper 1 at flat index 1/,
        );
        expect(() => C.interval(cp.tensor([0, Number.POSITIVE_INFINITY]), 5)).toThrow(cp.ArgumentError);
        expect(() =>
          C.fromSpec({ name: 'clamp', options: { min: { shape: [3], values: [0, 1] }, max: null } }),
        ).toThrow(/clamp: min has shape \[3\] but 2 values/);
      }));

    test('the constraint keeps its own copy: writing or disposing the bound tensor later changes nothing', () => {
      const lo = cp.tensor([0, 0, 0]);
      const c = C.clamp(lo, 1);
      lo.copy_(cp.tensor([5, 5, 5]));
      lo.dispose();
      cp.tidy(() => expect(Array.from(c.project(cp.tensor([-1, 0.5, 2])).dataSync())).toEqual([0, 0.5, 1]));
    });

    test('declares safeProjection and no closed-form set; intersect with a number box is the elementwise intersection', () =>
      cp.tidy(() => {
        const c = C.clamp(cp.tensor([-1, 0, 1]), cp.tensor([2, 2, 3]));
        expect(c.safeProjection).toBe(true);
        expect(c.set).toBeNull();
        expect(c.convex).toBe(true);
        const both = C.intersect(c, C.clamp(-0.5, 1.5));
        expect(Array.from(both.project(cp.tensor([-3, 3, 0])).dataSync())).toEqual([-0.5, 1.5, 1]);
      }));

    test('specs carry tensor bounds as { shape, values } (infinite elements too) and rebuild the same projection', () =>
      cp.tidy(() => {
        const c = C.clamp(cp.tensor([[Number.NEGATIVE_INFINITY, -1]]), cp.tensor([[1], [Number.POSITIVE_INFINITY]]));
        const spec = c.toSpec();
        expect(spec).toEqual({
          name: 'clamp',
          options: {
            min: { shape: [1, 2], values: [Number.NEGATIVE_INFINITY, -1] },
            max: { shape: [2, 1], values: [1, Number.POSITIVE_INFINITY] },
          },
        });
        const back = C.fromSpec(structuredClone(spec));
        const x = cp.tensor([
          [-9, -9],
          [9, 9],
        ]);
        expect(Array.from(back.project(x).dataSync())).toEqual([-9, -1, 9, 9]);
        expect(sameBits(bits(back.project(x)), bits(c.project(x)))).toBe(true);
        const iv = C.interval(cp.tensor([0.1, 0.2]), 0.9);
        expect(C.fromSpec(JSON.parse(JSON.stringify(iv.toSpec()))).toSpec()).toEqual(iv.toSpec());
      }));

    test('state dicts and checkpoints save the bound tensors with the spec, in both modes', () =>
      cp.tidy(() => {
        const make = () => new cp.nn.Linear(3, 2);
        const src = make();
        const lo = cp.tensor([[-0.1], [-0.2]]);
        src.registerConstraint('weight', C.clamp(lo, cp.tensor([0.1, 0.2, 0.3])));
        src.registerConstraint('bias', C.interval(cp.tensor([-1, 0]), cp.tensor([0, 1])), { mode: 'reparametrize' });
        const viaDict = make();
        viaDict.loadStateDict(src.stateDict());
        const viaFile = make();
        cp.loadCheckpoint(cp.saveCheckpoint({ model: src }), { model: viaFile });
        for (const m of [viaDict, viaFile]) {
          expect(C.constraintSpecs(m.weight)).toEqual(C.constraintSpecs(src.weight));
          expect(C.constraintSpecs(m.bias!)).toEqual(C.constraintSpecs(src.bias!));
          expect(sameBits(bits(m.weight), bits(src.weight))).toBe(true);
          expect(sameBits(bits(m.bias!), bits(src.bias!))).toBe(true);
          const w = C.constraintsOf(m.weight)[0].constraint;
          expect(
            Array.from(
              w
                .project(
                  cp.tensor([
                    [1, 1, 1],
                    [-1, -1, -1],
                  ]),
                )
                .dataSync(),
            ),
          ).toEqual(Array.from(cp.tensor([0.1, 0.2, 0.3, -0.2, -0.2, -0.2]).dataSync()));
        }
      }));

    const trainArb = (minWidth: number) =>
      caseArb(minWidth).chain((c) =>
        fc
          .record({
            opt: optimizerArb,
            steps: fc.integer({ min: 1, max: 6 }),
            kind: fc.integer({ min: 0, max: 2 }),
            w: dataArb(c.data.length, 10),
            target: dataArb(c.data.length, 10),
            form: fc.integer({ min: 0, max: 1 }),
          })
          .map((r) => ({ ...c, ...r })),
      );
    const fewer = { numRuns: Math.max(10, Math.floor(ctx.numRuns / 2)), seed: ctx.seed };

    test('property: project mode — after every step of every optimizer the parameter is inside its per-element bounds', () => {
      fc.assert(
        fc.property(trainArb(0), (t) => {
          const lo = cp.tensor(t.lo, { shape: t.bound });
          const hi = cp.tensor(t.hi, { shape: t.bound });
          const c = t.form === 0 ? C.clamp(lo, hi) : C.clamp(lo, null);
          trainAndCheckEveryStep(String(c), c, 'project', t);
        }),
        fewer,
      );
    });

    test('property: reparametrize mode — after every step of every optimizer the parameter is inside its per-element bounds', () => {
      fc.assert(
        fc.property(trainArb(0.05), (t) => {
          const lo = cp.tensor(t.lo, { shape: t.bound });
          const hi = cp.tensor(t.hi, { shape: t.bound });
          const c = t.form === 0 ? C.interval(lo, hi) : C.clamp(null, hi);
          trainAndCheckEveryStep(String(c), c, 'reparametrize', t);
        }),
        fewer,
      );
    });

    test('property: the reparametrization round-trips feasible values: transform(inverse(v)) = v within 1e-5 of the width', () => {
      fc.assert(
        fc.property(caseArb(0.05), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 64 }), (t, u) =>
          cp.tidy(() => {
            const c = C.interval(cp.tensor(t.lo, { shape: t.bound }), cp.tensor(t.hi, { shape: t.bound }));
            const lo = clip64(new Float32Array(t.data.length).fill(-Infinity), t.shape, t.bound, t.lo, t.hi);
            const hi = clip64(new Float32Array(t.data.length).fill(Infinity), t.shape, t.bound, t.lo, t.hi);
            const v = Float32Array.from(lo, (l, i) => l + (hi[i] - l) * u[i % u.length]);
            const back = c.transform!(c.inverse!(cp.tensor(v, { shape: t.shape }))).dataSync();
            for (let i = 0; i < v.length; i++)
              expect(Math.abs(back[i] - v[i]), `element ${i}`).toBeLessThanOrEqual(1e-5 * Math.max(1, hi[i] - lo[i]));
          }),
        ),
        opts,
      );
    });

    test('gradcheck passes through the per-element interval and one-sided transforms', () =>
      cp.tidy(() => {
        const raw = cp.randn([2, 3], { generator: new cp.Generator(5) }).mul(0.8);
        for (const c of [
          C.interval(cp.tensor([[-1], [0]]), cp.tensor([1, 2, 3])),
          C.clamp(cp.tensor([0, 1, 2]), null),
          C.clamp(null, cp.tensor([[0], [1]])),
        ]) {
          const r = cp.gradcheck((x) => c.transform!(x), [raw], { eps: 1e-2, atol: 2e-2, rtol: 2e-2 });
          expect(r.ok, `${c}: ${JSON.stringify(r.worst)}`).toBe(true);
        }
      }));

    test('the reparametrization refuses a bound with some infinite elements, and bounds that touch', () =>
      cp.tidy(() => {
        const p = new cp.nn.Parameter(cp.zeros([2]));
        expect(() =>
          p.registerConstraint(C.clamp(cp.tensor([0, Number.NEGATIVE_INFINITY]), 1), { mode: 'reparametrize' }),
        ).toThrow(/finite at every element or absent; it is infinite at 1 of 2 elements/);
        expect(() => p.registerConstraint(C.interval(cp.tensor([0, 1]), 1), { mode: 'reparametrize' })).toThrow(
          /needs lower < upper at every element/,
        );
        expect(C.constraintsOf(p)).toHaveLength(0);
      }));
  });
}
