// Golden values for gather (indexSelect and torch.gather layouts) and its adjoint scatterAdd.
import { describe, expect, it } from 'vitest';
import { backend, download, upload } from './helpers.js';

describe('gather', () => {
  it('selects rows like indexSelect with strides [0, 1, 0]', () => {
    const be = backend();
    const x = upload(be, 'float32', [1, 2, 3, 4, 5, 6]); // [3, 2]
    const index = upload(be, 'int32', [2, 0, 2]);
    const out = be.alloc('float32', 6);
    be.kernels.gather({
      dtype: 'float32',
      x,
      index,
      out,
      outer: 1,
      size: 3,
      inner: 2,
      count: 3,
      indexStrides: [0, 1, 0],
    });
    expect(download(be, out)).toEqual([5, 6, 1, 2, 5, 6]);
  });

  it('gathers along the last axis like torch.gather with contiguous strides', () => {
    const be = backend();
    const x = upload(be, 'int32', [10, 11, 12, 20, 21, 22]); // [2, 3], dim 1
    const index = upload(be, 'int32', [2, 2, 0, 1]); // [2, 2]
    const out = be.alloc('int32', 4);
    be.kernels.gather({
      dtype: 'int32',
      x,
      index,
      out,
      outer: 2,
      size: 3,
      inner: 1,
      count: 2,
      indexStrides: [2, 1, 0],
    });
    expect(download(be, out)).toEqual([12, 12, 20, 21]);
  });

  it('gathers along the first axis with a per-column index (s2 = 1)', () => {
    const be = backend();
    const x = upload(be, 'float32', [1, 2, 3, 4]); // [2, 2], dim 0
    const index = upload(be, 'int32', [1, 0]); // [1, 2]
    const out = be.alloc('float32', 2);
    be.kernels.gather({
      dtype: 'float32',
      x,
      index,
      out,
      outer: 1,
      size: 2,
      inner: 2,
      count: 1,
      indexStrides: [0, 2, 1],
    });
    expect(download(be, out)).toEqual([3, 2]);
  });

  it('gathers bool storage', () => {
    const be = backend();
    const x = upload(be, 'bool', [0, 1]);
    const index = upload(be, 'int32', [1, 1, 0]);
    const out = be.alloc('bool', 3);
    be.kernels.gather({ dtype: 'bool', x, index, out, outer: 1, size: 2, inner: 1, count: 3, indexStrides: [0, 1, 0] });
    expect(download(be, out)).toEqual([1, 1, 0]);
  });

  it('does nothing when count is 0', () => {
    const be = backend();
    const x = upload(be, 'float32', [1]);
    const index = be.alloc('int32', 0);
    const out = be.alloc('float32', 0);
    be.kernels.gather({
      dtype: 'float32',
      x,
      index,
      out,
      outer: 1,
      size: 1,
      inner: 1,
      count: 0,
      indexStrides: [0, 1, 0],
    });
    expect(download(be, out)).toEqual([]);
  });
});

describe('scatterAdd', () => {
  it('accumulates repeated indices into a pre-filled output', () => {
    const be = backend();
    const src = upload(be, 'float32', [1, 2, 3, 4, 5, 6]); // [3, 2]
    const index = upload(be, 'int32', [2, 0, 2]);
    const out = upload(be, 'float32', [100, 100, 0, 0, 0, 0]); // [3, 2]
    be.kernels.scatterAdd({
      dtype: 'float32',
      src,
      index,
      out,
      outer: 1,
      size: 3,
      inner: 2,
      count: 3,
      indexStrides: [0, 1, 0],
    });
    expect(download(be, out)).toEqual([103, 104, 0, 0, 6, 8]);
  });

  it('is the adjoint of torch.gather along the last axis', () => {
    const be = backend();
    const src = upload(be, 'float32', [1, 2, 3, 4]); // [2, 2]
    const index = upload(be, 'int32', [2, 2, 0, 1]);
    const out = upload(be, 'float32', [0, 0, 0, 0, 0, 0]); // [2, 3]
    be.kernels.scatterAdd({
      dtype: 'float32',
      src,
      index,
      out,
      outer: 2,
      size: 3,
      inner: 1,
      count: 2,
      indexStrides: [2, 1, 0],
    });
    expect(download(be, out)).toEqual([0, 0, 3, 3, 4, 0]);
  });

  it('wraps int32 sums', () => {
    const be = backend();
    const src = upload(be, 'int32', [1, 1]);
    const index = upload(be, 'int32', [0, 0]);
    const out = upload(be, 'int32', [2147483647]);
    be.kernels.scatterAdd({
      dtype: 'int32',
      src,
      index,
      out,
      outer: 1,
      size: 1,
      inner: 1,
      count: 2,
      indexStrides: [0, 1, 0],
    });
    expect(download(be, out)).toEqual([-2147483647]);
  });
});
