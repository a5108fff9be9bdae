// matmul against a naive float64 triple loop within a summation bound: all four transpose combos,
// small and blocked paths, batch strides including 0, and a fast-check property over shapes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backend, download, upload } from './helpers.js';

interface Case {
  batch: number;
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
  aBatchStride: number;
  bBatchStride: number;
  a: number[];
  b: number[];
}

/** Reference: a naive float64 triple loop, plus the summation bound sum|a||b| per element. */
function reference(c: Case): { value: number[]; bound: number[] } {
  const { batch, m, k, n, transA, transB, aBatchStride, bBatchStride, a, b } = c;
  const value: number[] = [];
  const bound: number[] = [];
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        let abs = 0;
        for (let p = 0; p < k; p++) {
          const av = a[t * aBatchStride + (transA ? p * m + i : i * k + p)];
          const bv = b[t * bBatchStride + (transB ? j * k + p : p * n + j)];
          s += av * bv;
          abs += Math.abs(av * bv);
        }
        value.push(s);
        bound.push(abs);
      }
    }
  }
  return { value, bound };
}

function run(c: Case): number[] {
  const be = backend();
  const a = upload(be, 'float32', c.a);
  const b = upload(be, 'float32', c.b);
  const out = be.alloc('float32', c.batch * c.m * c.n);
  const { batch, m, k, n, transA, transB, aBatchStride, bBatchStride } = c;
  be.kernels.matmul({ a, b, out, batch, m, k, n, transA, transB, aBatchStride, bBatchStride });
  return download(be, out);
}

/** Checks every element against the reference within the summation bound (k+2)·2^-24·sum|a||b|. */
function expectClose(c: Case): void {
  const got = run(c);
  const { value, bound } = reference(c);
  expect(got.length).toBe(value.length);
  for (let i = 0; i < got.length; i++) {
    const tol = (c.k + 2) * 2 ** -24 * bound[i] + 1e-30;
    if (!(Math.abs(got[i] - value[i]) <= tol)) {
      throw new Error(`element ${i}: got ${got[i]}, want ${value[i]} ± ${tol}`);
    }
  }
}

/** Random float32-exact values in [-1, 1). */
function values(count: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  const v: number[] = [];
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v.push(Math.fround(s / 2 ** 31 - 1));
  }
  return v;
}

function makeCase(
  batch: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  shareA = false,
  shareB = false,
): Case {
  const aBatchStride = shareA ? 0 : m * k;
  const bBatchStride = shareB ? 0 : k * n;
  const a = values(shareA ? m * k : batch * m * k, m * 31 + k);
  const b = values(shareB ? k * n : batch * k * n, n * 17 + k + 5);
  return { batch, m, k, n, transA, transB, aBatchStride, bBatchStride, a, b };
}

const COMBOS: [boolean, boolean][] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

describe('matmul', () => {
  it('multiplies a worked 2x3 by 3x2 example exactly', () => {
    const c: Case = { ...makeCase(1, 2, 3, 2, false, false), a: [1, 2, 3, 4, 5, 6], b: [7, 8, 9, 10, 11, 12] };
    expect(run(c)).toEqual([58, 64, 139, 154]);
  });

  for (const [transA, transB] of COMBOS) {
    it(`matches the float64 reference on small products with transA=${transA} transB=${transB}`, () => {
      expectClose(makeCase(2, 3, 5, 2, transA, transB));
    });

    it(`matches the float64 reference on blocked products with edge tiles, transA=${transA} transB=${transB}`, () => {
      expectClose(makeCase(1, 37, 300, 45, transA, transB));
    });
  }

  it('broadcasts A across batches when aBatchStride is 0', () => {
    expectClose(makeCase(3, 9, 20, 11, false, false, true, false));
  });

  it('broadcasts B across batches when bBatchStride is 0 (contiguous A batches merge)', () => {
    expectClose(makeCase(3, 9, 20, 11, false, false, false, true));
  });

  it('broadcasts B across transposed A batches', () => {
    expectClose(makeCase(3, 9, 20, 11, true, true, false, true));
  });

  it('writes zeros when k is 0', () => {
    const be = backend();
    const a = be.alloc('float32', 0);
    const b = be.alloc('float32', 0);
    const out = upload(be, 'float32', [5, 5, 5, 5]);
    be.kernels.matmul({
      a,
      b,
      out,
      batch: 1,
      m: 2,
      k: 0,
      n: 2,
      transA: false,
      transB: false,
      aBatchStride: 0,
      bBatchStride: 0,
    });
    expect(download(be, out)).toEqual([0, 0, 0, 0]);
  });

  it('does nothing when m or batch is 0', () => {
    expect(run(makeCase(1, 0, 4, 3, false, false))).toEqual([]);
    expect(run(makeCase(0, 2, 4, 3, false, false))).toEqual([]);
  });

  it('keeps a NaN of A inside its own row on the blocked path', () => {
    const c = makeCase(1, 30, 40, 30, false, false);
    c.a[5 * 40 + 3] = Number.NaN;
    const got = run(c);
    for (let i = 0; i < 30; i++) {
      for (let j = 0; j < 30; j++) expect(Number.isNaN(got[i * 30 + j])).toBe(i === 5);
    }
  });

  it('matches the float64 reference for arbitrary shapes, transposes and batch strides (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          batch: fc.integer({ min: 1, max: 3 }),
          m: fc.integer({ min: 1, max: 24 }),
          k: fc.integer({ min: 0, max: 70 }),
          n: fc.integer({ min: 1, max: 24 }),
          transA: fc.boolean(),
          transB: fc.boolean(),
          shareA: fc.boolean(),
          shareB: fc.boolean(),
        }),
        ({ batch, m, k, n, transA, transB, shareA, shareB }) => {
          expectClose(makeCase(batch, m, k, n, transA, transB, shareA, shareB));
        },
      ),
      { numRuns: 150 },
    );
  });
});
