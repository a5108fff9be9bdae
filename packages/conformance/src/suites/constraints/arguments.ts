/**
 * Bad arguments and edge values of the built-ins: every factory and every spec rejects bad values with a
 * `CpError`; infinite bounds survive `toSpec`/`fromSpec`; a reparametrized interval keeps feasible values;
 * minMaxNorm's rate reaches zero slices once; empty parameters check; a throwing custom constraint raises a
 * `ConstraintError` (its own error as `cause`) and changes nothing; `registerConstraint` names itself.
 */
import * as cp from '@cp/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { bits, param, sameBits } from './helpers.js';

const C = cp.constraints;

/** Calls that must throw an ArgumentError whose message names the factory. */
const badCalls: [string, () => unknown][] = [
  ['clamp', () => C.clamp(cp.tensor([0, Number.NaN]), 1)],
  ['clamp', () => C.clamp(cp.tensor([0, 2]), 1)],
  ['clamp', () => C.clamp(cp.tensor([0, Number.POSITIVE_INFINITY]), 1)],
  ['clamp', () => C.clamp(cp.tensor([0, 0]), cp.tensor([1, 1, 1]))],
  ['interval', () => C.interval(cp.tensor([0, Number.NEGATIVE_INFINITY]), 1)],
  ['interval', () => C.interval(0, Number.POSITIVE_INFINITY)],
  ['clamp', () => C.clamp({ min: 0 } as unknown as number)],
  ['clamp', () => C.clamp(0, '1' as unknown as number)],
  ['clamp', () => C.clamp(Number.NaN, 1)],
  ['clamp', () => C.clamp(Number.POSITIVE_INFINITY)],
  ['interval', () => C.interval('0' as unknown as number, 1)],
  ['greaterThan', () => C.greaterThan(Number.POSITIVE_INFINITY)],
  ['lessThan', () => C.lessThan('1' as unknown as number)],
  ['positive', () => C.positive({ minValue: -1 })],
  ['positive', () => C.positive({ min: 1 } as unknown as cp.constraints.PositiveOptions)],
  ['linfBall', () => C.linfBall(-1)],
  ['maxNorm', () => C.maxNorm('2' as unknown as number)],
  ['maxNorm', () => C.maxNorm(Number.NaN)],
  ['maxNorm', () => C.maxNorm(1, { dim: 0.5 })],
  ['maxNorm', () => C.maxNorm(1, { axis: 0 } as unknown as cp.constraints.DimOptions)],
  ['minMaxNorm', () => C.minMaxNorm(2, 1)],
  ['minMaxNorm', () => C.minMaxNorm(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY)],
  ['minMaxNorm', () => C.minMaxNorm(0, 1, { rate: 2 })],
  ['unitNorm', () => C.unitNorm({ dim: '1' } as unknown as cp.constraints.DimOptions)],
  ['l2Ball', () => C.l2Ball(-0.5)],
  ['l1Ball', () => C.l1Ball(null as unknown as number)],
  ['simplex', () => C.simplex({ sum: Number.POSITIVE_INFINITY })],
  ['simplex', () => C.simplex({ total: 1 } as unknown as cp.constraints.SimplexOptions)],
  ['intersect', () => C.intersect(C.nonNeg(), { maxIter: 0 })],
  ['intersect', () => C.intersect(C.nonNeg(), { tol: Number.NaN })],
];

/** Specs with bad values: each must raise a CpError naming the problem. */
const badSpecs: [unknown, RegExp][] = [
  [{ name: 'maxNorm', options: { max: '2', dim: null } }, /maxNorm: max must be a number/],
  [{ name: 'clamp', options: { min: null, max: { v: 1 } } }, /clamp: max must be a number/],
  [{ name: 'l2Ball', options: { radius: -1, dim: null } }, /l2Ball: radius must be/],
  [{ name: 'minMaxNorm', options: { min: 1, max: 2, dim: null, rate: 'x' } }, /minMaxNorm: rate/],
  [{ name: 'simplex', options: { sum: 1, dim: [0.5] } }, /simplex: dim must be/],
  [{ name: 'maxNorm', options: { max: 1, dim: null, extra: 1 } }, /unknown option 'extra'/],
  [{ name: 'maxNorm', options: 5 }, /options must be an object/],
  [{ name: 'intersect', options: { constraints: 'nonNeg' } }, /options.constraints must be a non-empty array/],
  [
    { name: 'intersect', options: { constraints: [{ name: 'linfBall', options: { radius: Number.NaN } }] } },
    /linfBall/,
  ],
  [null, /must be an object/],
];

/** Argument validation, infinite bounds, interval round trips and the smaller fixes, on the backend under test. */
export function argumentsSuite(ctx: SuiteContext): void {
  describe('constraints: arguments, specs and edge values', () => {
    test('every built-in factory rejects bad arguments with an ArgumentError naming it', () => {
      for (const [name, call] of badCalls) {
        expect(call, name).toThrow(cp.ArgumentError);
        expect(call, name).toThrow(new RegExp(`^${name}:`));
      }
    });

    test('clamp with a NaN in a tensor bound raises instead of making every value NaN', () =>
      cp.tidy(() => {
        expect(() => C.clamp(cp.tensor([0, Number.NaN]), 1)).toThrow(
          /clamp: every element of min must be a number.*got NaN in a bound of shape \[2\]/,
        );
      }));

    test('fromSpec of a spec with bad values raises a CpError naming the value', () => {
      for (const [spec, message] of badSpecs) {
        const load = () => C.fromSpec(spec as cp.constraints.ConstraintSpec);
        expect(load, JSON.stringify(spec)).toThrow(cp.CpError);
        expect(load, JSON.stringify(spec)).toThrow(message);
      }
    });

    test('infinite bounds round-trip through toSpec and fromSpec, and print as Infinity', () =>
      cp.tidy(() => {
        const x = cp.tensor([1e30, -1e30, 3]);
        for (const c of [
          C.maxNorm(Number.POSITIVE_INFINITY),
          C.l2Ball(Number.POSITIVE_INFINITY, { dim: 0 }),
          C.linfBall(Number.POSITIVE_INFINITY),
          C.lessThan(Number.POSITIVE_INFINITY),
          C.greaterThan(Number.NEGATIVE_INFINITY),
          C.minMaxNorm(1, Number.POSITIVE_INFINITY),
          C.clamp(Number.NEGATIVE_INFINITY, 2),
        ]) {
          const spec = c.toSpec();
          const back = C.fromSpec(spec);
          expect(back.toSpec(), String(c)).toEqual(spec);
          expect(
            Object.values(spec.options).some((v) => v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY),
          ).toBe(true);
          expect(String(c)).toMatch(/Infinity/);
          expect(Array.from(back.project(x).dataSync()), String(c)).toEqual(Array.from(c.project(x).dataSync()));
        }
        expect(Array.from(C.fromSpec(C.maxNorm(Number.POSITIVE_INFINITY).toSpec()).project(x).dataSync())).toEqual(
          Array.from(x.dataSync()),
        );
      }));

    test('reparametrized interval(1e-4, 1e4) keeps 1e-3 at registration, after a write, and in loadStateDict', () =>
      cp.tidy(() => {
        const m = new cp.nn.Linear(2, 1);
        cp.noGrad(() => m.bias!.copy_(cp.tensor([1e-3])));
        m.registerConstraint('bias', C.interval(1e-4, 1e4), { mode: 'reparametrize' });
        expect(m.bias!.item()).toBeCloseTo(1e-3, 8);
        const opt = new cp.optim.SGD(m.parameters(), { lr: 1e-12 });
        cp.noGrad(() => m.bias!.copy_(cp.tensor([2e-3])));
        m.zeroGrad();
        m.forward(cp.ones([1, 2]))
          .sum()
          .backward();
        opt.step();
        expect(Math.abs(m.bias!.item() - 2e-3) / 2e-3).toBeLessThan(1e-5);
        const sd = m.stateDict();
        sd.bias = cp.tensor([4.46e-4]);
        m.loadStateDict(sd);
        expect(Math.abs(m.bias!.item() - 4.46e-4) / 4.46e-4).toBeLessThan(1e-5);
      }));

    test('property: a reparametrized interval returns feasible values within 1e-5 of their distance to the nearer bound', () => {
      const arb = fc
        .tuple(
          fc.double({ min: -1e4, max: 1e4, noNaN: true }),
          fc.double({ min: 1e-3, max: 1e8, noNaN: true }),
          fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 6 }),
        )
        .map(([lo, w, us]) => ({ lo: Math.fround(lo), hi: Math.fround(lo + w), us }));
      fc.assert(
        fc.property(arb, ({ lo, hi, us }) =>
          cp.tidy(() => {
            const c = C.interval(lo, hi);
            // Values spread log-uniformly in their distance from either bound (down to 1e-9 of the width).
            const v = us.map((u, i) =>
              Math.fround(i % 2 ? hi - (hi - lo) * 10 ** (-9 * u) : lo + (hi - lo) * 10 ** (-9 * u)),
            );
            const inside = v.filter((e) => e > lo && e < hi);
            if (inside.length === 0) return;
            const back = c.transform!(c.inverse!(cp.tensor(inside))).dataSync();
            inside.forEach((e, i) => {
              const d = Math.min(e - lo, hi - e);
              expect(Math.abs(back[i] - e), `${c} at ${e}`).toBeLessThanOrEqual(1e-5 * d + 2 * Math.abs(e) * 2 ** -24);
            });
          }),
        ),
        { numRuns: ctx.numRuns, seed: ctx.seed },
      );
    });

    test('minMaxNorm with rate < 1 applies the rate once to a zero slice', () =>
      cp.tidy(() => {
        const y = C.minMaxNorm(1, 2, { rate: 0.5, dim: 1 }).project(
          cp.tensor([
            [0, 0, 0, 0],
            [3, 0, 0, 0],
          ]),
        );
        const norms = Array.from(y.norm(2, [1]).dataSync());
        expect(norms[0]).toBeCloseTo(0.5, 6);
        expect(norms[1]).toBeCloseTo(2.5, 6);
      }));

    test('check() and constraintReport() of an empty parameter with a box constraint', () =>
      cp.tidy(() => {
        for (const c of [
          C.clamp(0, 1),
          C.nonNeg(),
          C.interval(0, 1),
          C.linfBall(1),
          C.toConstraint((v) => v.clamp(0, 1)),
        ]) {
          const p = param(new Float32Array(0), [0, 3]);
          p.registerConstraint(c);
          expect(c.check(p), String(c)).toEqual({ ok: true, maxViolation: 0 });
          expect(C.constraintReport([['p', p]])[0].ok).toBe(true);
        }
      }));

    test('a throwing custom constraint raises a ConstraintError with its error as cause, and the step changes nothing', () =>
      cp.tidy(() => {
        const a = param([1, 2, 3]);
        a.registerConstraint(C.maxNorm(2));
        const b = param([0.5, -0.5]);
        let fail = false;
        b.registerConstraint(function picky(v: cp.Tensor) {
          if (fail) throw new TypeError('picky: cannot read property x');
          return v;
        });
        const opt = new cp.optim.Adam([a, b], { lr: 0.1 });
        const grads = () => {
          for (const p of [a, b]) {
            p.grad?.dispose();
            p.grad = cp.onesLike(p);
          }
        };
        grads();
        opt.step();
        const before = [bits(a), bits(b)];
        fail = true;
        grads();
        let err: unknown;
        try {
          opt.step();
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(C.ConstraintError);
        expect((err as Error).cause).toBeInstanceOf(TypeError);
        expect(String(err)).toMatch(/picky.*\[2\].*TypeError: picky: cannot read property x/);
        expect(sameBits(bits(a), before[0]) && sameBits(bits(b), before[1])).toBe(true);
        expect(() =>
          param([1]).registerConstraint(function bad() {
            throw new RangeError('nope');
          }),
        ).toThrow(C.ConstraintError);
      }));

    test("module.registerConstraint's unknown-name error names registerConstraint", () =>
      cp.tidy(() => {
        const m = new cp.nn.Linear(2, 1);
        expect(() => m.registerConstraint('wieght', C.nonNeg())).toThrow(
          /^registerConstraint: Linear has no parameter 'wieght'/,
        );
      }));
  });
}
