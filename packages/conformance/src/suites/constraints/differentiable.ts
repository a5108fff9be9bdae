/**
 * Differentiable projections: `F.sparsemax` against numpy (values and the Jacobian-vector product, embedded) and a
 * float64 sort-based reference, gradcheck, the fused kernel against core's fallback; and `constraints.project(c, x)`
 * for every supported set: the same values as `c.project`, gradcheck, the known Jacobians (a mask for boxes, the
 * tangent projection of the norm balls and the sphere, sparsemax's for the simplex, sym(g) inside psd), and an
 * `UnsupportedError` naming the set for the others.
 */
import * as cp from '@cp/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { maxDiff, onBackend, withoutFused } from './helpers.js';

const C = cp.constraints;

/** Sparsemax of one slice in float64 (Martins & Astudillo, Algorithm 1: sort, find the support size, shift). */
export function sparsemax64(z: readonly number[]): number[] {
  const s = [...z].sort((a, b) => b - a);
  let cum = 0;
  let k = 0;
  let kept = 0;
  for (let i = 0; i < s.length; i++) {
    cum += s[i];
    if (1 + (i + 1) * s[i] > cum) {
      k = i + 1;
      kept = cum;
    }
  }
  const tau = (kept - 1) / k;
  return z.map((v) => Math.max(v - tau, 0));
}

// numpy (sort-based sparsemax in float64) on float32 inputs; gin = s ⊙ (g - mean over the support of g).
const NP = {
  x: [-0.43, -2.195, 0.105, 1.4575, -2.7525, 2.8625, 2.255, 1.255, 2.2525, -1.71, -0.3075, -2.34, -0.67, 1.325, -1.73],
  g: [-0.397, -0.687, -0.845, -0.671, -0.013, -1.117, 0.234, 1.66, 0.742, -0.192, -0.888, -0.747, 1.692, 0.051, -0.637],
  y: [0, 0, 0, 1, 0, 0.739166577657064, 0.13166673978169774, 0, 0.12916668256123875, 0, 0, 0, 0, 1, 0],
  gin: [0, 0, 0, 0, 0, -1.069999982913335, 0.2809999982515971, 0, 0.788999984661738, 0, 0, 0, 0, 0, 0],
  yDim0: [
    0, 0, 0, 0.10249996185302734, 0, 1, 1, 1, 0.8975000381469727, 0.5099999904632568, 0, 0, 0, 0, 0.49000000953674316,
  ],
};

/** Inputs away from every kink of the sets below (no ties, no value on a bound, norms off the radii). */
const X: cp.NestedArray = [
  [0.9, -0.35, 0.2, 1.7],
  [-1.3, 0.55, 0.05, -0.6],
];

/** Supported sets, each with a description, for the value and gradcheck tests. */
const SUPPORTED: [string, () => cp.constraints.Constraint][] = [
  ['clamp(-0.5, 1)', () => C.clamp(-0.5, 1)],
  ['nonNeg', () => C.nonNeg()],
  ['interval(tensor bounds)', () => C.interval(cp.tensor([[-1], [-0.4]]), cp.tensor([1.2, 0.3, 0.4, 2]))],
  ['maxNorm(1, { dim: 1 })', () => C.maxNorm(1, { dim: 1 })],
  ['l2Ball(10)', () => C.l2Ball(10)],
  ['unitNorm({ dim: 0 })', () => C.unitNorm({ dim: 0 })],
  ['minMaxNorm(1.2, 1.5, { dim: 1 })', () => C.minMaxNorm(1.2, 1.5, { dim: 1 })],
  ['simplex({ dim: 1 })', () => C.simplex({ dim: 1 })],
  ['simplex({ sum: 2, dim: 0 })', () => C.simplex({ sum: 2, dim: 0 })],
  ['l1Ball(1.5, { dim: 1 })', () => C.l1Ball(1.5, { dim: 1 })],
  ['cappedSimplex(1.3, { dim: 1 })', () => C.cappedSimplex(1.3, { dim: 1 })],
  ['sphere(2, { dim: 1 })', () => C.sphere(2, { dim: 1 })],
  ['hyperplane', () => C.hyperplane([1, -1, 0.5, 2], 0.25, { dim: 1 })],
  ['halfspace', () => C.halfspace([1, 2], 0.1, { dim: 0 })],
  ['spectralNorm(1)', () => C.spectralNorm(1, { nPowerIterations: 50 })],
];

/** sparsemax and constraints.project on the backend under test. */
export function differentiableSuite(ctx: SuiteContext): void {
  describe('F.sparsemax', () => {
    test('values and the Jacobian-vector product equal numpy, along the last dim and along dim 0', () =>
      cp.tidy(() => {
        const x = cp.tensor(NP.x, { shape: [3, 5], requiresGrad: true });
        const y = cp.F.sparsemax(x);
        expect(maxDiff(y.dataSync(), NP.y)).toBeLessThanOrEqual(1e-6);
        y.mul(cp.tensor(NP.g, { shape: [3, 5] }))
          .sum()
          .backward();
        expect(maxDiff(x.grad!.dataSync(), NP.gin)).toBeLessThanOrEqual(1e-6);
        expect(maxDiff(cp.F.sparsemax(x.detach(), { dim: 0 }).dataSync(), NP.yDim0)).toBeLessThanOrEqual(1e-6);
        expect(cp.F.sparsemax(cp.tensor(3)).item()).toBe(1);
      }));

    test('property: equals the float64 reference along any dim, on the simplex, with exact zeros', () => {
      const arb = fc
        .record({
          shape: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
          scale: fc.constantFrom(0.1, 1, 10),
        })
        .chain(({ shape, scale }) =>
          fc.record({
            shape: fc.constant(shape),
            dim: fc.integer({ min: -shape.length, max: shape.length - 1 }),
            data: fc.float32Array({
              minLength: shape.reduce((a, b) => a * b, 1),
              maxLength: shape.reduce((a, b) => a * b, 1),
              min: Math.fround(-3 * scale),
              max: Math.fround(3 * scale),
              noNaN: true,
              noDefaultInfinity: true,
            }),
          }),
        );
      fc.assert(
        fc.property(arb, ({ shape, dim, data }) =>
          cp.tidy(() => {
            const x = cp.tensor(data, { shape });
            const d = dim < 0 ? dim + shape.length : dim;
            const y = cp.F.sparsemax(x, { dim });
            const order = [...shape.keys()].filter((i) => i !== d).concat(d);
            const moved = x.permute(order);
            const want = cp.tensor(
              Array.from({ length: moved.size / shape[d] }, (_, r) =>
                sparsemax64(Array.from(moved.dataSync().slice(r * shape[d], (r + 1) * shape[d]))),
              ).flat(),
              { shape: moved.shape },
            );
            const got = y.permute(order);
            const scale = Math.max(1, ...Array.from(data, Math.abs));
            expect(maxDiff(got.dataSync(), want.dataSync())).toBeLessThanOrEqual(2e-6 * scale);
            expect(y.min().item()).toBeGreaterThanOrEqual(0);
            expect(maxDiff(y.sum(d).dataSync(), new Array(moved.size / shape[d]).fill(1))).toBeLessThanOrEqual(
              2e-6 * scale,
            );
          }),
        ),
        { numRuns: ctx.numRuns, seed: ctx.seed },
      );
    });

    test('gradcheck passes, along the last dim and along dim 0, and the fused kernel equals the core fallback', () => {
      const values = cp.tidy(() => Array.from(cp.F.sparsemax(cp.tensor(X)).dataSync()));
      const fallback = onBackend(withoutFused(ctx.backend()), () =>
        cp.tidy(() => Array.from(cp.F.sparsemax(cp.tensor(X)).dataSync())),
      );
      expect(maxDiff(values, fallback)).toBeLessThanOrEqual(1e-6);
      cp.tidy(() => {
        for (const dim of [-1, 0]) {
          const r = cp.gradcheck((x) => cp.F.sparsemax(x, { dim }), [cp.tensor(X)], { eps: 1e-3 });
          expect(r.ok, `dim ${dim}: ${JSON.stringify(r.worst)}`).toBe(true);
        }
        const big = cp.randn([16, 64], { generator: new cp.Generator(2) }).mul(3);
        expect(cp.F.sparsemax(big).sum(1).sub(1).abs().max().item()).toBeLessThanOrEqual(1e-5);
      });
    });

    test('bad input raises naming sparsemax', () =>
      cp.tidy(() => {
        expect(() => cp.F.sparsemax(cp.ones([2, 3]), { dim: 2 })).toThrow(/sparsemax/);
        expect(() => cp.F.sparsemax(cp.ones([2], { dtype: 'int32' }))).toThrow(/sparsemax/);
        expect(() => cp.F.sparsemax(cp.ones([2]), { axis: 0 } as never)).toThrow(/sparsemax: unknown option/);
      }));
  });

  describe('constraints.project (differentiable)', () => {
    for (const [label, make] of SUPPORTED) {
      test(`${label}: the values equal c.project(x) and gradcheck passes`, () =>
        cp.tidy(() => {
          const x = cp.tensor(X);
          const want = make().project(x);
          const got = C.project(make(), x);
          expect(maxDiff(got.dataSync(), want.dataSync()), label).toBeLessThanOrEqual(2e-6);
          const c = make();
          const r = cp.gradcheck((t) => C.project(c, t), [x], { eps: 1e-3 });
          expect(r.ok, `${label}: ${JSON.stringify(r.worst)}`).toBe(true);
        }));
    }

    test('the known Jacobians: a mask for boxes, (r/‖x‖)(I - x̂x̂ᵀ) for norm balls and the sphere, sparsemax for the simplex', () =>
      cp.tidy(() => {
        const g = cp.tensor([0.3, -1.1, 0.7, 0.25]);
        const x = cp.tensor([0.9, -0.35, 0.2, 1.7], { requiresGrad: true });
        C.project(C.clamp(-0.3, 1), x).mul(g).sum().backward();
        expect(Array.from(x.grad!.dataSync())).toEqual([Math.fround(0.3), 0, Math.fround(0.7), 0]);
        const xs = [0.9, -0.35, 0.2, 1.7];
        const n = Math.hypot(...xs);
        const gs = [0.3, -1.1, 0.7, 0.25];
        const dot = xs.reduce((s, v, i) => s + v * gs[i], 0);
        for (const [c, r] of [
          [C.maxNorm(1), 1],
          [C.sphere(3), 3],
          [C.unitNorm(), 1],
        ] as const) {
          x.grad = null;
          C.project(c, x).mul(g).sum().backward();
          const want = gs.map((gi, i) => (r / n) * (gi - (xs[i] * dot) / (n * n)));
          expect(maxDiff(x.grad!.dataSync(), want), String(c)).toBeLessThanOrEqual(1e-6);
        }
        x.grad = null;
        C.project(C.l2Ball(5), x).mul(g).sum().backward(); // inside: the identity
        expect(maxDiff(x.grad!.dataSync(), gs)).toBeLessThanOrEqual(1e-7);
        x.grad = null;
        C.project(C.simplex(), x).mul(g).sum().backward();
        const viaSparsemax = cp.tensor(xs, { requiresGrad: true });
        cp.F.sparsemax(viaSparsemax).mul(g).sum().backward();
        expect(Array.from(x.grad!.dataSync())).toEqual(Array.from(viaSparsemax.grad!.dataSync()));
      }));

    test('psd: the value is the projection bit for bit, gradcheck passes, and inside the set the gradient is sym(g)', () =>
      cp.tidy(() => {
        const a = cp.tensor([
          [2, 0.5, -0.3],
          [0.1, -1, 0.4],
          [0.2, 0.3, 0.5],
        ]); // eigenvalues of the symmetric part: -1.107, 0.577, 2.030 (numpy)
        for (const minEig of [0, 0.8]) {
          const c = C.psd({ minEig });
          expect(Array.from(C.project(c, a).dataSync())).toEqual(Array.from(c.project(a).dataSync()));
          const r = cp.gradcheck((t) => C.project(c, t), [a], { eps: 1e-3 });
          expect(r.ok, `minEig ${minEig}: ${JSON.stringify(r.worst)}`).toBe(true);
        }
        const inside = cp.tensor(
          [
            [2, 0.5, -0.3],
            [0.1, 1.4, 0.4],
            [0.2, 0.3, 0.9],
          ],
          { requiresGrad: true },
        ); // eigenvalues 0.693, 1.475, 2.131
        const g = cp.tensor([1, 2, 0, -1, 0.5, 3, 0, 0, 1], { shape: [3, 3] });
        C.project(C.psd({ minEig: 0.5 }), inside)
          .mul(g)
          .sum()
          .backward();
        const want = g.add(g.t()).mul(0.5).dataSync();
        expect(maxDiff(inside.grad!.dataSync(), want)).toBeLessThanOrEqual(1e-5);
      }));

    test('sets without a Jacobian raise an UnsupportedError naming the set', () =>
      cp.tidy(() => {
        const x = cp.tensor([
          [1, 0.5],
          [0.5, 2],
        ]);
        for (const [c, name] of [
          [C.intersect(C.nonNeg(), C.l2Ball(1)), 'intersect'],
          [(v: cp.Tensor) => v.clamp(0, 1), 'function'],
          [C.minMaxNorm(0, 1, { rate: 0.5 }), 'minMaxNorm'],
        ] as const) {
          expect(() => C.project(c, x), name).toThrow(cp.UnsupportedError);
          expect(() => C.project(c, x), name).toThrow(new RegExp(`constraints.project: .*'${name}`));
        }
      }));

    test('a projection inside a model trains: sparsemax attention weights stay on the simplex', () =>
      cp.tidy(() => {
        const gen = new cp.Generator(4);
        const lin = new cp.nn.Linear(4, 3);
        const opt = new cp.optim.Adam(lin.parameters(), { lr: 0.05 });
        const x = cp.randn([8, 4], { generator: gen });
        const target = cp.tensor([0, 1, 0]);
        let first = 0;
        let last = 0;
        for (let s = 0; s < 30; s++) {
          opt.zeroGrad();
          const loss = cp.tidy(() => {
            const l = C.project(C.simplex({ dim: 1 }), lin.call(x))
              .sub(target)
              .square()
              .mean();
            l.backward();
            return l.item();
          });
          if (s === 0) first = loss;
          last = loss;
          opt.step();
        }
        expect(last).toBeLessThan(first / 2);
      }));
  });
}
