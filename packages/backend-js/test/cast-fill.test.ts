// Golden values for cast (truncate, saturate, NaN -> 0, bool rules) and fill (value cast to the dtype).
import type { DType } from '@cp/core/backend';
import { describe, expect, it } from 'vitest';
import { backend, download, upload } from './helpers.js';

function cast(values: number[], from: DType, to: DType): number[] {
  const be = backend();
  const x = upload(be, from, values);
  const out = be.alloc(to, values.length);
  be.kernels.cast({ x, from, to, out, n: values.length });
  return download(be, out);
}

const { NaN: nan, POSITIVE_INFINITY: inf } = Number;

describe('cast', () => {
  it('truncates float32 toward zero into int32', () => {
    expect(cast([1.9, -1.9, -0.5, 0], 'float32', 'int32')).toEqual([1, -1, 0, 0]);
  });

  it('saturates float32 beyond the int32 range', () => {
    expect(cast([3e9, -3e9, inf, -inf, 2147483648], 'float32', 'int32')).toEqual([
      2147483647, -2147483648, 2147483647, -2147483648, 2147483647,
    ]);
  });

  it('maps NaN to 0 when casting to int32', () => {
    expect(cast([nan], 'float32', 'int32')).toEqual([0]);
  });

  it('casts float32 to bool as x != 0 with NaN true', () => {
    expect(cast([0, -0, 0.5, nan, -inf], 'float32', 'bool')).toEqual([0, 0, 1, 1, 1]);
  });

  it('casts int32 to bool', () => {
    expect(cast([0, -3, 7], 'int32', 'bool')).toEqual([0, 1, 1]);
  });

  it('casts bool to float32 and int32 as 0 or 1', () => {
    expect(cast([0, 1], 'bool', 'float32')).toEqual([0, 1]);
    expect(cast([1, 0], 'bool', 'int32')).toEqual([1, 0]);
  });

  it('rounds int32 to the nearest float32', () => {
    expect(cast([16777217, -3], 'int32', 'float32')).toEqual([16777216, -3]);
  });

  it('copies when the dtypes match', () => {
    expect(cast([1.5, nan], 'float32', 'float32')).toEqual([1.5, nan]);
  });

  it('handles size 0', () => {
    expect(cast([], 'float32', 'int32')).toEqual([]);
  });
});

describe('fill', () => {
  it('fills a range of float32', () => {
    const be = backend();
    const out = upload(be, 'float32', [1, 2, 3, 4]);
    be.kernels.fill({ dtype: 'float32', out, offset: 1, n: 2, value: -0 });
    expect(download(be, out)).toEqual([1, -0, -0, 4]);
  });

  it('casts the value to int32 by the cast rules', () => {
    const be = backend();
    const out = be.alloc('int32', 3);
    be.kernels.fill({ dtype: 'int32', out, offset: 0, n: 3, value: -2.7 });
    expect(download(be, out)).toEqual([-2, -2, -2]);
    be.kernels.fill({ dtype: 'int32', out, offset: 0, n: 1, value: 5e9 });
    expect(download(be, out)[0]).toBe(2147483647);
  });

  it('casts the value to bool as value != 0', () => {
    const be = backend();
    const out = be.alloc('bool', 2);
    be.kernels.fill({ dtype: 'bool', out, offset: 0, n: 2, value: nan });
    expect(download(be, out)).toEqual([1, 1]);
  });

  it('does nothing when n is 0', () => {
    const be = backend();
    const out = upload(be, 'float32', [1]);
    be.kernels.fill({ dtype: 'float32', out, offset: 1, n: 0, value: 9 });
    expect(download(be, out)).toEqual([1]);
  });
});
