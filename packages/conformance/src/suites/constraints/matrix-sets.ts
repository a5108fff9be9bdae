/**
 * The matrix sets `psd` and `spectralNorm`: projections against numpy (embedded values), feasibility,
 * idempotence and feasible inputs kept bit for bit, optimality against random feasible points (psd), the
 * spectral norm's convergence over steps against the true largest singular value (an independent float64 power
 * iteration), its reparametrization against PyTorch 1.13's `spectral_norm` (values, gradient and the updated
 * vectors). Specs and enforcement after steps are in matrix-sets-steps.ts.
 */
import * as cp from '@cp/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { bits, dataArb, dist, maxDiff, sameBits } from './helpers.js';

const C = cp.constraints;

/** The largest singular value of a row-major `rows × cols` matrix by float64 power iteration on WᵀW to convergence. */
export function sigmaByPowerIteration(a: ArrayLike<number>, rows: number, cols: number): number {
  let v = Array.from({ length: cols }, (_, i) => 1 + ((i * 37) % 11) / 7);
  let sigma = 0;
  for (let it = 0; it < 20000; it++) {
    const wv = Array.from({ length: rows }, (_, r) => v.reduce((s, x, c) => s + a[r * cols + c] * x, 0));
    const next = Array.from({ length: cols }, (_, c) => wv.reduce((s, x, r) => s + a[r * cols + c] * x, 0));
    const n = Math.hypot(...next);
    if (n === 0) return 0;
    const now = Math.sqrt(n / Math.hypot(...v));
    v = next.map((x) => x / n);
    if (Math.abs(now - sigma) <= 1e-15 * now) return now;
    sigma = now;
  }
  return sigma;
}

// PyTorch 1.13: spectral_norm(Linear(3, 4) / Conv2d(3, 2, 2), n_power_iterations=1) with _u, _v set to u0, v0,
// one training forward (weight W, vectors u1, v1) and (W * G).sum().backward() (grad of the original V).
const TORCH = {
  linear: {
    shape: [4, 3],
    V: [3.082, -0.586, -4.358, 1.136, -2.17, -2.798, 0.806, 1.676, -1.438, -0.806, -1.194, 0.364],
    u0: [-0.857, 1.101, -1.071, 0.123],
    v0: [-0.566, 0.373, -0.892],
    G: [-1.509, 0.37, 1.457, 0.94, 0.775, 0.192, 1.264, -1.29, -0.791, -0.021, -0.718, 0.519],
    W: [
      0.5098387598991394, -0.0969388484954834, -0.7209206223487854, 0.187922403216362, -0.358971506357193,
      -0.4628582000732422, 0.1333322674036026, 0.2772517204284668, -0.2378806471824646, -0.1333322674036026,
      -0.1975170373916626, 0.0602145716547966,
    ],
    grad: [
      -0.12938636541366577, 0.052980948239564896, 0.0508250892162323, 0.2206961065530777, 0.12374366074800491,
      -0.07136909663677216, 0.29980048537254333, -0.2196032851934433, -0.27432897686958313, -0.023084545508027077,
      -0.11743323504924774, 0.11687612533569336,
    ],
    u1: [0.7274570465087891, 0.3944460451602936, 0.5487638711929321, -0.11864568293094635],
    v1: [0.5339983105659485, -0.036533474922180176, -0.8446958661079407],
    sigma: 6.449248910856566, // numpy.linalg.svd
  },
  conv: {
    shape: [2, 3, 2, 2],
    V: [
      -0.006, -1.068, 2.338, 0.79, 3.882, 1.582, -0.04, -0.874, -0.438, -4.87, -0.146, -0.068, 1.926, 0.698, -1.842,
      -0.112, -1.246, -0.928, 3.844, -0.806, 0.248, 2.33, 1.846, 2.774,
    ],
    u0: [-0.458, -0.336],
    // biome-ignore lint/suspicious/noApproximativeNumericConstant: a value PyTorch printed, not log10(e).
    v0: [-1.57, 1.232, 1.395, 1.171, 0.434, -1.734, -1.336, 0.887, 0.768, 0.057, 0.224, 0.552],
    G: [
      -1.612, -0.479, -0.143, -0.317, 0.967, -0.991, 0.302, -0.107, 1.081, 0.131, 1.574, 0.781, 0.987, -1.488, 0.587,
      0.158, 0.667, -0.994, -1.189, -1.196, 1.312, -0.21, 0.782, 0.99,
    ],
    W: [
      -0.0008982009021565318, -0.15987975895404816, 0.34999898076057434, 0.1182631254196167, 0.5811359882354736,
      0.23682564496994019, -0.005988006014376879, -0.13083793222904205, -0.06556866317987442, -0.72903972864151,
      -0.021856222301721573, -0.010179610922932625, 0.2883225083351135, 0.10449071228504181, -0.275747686624527,
      -0.016766417771577835, -0.18652640283107758, -0.13892173767089844, 0.5754473805427551, -0.12065832316875458,
      0.037125635892152786, 0.3488013446331024, 0.27634647488594055, 0.415268212556839,
    ],
    grad: [
      -0.2409231811761856, -0.07155150920152664, -0.021810274571180344, -0.04748691990971565, 0.14446087181568146,
      -0.14856061339378357, 0.045995064079761505, -0.016172485426068306, 0.16188156604766846, 0.02014269307255745,
      0.23600678145885468, 0.11748320609331131, 0.14077220857143402, -0.22550182044506073, 0.09502770751714706,
      0.024219922721385956, 0.10515893250703812, -0.14511537551879883, -0.19193388521671295, -0.17629863321781158,
      0.19541828334331512, -0.04087662696838379, 0.11034504324197769, 0.1381351500749588,
    ],
    u1: [0.056266285479068756, -0.9984157681465149],
    v1: [
      -0.28791624307632446, -0.11332101374864578, 0.2950039803981781, 0.023394081741571426, 0.218929260969162,
      0.15202696621418, -0.5748727321624756, 0.1131054013967514, -0.04075612872838974, -0.3892691433429718,
      -0.27713844180107117, -0.41518309712409973,
    ],
    sigma: 8.30019985922211,
  },
};

// numpy: A (4×4, not symmetric), P = Q max(Λ, minEig) Qᵀ of its symmetric part (numpy.linalg.eigh).
const PSD_A = [
  3.248, -1.224, -1.056, -2.146, 1.73, -4.604, 3.49, -1.522, 0.638, -0.498, 2.924, -4.12, -0.644, -0.768, 2.268, -2.2,
];
const PSD_P: Record<number, number[]> = {
  0: [
    3.3929122111637975, 0.1944430414227912, -0.0814175943969413, -0.8263601209036175, 0.19444304142279129,
    0.15589709927120166, 0.6717116652815485, -0.18420607349602788, -0.0814175943969413, 0.6717116652815485,
    3.162399385194397, -0.6196095624662603, -0.8263601209036177, -0.18420607349602786, -0.6196095624662603,
    0.3306389413704247,
  ],
  0.5: [
    3.422050045624184, 0.170940132847132, -0.05385073736888302, -0.7149707788854902, 0.1709401328471321,
    0.6336509216116211, 0.5746216578608817, -0.15872391980235698, -0.05385073736888302, 0.5746216578608816,
    3.200692712724326, -0.5330423418553417, -0.7149707788854904, -0.15872391980235695, -0.5330423418553417,
    0.7854539570396897,
  ],
};

/** A random feasible point of psd(minEig): B Bᵀ + minEig·I, batched as `shape`. */
function feasiblePsd(b: Float32Array, n: number, count: number, minEig: number): cp.Tensor {
  const m = cp.tensor(b, { shape: [count, n, n] });
  const z = m.matmul(m.transpose(-2, -1)).add(cp.eye(n).mul(minEig));
  return z.add(z.transpose(-2, -1)).mul(0.5); // exactly symmetric whatever order the matmul sums in
}

/** The psd and spectralNorm sets on the backend under test. */
export function matrixSetsSuite(ctx: SuiteContext): void {
  const opts = { numRuns: ctx.numRuns, seed: ctx.seed };

  describe('constraints: psd', () => {
    test('the projection equals numpy: symmetrize, eigh, clamp the eigenvalues at minEig', () =>
      cp.tidy(() => {
        for (const minEig of [0, 0.5]) {
          const c = C.psd({ minEig });
          const y = c.project(cp.tensor(PSD_A, { shape: [4, 4] }));
          expect(maxDiff(y.dataSync(), PSD_P[minEig]), `minEig ${minEig}`).toBeLessThanOrEqual(2e-6);
          expect(c.check(y).ok).toBe(true);
          expect(sameBits(bits(c.project(y)), bits(y)), 'idempotent').toBe(true);
          const d = y.dataSync();
          for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(d[i * 4 + j]).toBe(d[j * 4 + i]);
        }
      }));

    test('a 40×40 matrix with 22 eigenvalues below minEig: the projection equals numpy (norm, trace, corner entries)', () =>
      cp.tidy(() => {
        const n = 40;
        const a = cp.tensor(
          Array.from({ length: n * n }, (_, k) =>
            Math.sin(Math.floor(k / n) * 7 + (k % n) * 3 + Math.floor(k / n) * (k % n)),
          ),
          { shape: [n, n] },
        );
        const c = C.psd({ minEig: 0.1 });
        const y = c.project(a);
        const d = y.dataSync();
        expect(y.square().sum().sqrt().item()).toBeCloseTo(14.105599915287433, 4);
        let trace = 0;
        for (let i = 0; i < n; i++) trace += d[i * n + i];
        expect(trace).toBeCloseTo(53.997216971692545, 4);
        expect(
          maxDiff(
            Array.from(d.slice(0, 4)),
            [1.501511567800543, 0.20477060128709187, 0.14454969251887206, 0.29096308948398075],
          ),
        ).toBeLessThanOrEqual(2e-6);
        expect(
          maxDiff(Array.from(d.slice(n * n - 3)), [-0.23437446625123745, -0.19353037330439704, 1.5478032618549609]),
        ).toBeLessThanOrEqual(2e-6);
        expect(c.check(y).ok).toBe(true);
        expect(sameBits(bits(c.project(y)), bits(y)), 'idempotent').toBe(true);
      }));

    test('property: feasible, idempotent, feasible points kept bit for bit, and no farther than feasible points', () => {
      const arb = fc
        .record({ n: fc.integer({ min: 1, max: 6 }), count: fc.integer({ min: 1, max: 2 }) })
        .chain(({ n, count }) =>
          fc.record({
            n: fc.constant(n),
            count: fc.constant(count),
            minEig: fc.constantFrom(0, 0.5, -1),
            data: dataArb(count * n * n, 4),
            others: fc.array(dataArb(count * n * n, 2), { minLength: 1, maxLength: 3 }),
          }),
        );
      fc.assert(
        fc.property(arb, ({ n, count, minEig, data, others }) =>
          cp.tidy(() => {
            const c = C.psd({ minEig });
            const x = cp.tensor(data, { shape: [count, n, n] });
            const y = c.project(x);
            expect(c.check(y).ok, `feasible: ${c.check(y).maxViolation}`).toBe(true);
            expect(sameBits(bits(c.project(y)), bits(y)), 'idempotent').toBe(true);
            for (const o of others) {
              const z = feasiblePsd(o, n, count, minEig);
              const zp = c.project(z);
              expect(sameBits(bits(zp), bits(z)), 'feasible kept').toBe(true);
              expect(dist(data, y.dataSync())).toBeLessThanOrEqual(dist(data, zp.dataSync()) + 1e-5 * n * 4);
            }
          }),
        ),
        opts,
      );
    });

    test('reparametrize: L Lᵀ + minEig·I, its inverse round-trips, gradcheck passes through it', () =>
      cp.tidy(() => {
        const c = C.psd({ minEig: 0.25 });
        const l = cp.tensor([
          [1, 0],
          [2, -1],
        ]);
        expect(Array.from(c.transform!(l).dataSync())).toEqual([1.25, 2, 2, 5.25]);
        const v = cp.tensor(PSD_P[0.5], { shape: [4, 4] });
        expect(maxDiff(c.transform!(c.inverse!(v)).dataSync(), v.dataSync())).toBeLessThanOrEqual(1e-5);
        const raw = cp.randn([3, 3], { generator: new cp.Generator(5) });
        const r = cp.gradcheck((t) => c.transform!(t), [raw], { eps: 1e-2, atol: 2e-2, rtol: 2e-2 });
        expect(r.ok, JSON.stringify(r.worst)).toBe(true);
      }));

    test('bad shapes and options raise naming psd', () =>
      cp.tidy(() => {
        expect(() => C.psd().project(cp.zeros([2, 3]))).toThrow(/^psd: needs square matrices .*\[2, ?3\]/);
        expect(() => C.psd({ minEig: Number.NaN })).toThrow(/^psd: minEig must be a finite number, got NaN/);
        expect(() => C.psd({ min: 1 } as never)).toThrow(/^psd: unknown option 'min'/);
        const p = new cp.nn.Parameter(cp.zeros([3]));
        expect(() => p.registerConstraint(C.psd())).toThrow(/psd: needs square matrices/);
      }));
  });

  describe('constraints: spectralNorm', () => {
    for (const [name, t] of Object.entries(TORCH)) {
      test(`reparametrize equals PyTorch 1.13 spectral_norm on a ${name} weight: value, updated u and v, gradient`, () =>
        cp.tidy(() => {
          const rows = t.shape[0];
          const cols = t.V.length / rows;
          for (const m of [1, 2]) {
            const c = C.spectralNorm(m, { nPowerIterations: 1 });
            c.setVectors(rows, cols, t.u0, t.v0);
            const w = c.transform!(cp.tensor(t.V, { shape: t.shape }));
            expect(
              maxDiff(
                w.dataSync(),
                t.W.map((x) => m * x),
              ),
              `maxSigma ${m}`,
            ).toBeLessThanOrEqual(2e-6 * m);
            const st = c.vectors(rows, cols)!;
            expect(maxDiff(st.u, t.u1)).toBeLessThanOrEqual(1e-6);
            expect(maxDiff(st.v, t.v1)).toBeLessThanOrEqual(1e-6);
            const before = c.vectors(rows, cols)!;
            const v = cp.tensor(t.V, { shape: t.shape, requiresGrad: true });
            c.transform!(v)
              .mul(cp.tensor(t.G, { shape: t.shape }))
              .sum()
              .backward();
            expect(
              maxDiff(
                v.grad!.dataSync(),
                t.grad.map((x) => m * x),
              ),
            ).toBeLessThanOrEqual(2e-6 * m);
            expect(c.vectors(rows, cols), 'the differentiated pass keeps the vectors').toEqual(before);
          }
          expect(C.spectralNorm(1).violation(cp.tensor(t.V, { shape: t.shape }))).toBeCloseTo(t.sigma - 1, 5);
        }));
    }

    test('reparametrize on a large weight: the power step runs on the backend and matches a float64 step', () =>
      cp.tidy(() => {
        const rows = 64;
        const cols = 300;
        const gen = new cp.Generator(17);
        const w = cp.randn([rows, cols], { generator: gen });
        const u0 = Array.from(cp.randn([rows], { generator: gen }).dataSync());
        const v0 = Array.from(cp.randn([cols], { generator: gen }).dataSync());
        const c = C.spectralNorm(2, { nPowerIterations: 1 });
        c.setVectors(rows, cols, u0, v0);
        const value = c.transform!(w);
        const a = w.dataSync();
        const unit = (x: number[]) => x.map((e) => e / Math.hypot(...x));
        const v = unit(v0);
        const u = unit(Array.from({ length: rows }, (_, r) => v.reduce((t, e, k) => t + a[r * cols + k] * e, 0)));
        const v1 = unit(Array.from({ length: cols }, (_, k) => u.reduce((t, e, r) => t + a[r * cols + k] * e, 0)));
        const st = c.vectors(rows, cols)!;
        expect(maxDiff(st.u, u)).toBeLessThanOrEqual(1e-5);
        expect(maxDiff(st.v, v1)).toBeLessThanOrEqual(1e-5);
        let sigma = 0;
        for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) sigma += u[r] * a[r * cols + k] * v1[k];
        const want = Array.from(a, (e) => e / Math.max(1, sigma / 2));
        expect(maxDiff(value.dataSync(), want)).toBeLessThanOrEqual(1e-5);
      }));

    test('gradcheck passes through the reparametrization (converged vectors) and through the differentiated pass', () =>
      cp.tidy(() => {
        const c = C.spectralNorm(0.5, { nPowerIterations: 200 });
        const raw = cp.randn([3, 4], { generator: new cp.Generator(8) });
        c.transform!(raw);
        const r = cp.gradcheck((t) => c.transform!(t), [raw], { eps: 1e-3, atol: 1e-2, rtol: 1e-2 });
        expect(r.ok, JSON.stringify(r.worst)).toBe(true);
        const inside = C.spectralNorm(100);
        const g = cp.gradcheck((t) => inside.transform!(t), [raw], { eps: 1e-3 });
        expect(g.ok, 'inside the set the transform is the identity').toBe(true);
      }));

    test('project mode: after enough steps the true largest singular value is at most maxSigma·(1 + 1e-5)', () =>
      cp.tidy(() => {
        const gen = new cp.Generator(11);
        const lin = new cp.nn.Linear(24, 16);
        cp.noGrad(() => lin.weight.copy_(cp.randn([16, 24], { generator: gen })));
        const c = C.spectralNorm(1.5);
        lin.registerConstraint('weight', c);
        const opt = new cp.optim.SGD(lin.parameters(), { lr: 0.01 });
        const x = cp.randn([8, 24], { generator: gen });
        for (let s = 0; s < 60; s++) {
          opt.zeroGrad();
          cp.tidy(() => lin.call(x).square().sum().neg().backward());
          opt.step();
        }
        const sigma = sigmaByPowerIteration(lin.weight.dataSync(), 16, 24);
        expect(sigma).toBeLessThanOrEqual(1.5 * (1 + 1e-5));
        expect(sigma).toBeGreaterThan(1.5 * (1 - 1e-3)); // the loss pushes the weight outward: it sits on the bound
        expect(c.check(lin.weight).ok).toBe(true);
      }));

    test('property: converged projections are feasible and idempotent; weights inside keep their bits', () => {
      const arb = fc
        .record({
          shape: fc.oneof(
            fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })).map(([a, b]) => [a, b]),
            fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 })).map(([a, b]) => [a, b, 2, 2]),
          ),
          maxSigma: fc.double({ min: 0.1, max: 3, noNaN: true }),
        })
        .chain((r) =>
          dataArb(
            r.shape.reduce((a, b) => a * b, 1),
            4,
          ).map((data) => ({ ...r, data })),
        );
      fc.assert(
        fc.property(arb, ({ shape, maxSigma, data }) =>
          cp.tidy(() => {
            const c = C.spectralNorm(maxSigma, { nPowerIterations: 10000 });
            const y = c.project(cp.tensor(data, { shape }));
            const rows = shape[0];
            const sigma = sigmaByPowerIteration(y.dataSync(), rows, data.length / rows);
            expect(sigma, 'feasible (independent power iteration)').toBeLessThanOrEqual(maxSigma * (1 + 1e-5));
            expect(c.check(y).ok).toBe(true);
            expect(sameBits(bits(c.project(y)), bits(y)), 'idempotent').toBe(true);
            const inside = cp.tensor(data, { shape }).mul(maxSigma / Math.max(1e-3, 1.01 * sigmaOf(data, rows)));
            expect(sameBits(bits(c.project(inside)), bits(inside)), 'inside kept').toBe(true);
          }),
        ),
        opts,
      );
    });

    test('a zero weight stays zero and the vectors recover from it; bad arguments raise naming spectralNorm', () =>
      cp.tidy(() => {
        const c = C.spectralNorm(1, { nPowerIterations: 100 });
        expect(Array.from(c.project(cp.zeros([2, 2])).dataSync())).toEqual([0, 0, 0, 0]);
        const y = c.project(cp.tensor([3, 0, 0, 4], { shape: [2, 2] }));
        expect(maxDiff(y.dataSync(), [0.75, 0, 0, 1])).toBeLessThanOrEqual(1e-6);
        expect(() => C.spectralNorm(-1)).toThrow(/^spectralNorm: maxSigma must be a number >= 0/);
        expect(() => C.spectralNorm(1, { nPowerIterations: 0 })).toThrow(/^spectralNorm: nPowerIterations must be/);
        expect(() => C.spectralNorm(1, { nPowerIterations: 1.5 })).toThrow(/^spectralNorm: nPowerIterations must be/);
        expect(() => c.project(cp.zeros([3]))).toThrow(/^spectralNorm: needs a weight with at least 2 dims.*\[3\]/);
      }));
  });
}

/** σ of `data` viewed as `rows × (n/rows)`. */
function sigmaOf(data: Float32Array, rows: number): number {
  return sigmaByPowerIteration(data, rows, data.length / rows);
}
