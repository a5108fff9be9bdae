// Golden values for copyStrided (transpose, expand, slice/cat offsets), plus a property test of
// arbitrary permutations against an index-by-index reference.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backend, download, upload } from './helpers.js';

function copy(
  x: number[],
  xOffset: number,
  xStrides: number[],
  outSize: number,
  outOffset: number,
  outStrides: number[],
  shape: number[],
  dtype: 'float32' | 'int32' = 'float32',
): number[] {
  const be = backend();
  const hx = upload(be, dtype, x);
  const out = be.alloc(dtype, outSize);
  be.kernels.copyStrided({ dtype, x: hx, xOffset, xStrides, out, outOffset, outStrides, shape });
  return download(be, out);
}

describe('copyStrided', () => {
  it('transposes a [2, 3] matrix', () => {
    expect(copy([1, 2, 3, 4, 5, 6], 0, [1, 3], 6, 0, [2, 1], [3, 2])).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('expands a row with stride 0', () => {
    expect(copy([7, 8], 0, [0, 1], 6, 0, [2, 1], [3, 2], 'int32')).toEqual([7, 8, 7, 8, 7, 8]);
  });

  it('slices from an offset into an offset of the output (as cat does)', () => {
    expect(copy([0, 1, 2, 3, 4, 5], 1, [2], 5, 2, [1], [3])).toEqual([0, 0, 1, 3, 5]);
  });

  it('copies a long contiguous row in bulk', () => {
    const x = Array.from({ length: 100 }, (_, i) => i);
    expect(copy(x, 10, [1], 100, 0, [1], [64])).toEqual([...x.slice(10, 74), ...new Array(36).fill(0)]);
  });

  it('copies a rank-0 element', () => {
    expect(copy([4, 9], 1, [], 2, 0, [], [])).toEqual([9, 0]);
  });

  it('does nothing for a shape with a zero dim', () => {
    expect(copy([1], 0, [1, 1], 1, 0, [1, 1], [0, 1])).toEqual([0]);
  });

  it('keeps NaN and -0 bit patterns', () => {
    expect(copy([Number.NaN, -0], 0, [1], 2, 0, [1], [2])).toEqual([Number.NaN, -0]);
  });

  it('permutes an arbitrary contiguous tensor like an index-by-index reference (property)', () => {
    const arb = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 4 }).chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        perm: fc.shuffledSubarray(
          shape.map((_, i) => i),
          { minLength: shape.length, maxLength: shape.length },
        ),
        xOffset: fc.integer({ min: 0, max: 3 }),
        outOffset: fc.integer({ min: 0, max: 3 }),
      }),
    );
    fc.assert(
      fc.property(arb, ({ shape, perm, xOffset, outOffset }) => {
        // x is a contiguous tensor of `shape` stored at xOffset; out[outOffset + ...] is its permutation.
        const rank = shape.length;
        const size = shape.reduce((p, d) => p * d, 1);
        const xStridesOrig = new Array<number>(rank);
        for (let d = rank - 1, s = 1; d >= 0; d--) {
          xStridesOrig[d] = s;
          s *= shape[d];
        }
        const outShape = perm.map((p) => shape[p]);
        const xStrides = perm.map((p) => xStridesOrig[p]);
        const outStrides = new Array<number>(rank);
        for (let d = rank - 1, s = 1; d >= 0; d--) {
          outStrides[d] = s;
          s *= outShape[d];
        }
        const x = Array.from({ length: xOffset + size }, (_, i) => i * 3 + 1);
        const got = copy(x, xOffset, xStrides, outOffset + size, outOffset, outStrides, outShape);
        const want = new Array<number>(outOffset + size).fill(0);
        const idx = new Array<number>(rank).fill(0);
        for (let e = 0; e < size; e++) {
          let xi = xOffset;
          let oi = outOffset;
          for (let d = 0; d < rank; d++) {
            xi += idx[d] * xStrides[d];
            oi += idx[d] * outStrides[d];
          }
          want[oi] = x[xi];
          for (let d = rank - 1; d >= 0; d--) {
            if (++idx[d] < outShape[d]) break;
            idx[d] = 0;
          }
        }
        expect(got).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });
});
