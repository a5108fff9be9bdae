// Golden values for reduce (float64 sums, identities for size 0, NaN propagation, int32 wrapping) and
// argReduce (first index wins, first NaN is the extreme).
import type { ArgReduceOp, DType, ReduceOp } from '@cp/core/backend';
import { describe, expect, it } from 'vitest';
import { backend, download, upload } from './helpers.js';

function reduce(op: ReduceOp, dtype: DType, x: number[], outer: number, size: number, inner: number): number[] {
  const be = backend();
  const hx = upload(be, dtype, x);
  const out = be.alloc(dtype, outer * inner);
  be.kernels.reduce({ op, dtype, x: hx, out, outer, size, inner });
  return download(be, out);
}

function argReduce(op: ArgReduceOp, x: number[], outer: number, size: number, inner: number): number[] {
  const be = backend();
  const hx = upload(be, 'float32', x);
  const out = be.alloc('int32', outer * inner);
  be.kernels.argReduce({ op, dtype: 'float32', x: hx, out, outer, size, inner });
  return download(be, out);
}

const { NaN: nan, POSITIVE_INFINITY: inf } = Number;

describe('reduce', () => {
  it('sums rows of a [2, 3] matrix', () => {
    expect(reduce('sum', 'float32', [1, 2, 3, 4, 5, 6], 2, 3, 1)).toEqual([6, 15]);
  });

  it('sums columns of a [2, 3] matrix (inner axis)', () => {
    expect(reduce('sum', 'float32', [1, 2, 3, 4, 5, 6], 1, 2, 3)).toEqual([5, 7, 9]);
  });

  it('sums in float64 and rounds once', () => {
    // In float32 steps 1 + 2^-24 + 2^-24 would stay 1; in float64 it is 1 + 2^-23.
    const tiny = 2 ** -24;
    expect(reduce('sum', 'float32', [1, tiny, tiny], 1, 3, 1)).toEqual([1 + 2 ** -23]);
  });

  it('reduces a size-0 axis to the identity: 0 for sum and 1 for prod', () => {
    expect(reduce('sum', 'float32', [], 2, 0, 1)).toEqual([0, 0]);
    expect(reduce('prod', 'float32', [], 1, 0, 2)).toEqual([1, 1]);
  });

  it('takes products', () => {
    expect(reduce('prod', 'float32', [2, 3, 4, -1, 0.5, 8], 2, 3, 1)).toEqual([24, -4]);
  });

  it('takes max and min propagating NaN', () => {
    expect(reduce('max', 'float32', [1, nan, 3, -inf, 2, 5], 2, 3, 1)).toEqual([nan, 5]);
    expect(reduce('min', 'float32', [1, 3, nan, -inf, 2, 5], 2, 3, 1)).toEqual([nan, -inf]);
    expect(reduce('max', 'float32', [1, nan, 3, 4], 1, 2, 2)).toEqual([3, nan]);
  });

  it('gives max(-0, +0) = +0 in either order', () => {
    expect(reduce('max', 'float32', [-0, 0, 0, -0], 2, 2, 1)).toEqual([0, 0]);
  });

  it('reduces size 1 to a copy', () => {
    expect(reduce('sum', 'float32', [-0, 2], 2, 1, 1)).toEqual([0, 2]);
  });

  it('sums int32 with wrapping', () => {
    expect(reduce('sum', 'int32', [2147483647, 1, 5, 6], 2, 2, 1)).toEqual([-2147483648, 11]);
  });

  it('takes int32 max, min and prod over the inner axis', () => {
    const x = [3, -1, 7, 2];
    expect(reduce('max', 'int32', x, 1, 2, 2)).toEqual([7, 2]);
    expect(reduce('min', 'int32', x, 1, 2, 2)).toEqual([3, -1]);
    expect(reduce('prod', 'int32', x, 1, 2, 2)).toEqual([21, -2]);
  });

  it('reduces bool with max as any', () => {
    expect(reduce('max', 'bool', [0, 1, 0, 0], 2, 2, 1)).toEqual([1, 0]);
  });
});

describe('argReduce', () => {
  it('returns the first index of the maximum on ties', () => {
    expect(argReduce('argmax', [1, 5, 5, 2], 1, 4, 1)).toEqual([1]);
  });

  it('returns the first index of the minimum on ties', () => {
    expect(argReduce('argmin', [3, 1, 2, 1], 1, 4, 1)).toEqual([1]);
  });

  it('treats the first NaN as the extreme', () => {
    expect(argReduce('argmax', [1, nan, 9, nan], 1, 4, 1)).toEqual([1]);
    expect(argReduce('argmin', [nan, -inf], 1, 2, 1)).toEqual([0]);
  });

  it('reduces over the middle axis with inner > 1', () => {
    // x[o=0] = [[1, 9], [4, 2], [4, 0]] over s
    expect(argReduce('argmax', [1, 9, 4, 2, 4, 0], 1, 3, 2)).toEqual([1, 0]);
    expect(argReduce('argmin', [1, 9, 4, 2, 4, 0], 1, 3, 2)).toEqual([0, 2]);
  });

  it('returns 0 for size 1', () => {
    expect(argReduce('argmax', [7, 8], 2, 1, 1)).toEqual([0, 0]);
  });
});
