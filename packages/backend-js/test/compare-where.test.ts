// Golden values for comparisons (NaN and -0 rules, broadcasts, every dtype) and the branch-free where.
import type { CompareOp, DType } from '@cp/core/backend';
import { describe, expect, it } from 'vitest';
import { backend, download, upload } from './helpers.js';

function compare(
  op: CompareOp,
  dtype: DType,
  shape: number[],
  a: number[],
  aStrides: number[],
  b: number[],
  bStrides: number[],
): number[] {
  const be = backend();
  const ha = upload(be, dtype, a);
  const hb = upload(be, dtype, b);
  const out = be.alloc(
    'bool',
    shape.reduce((p, d) => p * d, 1),
  );
  be.kernels.compare({ op, dtype, shape, a: ha, b: hb, out, aStrides, bStrides });
  return download(be, out);
}

const nan = Number.NaN;
const A = [1, 2, 3, nan, -0];
const B = [2, 2, 2, nan, 0];

describe('compare', () => {
  it('eq is false for NaN and true for -0 == +0', () => {
    expect(compare('eq', 'float32', [5], A, [1], B, [1])).toEqual([0, 1, 0, 0, 1]);
  });

  it('ne is true for NaN', () => {
    expect(compare('ne', 'float32', [5], A, [1], B, [1])).toEqual([1, 0, 1, 1, 0]);
  });

  it('lt, le, gt, ge are false for NaN', () => {
    expect(compare('lt', 'float32', [5], A, [1], B, [1])).toEqual([1, 0, 0, 0, 0]);
    expect(compare('le', 'float32', [5], A, [1], B, [1])).toEqual([1, 1, 0, 0, 1]);
    expect(compare('gt', 'float32', [5], A, [1], B, [1])).toEqual([0, 0, 1, 0, 0]);
    expect(compare('ge', 'float32', [5], A, [1], B, [1])).toEqual([0, 1, 1, 0, 1]);
  });

  it('compares against a broadcast scalar on either side', () => {
    expect(compare('gt', 'float32', [3], [1, 2, 3], [1], [2], [0])).toEqual([0, 0, 1]);
    expect(compare('gt', 'float32', [3], [2], [0], [1, 2, 3], [1])).toEqual([1, 0, 0]);
  });

  it('compares rows of a matrix against a broadcast row', () => {
    expect(compare('ge', 'int32', [2, 2], [1, 5, 3, 0], [2, 1], [2, 2], [0, 1])).toEqual([0, 1, 1, 0]);
  });

  it('compares int32 and bool inputs', () => {
    expect(compare('eq', 'int32', [3], [-1, 0, 7], [1], [-1, 1, 7], [1])).toEqual([1, 0, 1]);
    expect(compare('ne', 'bool', [2], [0, 1], [1], [1, 1], [1])).toEqual([1, 0]);
  });

  it('handles a rank-3 strided layout and size 0', () => {
    expect(compare('lt', 'float32', [2, 1, 2], [1, 2, 3, 4], [2, 2, 1], [2.5], [0, 0, 0])).toEqual([1, 1, 0, 0]);
    expect(compare('lt', 'float32', [0], [], [1], [], [1])).toEqual([]);
  });
});

function where(
  dtype: DType,
  shape: number[],
  cond: number[],
  condStrides: number[],
  a: number[],
  aStrides: number[],
  b: number[],
  bStrides: number[],
): number[] {
  const be = backend();
  const hc = upload(be, 'bool', cond);
  const ha = upload(be, dtype, a);
  const hb = upload(be, dtype, b);
  const out = be.alloc(
    dtype,
    shape.reduce((p, d) => p * d, 1),
  );
  be.kernels.where({ dtype, shape, cond: hc, a: ha, b: hb, out, condStrides, aStrides, bStrides });
  return download(be, out);
}

describe('where', () => {
  it('selects elementwise with contiguous inputs, keeping NaN and -0', () => {
    expect(where('float32', [3], [1, 0, 1], [1], [nan, 2, -0], [1], [9, -0, 9], [1])).toEqual([nan, -0, -0]);
  });

  it('selects against a scalar fill value', () => {
    expect(where('float32', [3], [1, 0, 1], [1], [1, 2, 3], [1], [0], [0])).toEqual([1, 0, 3]);
    expect(where('float32', [3], [1, 0, 1], [1], [7], [0], [1, 2, 3], [1])).toEqual([7, 2, 7]);
  });

  it('broadcasts a row mask over a matrix', () => {
    expect(where('int32', [2, 2], [0, 1], [0, 1], [1, 2, 3, 4], [2, 1], [-1, -2, -3, -4], [2, 1])).toEqual([
      -1, 2, -3, 4,
    ]);
  });

  it('broadcasts a column mask over a rank-3 layout', () => {
    expect(where('bool', [2, 2, 1], [1, 0], [1, 0, 0], [1], [0, 0, 0], [0], [0, 0, 0])).toEqual([1, 1, 0, 0]);
  });

  it('handles size 1', () => {
    expect(where('float32', [1], [0], [1], [1], [1], [2], [1])).toEqual([2]);
  });
});
