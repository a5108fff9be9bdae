// Golden values for broadcast binary ops and binaryScalar: float32 rounding, int32 wrapping, NaN/-0 rules,
// and every broadcast layout (same shape, scalar, bias row, column, transposed, rank 3).
import type { BinaryOp } from '@cp/core/backend';
import { describe, expect, it } from 'vitest';
import { backend, download, f32, upload } from './helpers.js';

type NumDType = 'float32' | 'int32';

function binary(
  op: BinaryOp,
  shape: number[],
  a: number[],
  aStrides: number[],
  b: number[],
  bStrides: number[],
  dtype: NumDType = 'float32',
): number[] {
  const be = backend();
  const ha = upload(be, dtype, a);
  const hb = upload(be, dtype, b);
  const out = be.alloc(
    dtype,
    shape.reduce((p, d) => p * d, 1),
  );
  be.kernels.binary({ op, dtype, shape, a: ha, b: hb, out, aStrides, bStrides });
  return download(be, out);
}

/** Same-shape rank-1 layout. */
function same(op: BinaryOp, a: number[], b: number[], dtype: NumDType = 'float32'): number[] {
  return binary(op, [a.length], a, [1], b, [1], dtype);
}

function scalar(op: BinaryOp, x: number[], s: number, reverse: boolean, dtype: NumDType = 'float32'): number[] {
  const be = backend();
  const hx = upload(be, dtype, x);
  const out = be.alloc(dtype, x.length);
  be.kernels.binaryScalar({ op, dtype, x: hx, scalar: s, reverse, out, n: x.length });
  return download(be, out);
}

const { NaN: nan, POSITIVE_INFINITY: inf } = Number;

describe('binary float32, same shape', () => {
  it('adds and rounds once to float32', () => {
    expect(same('add', [0.1, 1e8], [0.2, 1])).toEqual(f32([Math.fround(0.1) + Math.fround(0.2), 1e8 + 1]));
  });

  it('adds opposite infinities to NaN', () => {
    expect(same('add', [inf], [-inf])).toEqual([nan]);
  });

  it('subtracts', () => {
    expect(same('sub', [5, 0], [7, 0])).toEqual([-2, 0]);
  });

  it('multiplies, giving -0 and NaN for 0·Infinity', () => {
    expect(same('mul', [3, -1, 0], [4, 0, inf])).toEqual([12, -0, nan]);
  });

  it('divides, with x/0 = ±Infinity and 0/0 = NaN', () => {
    expect(same('div', [1, -1, 0, 1], [4, 0, 0, 3])).toEqual([0.25, -inf, nan, Math.fround(1 / 3)]);
  });

  it('follows Math.pow', () => {
    expect(same('pow', [2, -8, nan, 0, -2], [10, 1 / 3, 0, -1, 0.5])).toEqual([1024, nan, 1, inf, nan]);
  });

  it('takes max and min propagating NaN', () => {
    expect(same('max', [1, nan, 3], [2, 0, nan])).toEqual([2, nan, nan]);
    expect(same('min', [1, nan, 3], [2, 0, nan])).toEqual([1, nan, nan]);
  });

  it('takes max(-0, +0) = +0 and min(-0, +0) = -0', () => {
    expect(same('max', [-0, 0], [0, -0])).toEqual([0, 0]);
    expect(same('min', [-0, 0], [0, -0])).toEqual([-0, -0]);
  });

  it('handles size 0 and size 1', () => {
    expect(same('add', [], [])).toEqual([]);
    expect(same('mul', [3], [4])).toEqual([12]);
  });

  it('handles a rank-0 layout', () => {
    expect(binary('sub', [], [9], [], [4], [])).toEqual([5]);
  });

  it('writes in place over a contiguous input', () => {
    const be = backend();
    const a = upload(be, 'float32', [1, 2, 3]);
    const b = upload(be, 'float32', [10, 20, 30]);
    be.kernels.binary({ op: 'add', dtype: 'float32', shape: [3], a, b, out: a, aStrides: [1], bStrides: [1] });
    expect(download(be, a)).toEqual([11, 22, 33]);
  });
});

describe('binary float32, broadcast layouts', () => {
  it('broadcasts a scalar right operand (stride [0])', () => {
    expect(binary('sub', [3], [1, 2, 3], [1], [10], [0])).toEqual([-9, -8, -7]);
  });

  it('broadcasts a scalar left operand (stride [0])', () => {
    expect(binary('div', [3], [12], [0], [1, 2, 3], [1])).toEqual([12, 6, 4]);
  });

  it('adds a bias row to each row of a matrix (strides [0, 1])', () => {
    expect(binary('add', [2, 3], [1, 2, 3, 4, 5, 6], [3, 1], [10, 20, 30], [0, 1])).toEqual([11, 22, 33, 14, 25, 36]);
  });

  it('subtracts a column from each column of a matrix (strides [1, 0])', () => {
    expect(binary('sub', [2, 3], [1, 2, 3, 4, 5, 6], [3, 1], [1, 4], [1, 0])).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('forms an outer product from a column and a row', () => {
    expect(binary('mul', [2, 3], [1, 2], [1, 0], [1, 10, 100], [0, 1])).toEqual([1, 10, 100, 2, 20, 200]);
  });

  it('reads a transposed operand through strides', () => {
    // a is stored [3, 2] and read as its transpose [2, 3]
    expect(binary('sub', [2, 3], [1, 2, 3, 4, 5, 6], [1, 2], [0, 0, 0, 0, 0, 0], [3, 1])).toEqual([1, 3, 5, 2, 4, 6]);
  });

  it('broadcasts over a rank-3 layout with the odometer', () => {
    // out[i, j, k] = a[i, k] + b[j]; shape [2, 2, 3]
    const a = [1, 2, 3, 4, 5, 6];
    const b = [100, 200];
    expect(binary('add', [2, 2, 3], a, [3, 0, 1], b, [0, 1, 0])).toEqual([
      101, 102, 103, 201, 202, 203, 104, 105, 106, 204, 205, 206,
    ]);
  });

  it('does nothing for a shape with a zero dim', () => {
    expect(binary('add', [2, 0, 3], [], [0, 3, 1], [], [0, 3, 1])).toEqual([]);
  });
});

describe('binary int32', () => {
  it('adds with Int32 wrapping', () => {
    expect(same('add', [2147483647, -5], [1, 3], 'int32')).toEqual([-2147483648, -2]);
  });

  it('subtracts with Int32 wrapping', () => {
    expect(same('sub', [-2147483648], [1], 'int32')).toEqual([2147483647]);
  });

  it('multiplies with Int32 wrapping like Math.imul', () => {
    expect(same('mul', [65536, 123456789, -7], [65536, 1000, 6], 'int32')).toEqual([
      0,
      Math.imul(123456789, 1000),
      -42,
    ]);
  });

  it('takes max and min', () => {
    expect(same('max', [3, -4], [1, 2], 'int32')).toEqual([3, 2]);
    expect(same('min', [3, -4], [1, 2], 'int32')).toEqual([1, -4]);
  });

  it('broadcasts a bias row', () => {
    expect(binary('add', [2, 2], [1, 2, 3, 4], [2, 1], [10, 20], [0, 1], 'int32')).toEqual([11, 22, 13, 24]);
  });

  it('throws for div', () => {
    expect(() => same('div', [1], [1], 'int32')).toThrow(/does not take dtype int32/);
  });
});

describe('binaryScalar', () => {
  it('computes x op scalar', () => {
    expect(scalar('sub', [5, 1], 2, false)).toEqual([3, -1]);
    expect(scalar('div', [5, 1], 2, false)).toEqual([2.5, 0.5]);
    expect(scalar('pow', [3, -2], 2, false)).toEqual([9, 4]);
  });

  it('computes scalar op x when reverse', () => {
    expect(scalar('sub', [5, 1], 2, true)).toEqual([-3, 1]);
    expect(scalar('div', [4, 0], 2, true)).toEqual([0.5, inf]);
    expect(scalar('pow', [3, -1], 2, true)).toEqual([8, 0.5]);
  });

  it('rounds the scalar to float32 first, then rounds x·scalar once', () => {
    const x = Math.fround(3.3);
    expect(scalar('mul', [x], 0.1, false)).toEqual([Math.fround(x * Math.fround(0.1))]);
  });

  it('follows C pow special cases: pow(1, NaN) = 1 and pow(-1, Infinity) = 1', () => {
    expect(scalar('pow', [1, -1], Number.NaN, false)).toEqual([1, Number.NaN]);
    expect(scalar('pow', [-1], Number.POSITIVE_INFINITY, false)).toEqual([1]);
  });

  it('takes max with a scalar propagating NaN', () => {
    expect(scalar('max', [nan, -1, 2], 0, false)).toEqual([nan, 0, 2]);
    expect(scalar('min', [nan, -1, 2], 0, true)).toEqual([nan, -1, 0]);
  });

  it('works in place when out is x', () => {
    const be = backend();
    const x = upload(be, 'float32', [1, 2]);
    be.kernels.binaryScalar({ op: 'mul', dtype: 'float32', x, scalar: 3, reverse: false, out: x, n: 2 });
    expect(download(be, x)).toEqual([3, 6]);
  });

  it('wraps int32 arithmetic', () => {
    expect(scalar('add', [2147483647], 1, false, 'int32')).toEqual([-2147483648]);
    expect(scalar('sub', [3], 10, true, 'int32')).toEqual([7]);
    expect(scalar('mul', [65536], 65536, false, 'int32')).toEqual([0]);
  });
});
