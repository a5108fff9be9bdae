// clamp, renormSlices and simplexProject: worked values, in-place use, overflow safety, and properties
// (renorm bounds hold after rounding; projections are non-negative and sum to the radius).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backend, download, upload } from './helpers.js';

const { NaN: nan, POSITIVE_INFINITY: inf } = Number;

function clamp(x: number[], lo: number, hi: number): number[] {
  const be = backend();
  const hx = upload(be, 'float32', x);
  be.fused.clamp?.({ x: hx, out: hx, n: x.length, lo, hi });
  return download(be, hx);
}

describe('clamp', () => {
  it('clamps in place and keeps NaN', () => {
    expect(clamp([-5, 0.5, 5, nan, inf], 0, 1)).toEqual([0, 0.5, 1, nan, 1]);
  });

  it('accepts infinite bounds', () => {
    expect(clamp([-5, 5], -inf, 2)).toEqual([-5, 2]);
  });

  it('writes to a separate output without touching x', () => {
    const be = backend();
    const x = upload(be, 'float32', [3, -3]);
    const out = be.alloc('float32', 2);
    be.fused.clamp?.({ x, out, n: 2, lo: -1, hi: 1 });
    expect([download(be, x), download(be, out)]).toEqual([
      [3, -3],
      [1, -1],
    ]);
  });
});

function renorm(x: number[], outer: number, size: number, inner: number, lo: number, hi: number, rate = 1): number[] {
  const be = backend();
  const hx = upload(be, 'float32', x);
  be.fused.renormSlices?.({ x: hx, out: hx, outer, size, inner, lo, hi, rate });
  return download(be, hx);
}

function norm(v: number[]): number {
  return Math.sqrt(v.reduce((s, e) => s + e * e, 0));
}

describe('renormSlices', () => {
  it('scales a slice above hi down to norm hi, leaving a slice inside untouched', () => {
    const got = renorm([3, 4, 0.3, 0.4], 2, 2, 1, 0, 1);
    expect(got[0]).toBeCloseTo(0.6, 6);
    expect(got[1]).toBeCloseTo(0.8, 6);
    expect(got.slice(2)).toEqual([0.3, 0.4].map(Math.fround));
  });

  it('rounds a full-rate shrink so the float32 norm is at most hi', () => {
    // fround(0.6)² + fround(0.8)² exceeds 1, so the factor is nudged down by an ulp or so
    const got = renorm([3, 4], 1, 2, 1, 0, 1);
    expect(norm(got)).toBeLessThanOrEqual(1);
    expect(norm(got)).toBeGreaterThan(1 - 1e-6);
  });

  it('scales a slice below lo up to norm lo', () => {
    const got = renorm([0.3, 0.4], 1, 2, 1, 1, 2);
    expect(got[0]).toBeCloseTo(0.6, 6);
    expect(norm(got)).toBeGreaterThanOrEqual(1);
  });

  it('leaves slices inside the bounds bit-for-bit untouched', () => {
    const x = [0.1, -0.2, 0.3].map(Math.fround);
    expect(renorm(x, 1, 3, 1, 0, 1)).toEqual(x);
  });

  it('leaves a zero slice zero, keeping -0', () => {
    expect(renorm([0, -0], 1, 2, 1, 1, 2)).toEqual([0, -0]);
  });

  it('moves part of the way with rate < 1', () => {
    // nrm = 5, target = 0.5·1 + 0.5·5 = 3
    expect(renorm([3, 4], 1, 2, 1, 0, 1, 0.5)).toEqual([Math.fround(1.8), Math.fround(2.4)]);
  });

  it('takes norms over the middle axis when inner > 1', () => {
    // x viewed [1, 2, 2]: column 0 is (3, 4) with norm 5, column 1 is (0.3, 0.4) with norm 0.5
    const x = [3, 0.3, 4, 0.4].map(Math.fround);
    const got = renorm(x, 1, 2, 2, 0, 1);
    expect(got[0]).toBeCloseTo(0.6, 6);
    expect(got[2]).toBeCloseTo(0.8, 6);
    expect([got[1], got[3]]).toEqual([x[1], x[3]]);
  });

  it('does not overflow for huge entries', () => {
    const got = renorm([3e38, 3e38], 1, 2, 1, 0, 1);
    expect(got[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(norm(got)).toBeLessThanOrEqual(1);
  });

  it('does not underflow for tiny entries', () => {
    const got = renorm([3e-40, 4e-40], 1, 2, 1, 1, 2);
    expect(norm(got)).toBeCloseTo(1, 6);
  });

  it('writes to a separate output, copying untouched slices', () => {
    const be = backend();
    const x = upload(be, 'float32', [3, 4, 0.5, 0]);
    const out = be.alloc('float32', 4);
    be.fused.renormSlices?.({ x, out, outer: 2, size: 2, inner: 1, lo: 0, hi: 1, rate: 1 });
    const got = download(be, out);
    expect(got[0]).toBeCloseTo(0.6, 6);
    expect(got.slice(2)).toEqual([0.5, 0]);
    expect(download(be, x)).toEqual([3, 4, 0.5, 0]);
  });

  it('never leaves a norm above hi after a full-rate renorm (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: Math.fround(-1e30), max: Math.fround(1e30) }), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.float({ noNaN: true, min: Math.fround(1e-6), max: Math.fround(1e6) }),
        (x, hi) => {
          const got = renorm(x, 1, x.length, 1, 0, hi);
          expect(norm(got)).toBeLessThanOrEqual(hi);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never leaves a non-zero norm below lo after a full-rate renorm (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ noNaN: true, min: -1, max: 1 }), { minLength: 1, maxLength: 40 }),
        fc.float({ noNaN: true, min: Math.fround(1e-3), max: Math.fround(1e3) }),
        (x, lo) => {
          const got = renorm(x, 1, x.length, 1, lo, inf);
          if (norm(x) > 0) expect(norm(got)).toBeGreaterThanOrEqual(lo);
        },
      ),
      { numRuns: 300 },
    );
  });
});

function simplex(x: number[], rows: number, cols: number, radius = 1): number[] {
  const be = backend();
  const hx = upload(be, 'float32', x);
  be.fused.simplexProject?.({ x: hx, out: hx, rows, cols, radius });
  return download(be, hx);
}

describe('simplexProject', () => {
  it('projects a uniform row to the barycenter', () => {
    expect(simplex([0.5, 0.5, 0.5], 1, 3)).toEqual([1 / 3, 1 / 3, 1 / 3].map(Math.fround));
  });

  it('projects onto a vertex when one entry dominates', () => {
    expect(simplex([2, 0, -1], 1, 3)).toEqual([1, 0, 0]);
  });

  it('matches a hand-worked projection with one clipped entry', () => {
    // sorted 0.6, 0.5, -0.2: theta = (0.6 + 0.5 - 1) / 2 = 0.05, so y = (0.55, 0.45, 0)
    const got = simplex([0.6, 0.5, -0.2], 1, 3);
    expect(got[0]).toBeCloseTo(0.55, 6);
    expect(got[1]).toBeCloseTo(0.45, 6);
    expect(got[2]).toBe(0);
  });

  it('leaves a point already on the simplex unchanged', () => {
    expect(simplex([0.25, 0.75, 0], 1, 3)).toEqual([0.25, 0.75, 0]);
  });

  it('scales to the radius per row', () => {
    expect(simplex([1, 1, 0, 10], 2, 2, 2)).toEqual([1, 1, 0, 2]);
  });

  it('gives the radius for a single column', () => {
    expect(simplex([-7], 1, 1, 3)).toEqual([3]);
  });

  it('turns a row containing NaN into NaN', () => {
    expect(simplex([nan, 1], 1, 2)).toEqual([nan, nan]);
  });

  it('returns non-negative rows summing to the radius (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true, min: -100, max: 100 }), { minLength: 1, maxLength: 30 }), (x) => {
        const got = simplex(x, 1, x.length);
        expect(got.every((v) => v >= 0)).toBe(true);
        expect(got.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
      }),
      { numRuns: 200 },
    );
  });
});
