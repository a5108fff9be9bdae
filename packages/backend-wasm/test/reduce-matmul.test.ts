// Differential tests of reduce, argReduce and matmul against @cp/backend-js. Sums and products use a
// summation bound (the wasm kernels reorder them); max/min/arg* are exact.
import type { DType, ReduceOp } from '@cp/core/backend';
import fc from 'fast-check';
import { afterEach, describe, it } from 'vitest';
import { data, expectExact, expectNoLeaks, expectWithin, runBoth } from './helpers.js';

afterEach(expectNoLeaks);

const dims = fc.record({
  outer: fc.nat(4),
  size: fc.nat(40),
  inner: fc.oneof(fc.constant(1), fc.nat(9)),
  seed: fc.nat(),
});

describe('reduce', () => {
  for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
    for (const op of ['sum', 'prod', 'max', 'min'] as ReduceOp[]) {
      it(`${dtype} ${op} over the middle axis matches the reference for any [outer, size, inner]`, () => {
        fc.assert(
          fc.property(dims, ({ outer, size, inner, seed }) => {
            const lo = op === 'prod' ? 0.5 : -10;
            const hi = op === 'prod' ? 2 : 10;
            const x = data(dtype, outer * size * inner, seed, { specials: op !== 'prod' && op !== 'sum', lo, hi });
            const { got, want } = runBoth({ x: { dtype, init: x }, out: { dtype, size: outer * inner } }, (be, h) =>
              be.kernels.reduce({ op, dtype, x: h.x, out: h.out, outer, size, inner }),
            );
            if (dtype !== 'float32' || op === 'max' || op === 'min') return expectExact(got.out, want.out, op);
            // NOTE: double accumulation in another order: the difference is far below one float32 ulp.
            const bound = Array.from({ length: outer * inner }, (_, j) => {
              const [o, i] = [Math.floor(j / inner), j % inner];
              let mag = 0;
              for (let s = 0; s < size; s++) mag += Math.abs(x[(o * size + s) * inner + i]);
              return op === 'sum' ? size * 2 ** -50 * mag : Math.abs(want.out[j]) * size * 2 ** -50;
            });
            expectWithin(got.out, want.out, bound, op);
          }),
        );
      });
    }
  }
  it('float32 vertical sum/prod (inner > 1, double SIMD columns) and size 1 are bit-identical to the reference', () => {
    fc.assert(
      fc.property(
        fc.record({
          outer: fc.integer({ min: 1, max: 3 }),
          size: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 130 })),
          inner: fc.oneof(fc.integer({ min: 2, max: 40 }), fc.constantFrom(256, 257)),
          seed: fc.nat(),
          op: fc.constantFrom('sum' as const, 'prod' as const),
        }),
        ({ outer, size, inner, seed, op }) => {
          const special = op === 'sum' && size === 1;
          const x = data('float32', outer * size * inner, seed, {
            specials: special,
            lo: op === 'prod' ? 0.9 : -10,
            hi: op === 'prod' ? 1.1 : 10,
          });
          const { got, want } = runBoth(
            { x: { dtype: 'float32', init: x }, out: { dtype: 'float32', size: outer * inner } },
            (be, h) => be.kernels.reduce({ op, dtype: 'float32', x: h.x, out: h.out, outer, size, inner }),
          );
          expectExact(got.out, want.out, op);
        },
      ),
    );
  });
  it('size 0 gives the identity for sum and prod', () => {
    for (const op of ['sum', 'prod'] as const) {
      const { got, want } = runBoth({ x: { dtype: 'float32', size: 0 }, out: { dtype: 'float32', size: 6 } }, (be, h) =>
        be.kernels.reduce({ op, dtype: 'float32', x: h.x, out: h.out, outer: 2, size: 0, inner: 3 }),
      );
      expectExact(got.out, want.out, op);
    }
  });
  for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
    it(`${dtype} argmax/argmin give the first extreme index (first NaN wins) like the reference`, () => {
      fc.assert(
        fc.property(dims, fc.constantFrom('argmax' as const, 'argmin' as const), ({ outer, size, inner, seed }, op) => {
          const sz = Math.max(1, size);
          const x = data(dtype, outer * sz * inner, seed, { specials: true, lo: -3, hi: 3 });
          const { got, want } = runBoth(
            { x: { dtype, init: x }, out: { dtype: 'int32', size: outer * inner } },
            (be, h) => be.kernels.argReduce({ op, dtype, x: h.x, out: h.out, outer, size: sz, inner }),
          );
          expectExact(got.out, want.out, op);
        }),
      );
    });
  }
});

/** The summation bound of each output element: k·2^-23·Σ|a||b| (float32 accumulation in blocks). */
function matmulBound(
  a: Float32Array,
  b: Float32Array,
  c: { batch: number; m: number; k: number; n: number; transA: boolean; transB: boolean; aBs: number; bBs: number },
): number[] {
  const out: number[] = [];
  for (let t = 0; t < c.batch; t++)
    for (let i = 0; i < c.m; i++)
      for (let j = 0; j < c.n; j++) {
        let mag = 0;
        for (let p = 0; p < c.k; p++) {
          const av = a[t * c.aBs + (c.transA ? p * c.m + i : i * c.k + p)];
          const bv = b[t * c.bBs + (c.transB ? j * c.k + p : p * c.n + j)];
          mag += Math.abs(av * bv);
        }
        out.push((c.k + 2) * 2 ** -23 * mag);
      }
  return out;
}

describe('matmul', () => {
  const sizes = fc.oneof(fc.nat(9), fc.integer({ min: 1, max: 70 }));
  const cases = fc.record({
    batch: fc.nat(3),
    m: sizes,
    k: fc.oneof(sizes, fc.constantFrom(255, 256, 257, 300)),
    n: sizes,
    transA: fc.boolean(),
    transB: fc.boolean(),
    bcastA: fc.boolean(),
    bcastB: fc.boolean(),
    seed: fc.nat(),
  });
  it('batched matmul with any transpose and broadcast batch strides is within the summation bound', () => {
    fc.assert(
      fc.property(cases, (c) => {
        const aBs = c.bcastA ? 0 : c.m * c.k;
        const bBs = c.bcastB ? 0 : c.k * c.n;
        const a = data('float32', Math.max(1, c.batch) * c.m * c.k, c.seed, { lo: -2, hi: 2 }) as Float32Array;
        const b = data('float32', Math.max(1, c.batch) * c.k * c.n, c.seed + 1, { lo: -2, hi: 2 }) as Float32Array;
        const { got, want } = runBoth(
          {
            a: { dtype: 'float32', init: a },
            b: { dtype: 'float32', init: b },
            out: { dtype: 'float32', size: c.batch * c.m * c.n },
          },
          (be, h) =>
            be.kernels.matmul({
              a: h.a,
              b: h.b,
              out: h.out,
              batch: c.batch,
              m: c.m,
              k: c.k,
              n: c.n,
              transA: c.transA,
              transB: c.transB,
              aBatchStride: aBs,
              bBatchStride: bBs,
            }),
        );
        expectWithin(got.out, want.out, matmulBound(a, b, { ...c, aBs, bBs }), 'matmul');
      }),
      { numRuns: 40 },
    );
  });
  it('large products crossing every cache block (m, n > 128, k > 256) stay within the bound', () => {
    for (const [m, k, n, transA, transB] of [
      [130, 300, 1030, false, false],
      [131, 257, 67, true, false],
      [129, 513, 33, false, true],
      [200, 260, 150, true, true],
    ] as const) {
      const a = data('float32', m * k, m, { lo: -1, hi: 1 }) as Float32Array;
      const b = data('float32', k * n, n, { lo: -1, hi: 1 }) as Float32Array;
      const { got, want } = runBoth(
        { a: { dtype: 'float32', init: a }, b: { dtype: 'float32', init: b }, out: { dtype: 'float32', size: m * n } },
        (be, h) =>
          be.kernels.matmul({
            a: h.a,
            b: h.b,
            out: h.out,
            batch: 1,
            m,
            k,
            n,
            transA,
            transB,
            aBatchStride: 0,
            bBatchStride: 0,
          }),
      );
      expectWithin(
        got.out,
        want.out,
        matmulBound(a, b, { batch: 1, m, k, n, transA, transB, aBs: 0, bBs: 0 }),
        `matmul ${m}x${k}x${n}`,
      );
    }
  });
  it('k = 0 gives zeros and NaN/Inf inputs propagate like the reference', () => {
    const { got, want } = runBoth(
      { a: { dtype: 'float32', size: 0 }, b: { dtype: 'float32', size: 0 }, out: { dtype: 'float32', size: 6 } },
      (be, h) =>
        be.kernels.matmul({
          a: h.a,
          b: h.b,
          out: h.out,
          batch: 1,
          m: 2,
          k: 0,
          n: 3,
          transA: false,
          transB: false,
          aBatchStride: 0,
          bBatchStride: 0,
        }),
    );
    expectExact(got.out, want.out);
    const a = Float32Array.from([1, Number.NaN, 2, 3, Infinity, 1]);
    const b = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const r = runBoth(
      { a: { dtype: 'float32', init: a }, b: { dtype: 'float32', init: b }, out: { dtype: 'float32', size: 4 } },
      (be, h) =>
        be.kernels.matmul({
          a: h.a,
          b: h.b,
          out: h.out,
          batch: 1,
          m: 2,
          k: 3,
          n: 2,
          transA: false,
          transB: false,
          aBatchStride: 0,
          bBatchStride: 0,
        }),
    );
    expectExact(r.got.out, r.want.out);
  });
});
