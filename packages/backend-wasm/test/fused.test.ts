// Differential tests of the fused kernels against @cp/backend-js: softmax family within 1 ulp (double
// arithmetic in both, sums in another order), optimizer updates and projections bit-identical.
import type { Backend } from '@cp/core/backend';
import fc from 'fast-check';
import { afterEach, describe, it } from 'vitest';
import { data, expectExact, expectNoLeaks, expectUlps, rng, runBoth } from './helpers.js';

afterEach(expectNoLeaks);

const F = 'float32';
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
  it('sgdUpdate (momentum, dampening, nesterov, weight decay, maximize) is bit-identical to the reference', () => {
    fc.assert(
      fc.property(sgdArb, (o) => {
        const withBuf = o.momentum !== 0;
        const { got, want } = runBoth(
          {
            param: { dtype: F, init: data(F, o.n, o.seed, { specials: true }) },
            grad: { dtype: F, init: data(F, o.n, o.seed + 1) },
            buf: { dtype: F, init: data(F, o.n, o.seed + 2) },
          },
          (be, h) => fused(be).sgdUpdate({ ...o, param: h.param, grad: h.grad, momentumBuf: withBuf ? h.buf : null }),
        );
        expectExact(got.param, want.param, 'param');
        expectExact(got.buf, want.buf, 'buf');
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
  it('adamUpdate (Adam, AdamW, amsgrad, maximize) is bit-identical to the reference', () => {
    fc.assert(
      fc.property(adamArb, (o) => {
        const { got, want } = runBoth(
          {
            param: { dtype: F, init: data(F, o.n, o.seed, { specials: true }) },
            grad: { dtype: F, init: data(F, o.n, o.seed + 1) },
            m: { dtype: F, init: data(F, o.n, o.seed + 2) },
            v: { dtype: F, init: data(F, o.n, o.seed + 3, { lo: 0, hi: 5 }) },
            vmax: { dtype: F, init: data(F, o.n, o.seed + 4, { lo: 0, hi: 5 }) },
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
        for (const k of ['param', 'm', 'v', 'vmax']) expectExact(got[k], want[k], k);
      }),
    );
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
  it('renormSlices (max/min norm, any rate, in place) is bit-identical to the reference', () => {
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
          expectExact(got[inPlace ? 'x' : 'out'], want[inPlace ? 'x' : 'out'], 'renormSlices');
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
});
