// Differential tests of the fused kernels against @cp/backend-js: softmax family within 1 ulp (double
// arithmetic in both, sums in another order), optimizer updates (float32 SIMD) within the relative bounds of
// docs/numerics.md with special values exactly like the reference, clamp, simplexProject and l1BallProject bit-identical,
// renormSlices bit for bit on slices inside the bounds and within 2 ulp on rescaled ones.
import type { Backend } from '@cp/core/backend';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { data, expectExact, expectNoLeaks, expectUlps, expectWithin, rng, runBoth, ulps } from './helpers.js';

afterEach(expectNoLeaks);

const F = 'float32';
const EPS32 = 2 ** -23;
const TINY = 2 ** -120;
const fused = (be: Backend) => be.fused as Required<Backend['fused']>;
const rowsCols = fc.record({ rows: fc.nat(5), cols: fc.nat(40), seed: fc.nat(), specials: fc.boolean() });

describe('softmax family', () => {
  for (const name of ['softmax', 'logSoftmax'] as const) {
    it(`${name} over rows is within 1 ulp of the reference, in place or not`, () => {
      fc.assert(
        fc.property(rowsCols, fc.boolean(), ({ rows, cols, seed, specials }, inPlace) => {
          const x = data(F, rows * cols, seed, { lo: -30, hi: 30, specials });
          const { got, want } = runBoth({ x: { dtype: F, init: x }, out: { dtype: F, size: rows * cols } }, (be, h) =>
            fused(be)[name]({ x: h.x, out: inPlace ? h.x : h.out, rows, cols }),
          );
          const k = inPlace ? 'x' : 'out';
          expectUlps(got[k], want[k], 1, name);
        }),
      );
    });
  }
  it('softmaxCrossEntropy is within 2 ulps of the reference', () => {
    fc.assert(
      fc.property(rowsCols, ({ rows, cols, seed, specials }) => {
        const c = Math.max(1, cols);
        const r = rng(seed);
        const labels = Int32Array.from({ length: rows }, () => Math.floor(r() * c));
        const { got, want } = runBoth(
          {
            logits: { dtype: F, init: data(F, rows * c, seed, { lo: -30, hi: 30, specials }) },
            labels: { dtype: 'int32', init: labels },
            out: { dtype: F, size: rows },
          },
          (be, h) => fused(be).softmaxCrossEntropy({ logits: h.logits, labels: h.labels, out: h.out, rows, cols: c }),
        );
        expectUlps(got.out, want.out, 2, 'softmaxCrossEntropy');
      }),
    );
  });
});

describe('optimizer updates', () => {
  const sgdArb = fc.record({
    n: fc.nat(37),
    seed: fc.nat(),
    lr: fc.constantFrom(0.1, 0.01, 1e-3),
    momentum: fc.constantFrom(0, 0.9),
    dampening: fc.constantFrom(0, 0.1),
    nesterov: fc.boolean(),
    weightDecay: fc.constantFrom(0, 1e-4, 0.05),
    firstStep: fc.boolean(),
    maximize: fc.boolean(),
  });
  it('sgdUpdate (momentum, dampening, nesterov, weight decay, maximize) is within the relative bound of the reference', () => {
    fc.assert(
      fc.property(sgdArb, (o) => {
        const withBuf = o.momentum !== 0;
        const P = data(F, o.n, o.seed, { specials: true });
        const G = data(F, o.n, o.seed + 1);
        const B = data(F, o.n, o.seed + 2);
        const { got, want } = runBoth(
          { param: { dtype: F, init: P }, grad: { dtype: F, init: G }, buf: { dtype: F, init: B } },
          (be, h) => fused(be).sgdUpdate({ ...o, param: h.param, grad: h.grad, momentumBuf: withBuf ? h.buf : null }),
        );
        // docs/numerics.md: param 2^-23·(4|p| + 16·lr·(|g| + wd|p| + (1+momentum)|buf|)), buffer 8·2^-23·(...).
        const pB: number[] = [];
        const bB: number[] = [];
        for (let i = 0; i < o.n; i++) {
          const g = Math.abs(G[i]) + o.weightDecay * Math.abs(P[i]);
          const buf = withBuf ? o.momentum * Math.abs(o.firstStep ? 0 : B[i]) + g : 0;
          bB.push(8 * EPS32 * buf + TINY);
          pB.push(EPS32 * (4 * Math.abs(P[i]) + 16 * o.lr * (g + (1 + o.momentum) * buf)) + TINY);
        }
        expectWithin(got.param, want.param, pB, 'param');
        if (withBuf) expectWithin(got.buf, want.buf, bB, 'buf');
        else expectExact(got.buf, want.buf, 'buf');
      }),
    );
  });
  const adamArb = fc.record({
    n: fc.nat(37),
    seed: fc.nat(),
    lr: fc.constantFrom(1e-3, 0.1),
    beta1: fc.constantFrom(0.9, 0.5),
    beta2: fc.constantFrom(0.999, 0.99),
    eps: fc.constantFrom(1e-8, 1e-6),
    weightDecay: fc.constantFrom(0, 0.01),
    decoupled: fc.boolean(),
    step: fc.integer({ min: 1, max: 1000 }),
    maximize: fc.boolean(),
    amsgrad: fc.boolean(),
  });
  it('adamUpdate (Adam, AdamW, amsgrad, maximize) is within the relative bound of the reference', () => {
    fc.assert(
      fc.property(adamArb, (o) => {
        const P = data(F, o.n, o.seed, { specials: true });
        const G = data(F, o.n, o.seed + 1);
        const M = data(F, o.n, o.seed + 2);
        const V = data(F, o.n, o.seed + 3, { lo: 0, hi: 5 });
        const VMAX = data(F, o.n, o.seed + 4, { lo: 0, hi: 5 });
        const { got, want } = runBoth(
          {
            param: { dtype: F, init: P },
            grad: { dtype: F, init: G },
            m: { dtype: F, init: M },
            v: { dtype: F, init: V },
            vmax: { dtype: F, init: VMAX },
          },
          (be, h) =>
            fused(be).adamUpdate({
              ...o,
              param: h.param,
              grad: h.grad,
              expAvg: h.m,
              expAvgSq: h.v,
              maxExpAvgSq: o.amsgrad ? h.vmax : null,
            }),
        );
        // docs/numerics.md: moments 8·2^-23·(β|old| + (1−β)·new term); param 2^-23·(4|p| + 32·(lr/bc1)·m̃/denom).
        const bc1 = 1 - o.beta1 ** o.step;
        const bc2 = 1 - o.beta2 ** o.step;
        const [pB, mB, vB, xB] = [[], [], [], []] as number[][];
        for (let i = 0; i < o.n; i++) {
          const g = Math.abs(G[i]) + (o.decoupled ? 0 : o.weightDecay * Math.abs(P[i]));
          const m = o.beta1 * Math.abs(M[i]) + (1 - o.beta1) * g;
          const v = o.beta2 * V[i] + (1 - o.beta2) * g * g;
          const denom = Math.sqrt(o.amsgrad ? Math.max(v, VMAX[i]) : v) / Math.sqrt(bc2) + o.eps;
          mB.push(8 * EPS32 * m + TINY);
          vB.push(8 * EPS32 * v + TINY);
          xB.push(8 * EPS32 * (v + VMAX[i]) + TINY);
          pB.push(EPS32 * (4 * Math.abs(P[i]) + 32 * (o.lr / bc1) * (m / denom)) + TINY);
        }
        expectWithin(got.param, want.param, pB, 'param');
        expectWithin(got.m, want.m, mB, 'm');
        expectWithin(got.v, want.v, vB, 'v');
        if (o.amsgrad) expectWithin(got.vmax, want.vmax, xB, 'vmax');
        else expectExact(got.vmax, want.vmax, 'vmax');
      }),
    );
  });
  it('optimizer updates of long vectors (float32 SIMD body, double tail) stay within the bound', () => {
    const n = 1003;
    const P = data(F, n, 7);
    const G = data(F, n, 8);
    const M = data(F, n, 9);
    const V = data(F, n, 10, { lo: 0, hi: 5 });
    const o = {
      lr: 1e-3,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0,
      decoupled: false,
      step: 3,
      maximize: false,
    };
    const { got, want } = runBoth(
      { param: { dtype: F, init: P }, grad: { dtype: F, init: G }, m: { dtype: F, init: M }, v: { dtype: F, init: V } },
      (be, h) =>
        fused(be).adamUpdate({ ...o, n, param: h.param, grad: h.grad, expAvg: h.m, expAvgSq: h.v, maxExpAvgSq: null }),
    );
    const bc1 = 1 - o.beta1 ** o.step;
    const bc2 = 1 - o.beta2 ** o.step;
    const pB = Array.from({ length: n }, (_, i) => {
      const m = o.beta1 * Math.abs(M[i]) + (1 - o.beta1) * Math.abs(G[i]);
      const v = o.beta2 * V[i] + (1 - o.beta2) * G[i] * G[i];
      return EPS32 * (4 * Math.abs(P[i]) + 32 * (o.lr / bc1) * (m / (Math.sqrt(v) / Math.sqrt(bc2) + o.eps)));
    });
    expectWithin(got.param, want.param, pB, 'param');
    // The double tail (n % 4 = 3 elements) is the reference's arithmetic, bit for bit.
    expectExact(got.param.subarray(n - 3), want.param.subarray(n - 3), 'tail');
  });
});

describe('projections', () => {
  it('clamp is bit-identical to the reference (NaN stays, -0 at lo = 0 becomes +0)', () => {
    fc.assert(
      fc.property(
        fc.nat(40),
        fc.nat(),
        fc.constantFrom(-1, 0, 0.1),
        fc.constantFrom(0.5, 1, 1 / 3),
        (n, seed, lo, hi) => {
          const { got, want } = runBoth(
            { x: { dtype: F, init: data(F, n, seed, { specials: true, lo: -2, hi: 2 }) }, out: { dtype: F, size: n } },
            (be, h) => fused(be).clamp({ x: h.x, out: h.out, n, lo, hi }),
          );
          expectExact(got.out, want.out, 'clamp');
        },
      ),
    );
  });
  /**
   * Slices inside `[lo, hi]` (double norm, like the reference) must be bit-for-bit unchanged; rescaled ones within
   * 2 ulp (the kernel's factor has a 2^-23 margin that keeps the rounded norm inside the bound).
   */
  const expectRenorm = (
    x: ArrayLike<number>,
    got: ArrayLike<number>,
    want: ArrayLike<number>,
    [outer, size, inner, lo, hi]: number[],
    what: string,
  ) => {
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const at = (s: number) => (o * size + s) * inner + i;
        let sq = 0;
        for (let s = 0; s < size; s++) sq += x[at(s)] * x[at(s)];
        const nrm = Math.sqrt(sq);
        const inside = !(nrm > hi || (nrm < lo && nrm > 0));
        for (let s = 0; s < size; s++) {
          const [g, w] = [got[at(s)], want[at(s)]];
          if (inside ? !Object.is(g, x[at(s)]) || !Object.is(w, x[at(s)]) : ulps(g, w) > 2)
            expect.fail(`${what}[${at(s)}]: got ${g}, want ${w} (x ${x[at(s)]}, norm ${nrm}, inside ${inside})`);
        }
      }
    }
  };
  it('renormSlices (max/min norm, any rate, in place) matches the reference: inside bit for bit, rescaled within 2 ulp', () => {
    fc.assert(
      fc.property(
        fc.record({ outer: fc.nat(3), size: fc.nat(9), inner: fc.nat(70), seed: fc.nat(), inPlace: fc.boolean() }),
        fc.constantFrom([0, 1], [0.5, 2], [2, 4], [0, 1e30]),
        fc.constantFrom(1, 0.5, 0),
        ({ outer, size, inner, seed, inPlace }, [lo, hi], rate) => {
          const n = outer * size * inner;
          const x = data(F, n, seed, { lo: -3, hi: 3 });
          if (n > 0 && seed % 3 === 0) x.fill(0, 0, Math.min(n, inner));
          const { got, want } = runBoth({ x: { dtype: F, init: x }, out: { dtype: F, size: n } }, (be, h) =>
            fused(be).renormSlices({ x: h.x, out: inPlace ? h.x : h.out, outer, size, inner, lo, hi, rate }),
          );
          const k = inPlace ? 'x' : 'out';
          expectRenorm(x, got[k], want[k], [outer, size, inner, lo, hi], 'renormSlices');
        },
      ),
    );
  });
  it('renormSlices on long rows and columns (SIMD paths): near the bounds, huge and subnormal slices, idempotent', () => {
    fc.assert(
      fc.property(
        fc.record({
          outer: fc.integer({ min: 1, max: 9 }),
          size: fc.integer({ min: 1, max: 300 }),
          inner: fc.constantFrom(1, 1, 5, 16, 37),
          seed: fc.nat(),
          scale: fc.constantFrom(1, 1e20, 1e-25, 1e-44),
          inPlace: fc.boolean(),
        }),
        fc.constantFrom([0, 1], [0.5, 2], [0, 0]),
        fc.constantFrom(1, 0.5),
        ({ outer, size, inner, seed, scale, inPlace }, [lo, hi], rate) => {
          const n = outer * size * inner;
          const r = rng(seed);
          const x = new Float32Array(n);
          // Each slice gets a norm near lo, near hi, well inside, or far outside (then scaled by `scale`).
          for (let o = 0; o < outer; o++) {
            for (let i = 0; i < inner; i++) {
              const at = (s: number) => (o * size + s) * inner + i;
              const v = Array.from({ length: size }, () => r() * 2 - 1);
              const nrm = Math.hypot(...v) || 1;
              const pick = r();
              const want =
                pick < 0.25
                  ? hi * (1 + (r() - 0.5) * 1e-5)
                  : pick < 0.5
                    ? lo * (1 + (r() - 0.5) * 1e-5)
                    : pick < 0.75
                      ? (lo + hi) / 2
                      : 5;
              for (let s = 0; s < size; s++)
                x[at(s)] = ((v[s] / nrm) * want || v[s]) * (scale === 1 || want !== 5 ? 1 : scale);
            }
          }
          const { got, want } = runBoth({ x: { dtype: F, init: x }, out: { dtype: F, size: n } }, (be, h) =>
            fused(be).renormSlices({ x: h.x, out: inPlace ? h.x : h.out, outer, size, inner, lo, hi, rate }),
          );
          const k = inPlace ? 'x' : 'out';
          expectRenorm(x, got[k], want[k], [outer, size, inner, lo, hi], `renormSlices [${outer}, ${size}, ${inner}]`);
          if (rate === 1) {
            // A projection: applying it again changes nothing.
            const again = runBoth({ x: { dtype: F, init: got[k] } }, (be, h) =>
              fused(be).renormSlices({ x: h.x, out: h.x, outer, size, inner, lo, hi, rate }),
            );
            expectExact(again.got.x, got[k], 'renormSlices twice');
          }
        },
      ),
    );
  });
  it('simplexProject is bit-identical to the reference, rows with NaN become NaN', () => {
    fc.assert(
      fc.property(
        rowsCols,
        fc.constantFrom(1, 2.5),
        fc.boolean(),
        ({ rows, cols, seed, specials }, radius, inPlace) => {
          const x = data(F, rows * cols, seed, { lo: -2, hi: 2 });
          if (specials && x.length > 0) x[seed % x.length] = Number.NaN;
          const { got, want } = runBoth({ x: { dtype: F, init: x }, out: { dtype: F, size: rows * cols } }, (be, h) =>
            fused(be).simplexProject({ x: h.x, out: inPlace ? h.x : h.out, rows, cols, radius }),
          );
          expectExact(got[inPlace ? 'x' : 'out'], want[inPlace ? 'x' : 'out'], 'simplexProject');
        },
      ),
    );
  });
  it('l1BallProject is bit-identical to the reference, rows inside untouched, rows with NaN become NaN', () => {
    fc.assert(
      fc.property(
        rowsCols,
        fc.constantFrom(0.5, 4, 40),
        fc.boolean(),
        ({ rows, cols, seed, specials }, radius, inPlace) => {
          const x = data(F, rows * cols, seed, { lo: -2, hi: 2 });
          if (specials && x.length > 0) x[seed % x.length] = Number.NaN;
          const { got, want } = runBoth({ x: { dtype: F, init: x }, out: { dtype: F, size: rows * cols } }, (be, h) =>
            fused(be).l1BallProject({ x: h.x, out: inPlace ? h.x : h.out, rows, cols, radius }),
          );
          expectExact(got[inPlace ? 'x' : 'out'], want[inPlace ? 'x' : 'out'], 'l1BallProject');
        },
      ),
    );
  });
});
