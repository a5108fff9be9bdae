// Differential tests of copyStrided, fill, gather and scatterAdd against @cp/backend-js: exact for every dtype,
// including negative strides (flip), offsets, broadcast reads (stride 0), size-0 shapes and batches of transposes.
import type { DType } from '@cp/core/backend';
import fc from 'fast-check';
import { afterEach, describe, it } from 'vitest';
import { contiguous, data, expectExact, expectNoLeaks, numel, rng, runBoth, shapeArb } from './helpers.js';

afterEach(expectNoLeaks);

const DTYPES: DType[] = ['float32', 'int32', 'bool'];

/** A source layout over `shape`: permuted, some dims flipped (negative stride) or broadcast, with an offset. */
function sourceLayout(shape: number[], seed: number): { strides: number[]; offset: number; size: number } {
  const r = rng(seed);
  const order = shape.map((_, i) => i).sort(() => r() - 0.5);
  const strides = new Array<number>(shape.length).fill(0);
  let acc = 1;
  for (let j = order.length - 1; j >= 0; j--) {
    strides[order[j]] = acc;
    acc *= shape[order[j]];
  }
  const pad = Math.floor(r() * 5);
  let offset = pad;
  for (let d = 0; d < shape.length; d++) {
    if (r() < 0.25 && shape[d] > 1) {
      offset += (shape[d] - 1) * strides[d];
      strides[d] = -strides[d];
    } else if (r() < 0.15) strides[d] = 0;
  }
  return { strides, offset, size: acc + pad + 3 };
}

describe('copyStrided', () => {
  for (const dtype of DTYPES) {
    it(`${dtype} copies any permuted/flipped/broadcast layout into any strided destination like the reference`, () => {
      fc.assert(
        fc.property(shapeArb(4, 5), fc.nat(), fc.nat(), fc.boolean(), (shape, s1, s2, contiguousOut) => {
          const src = sourceLayout(shape, s1);
          const dst = contiguousOut
            ? { strides: contiguous(shape), offset: 0, size: numel(shape) }
            : sourceLayout(shape, s2);
          // A broadcast destination would make the result order-dependent; destinations never broadcast.
          const outStrides = dst.strides.map((s, d) => (s === 0 && shape[d] > 1 ? contiguous(shape)[d] : s));
          const outSize = Math.max(dst.size, numel(shape) * 2 + dst.offset + 8);
          const fixed = sourceLayoutFix(shape, outStrides, dst.offset, outSize);
          const { got, want } = runBoth(
            {
              x: { dtype, init: data(dtype, src.size, s1, { specials: true }) },
              out: { dtype, init: data(dtype, fixed.size, s2) },
            },
            (be, h) =>
              be.kernels.copyStrided({
                dtype,
                x: h.x,
                xOffset: src.offset,
                xStrides: src.strides,
                out: h.out,
                outOffset: fixed.offset,
                outStrides: fixed.strides,
                shape,
              }),
          );
          expectExact(got.out, want.out, 'copyStrided');
        }),
      );
    });
  }
});

describe('copyStrided as a batch of transposes', () => {
  it('a permute of the last two dims (either direction, flipped batch, ragged 4x4 blocks) matches the reference', () => {
    for (const [b, r, c] of [
      [3, 7, 10],
      [2, 4, 4],
      [1, 1, 9],
      [2, 13, 3],
      [64, 16, 21],
    ]) {
      for (const [xStrides, outStrides, xOffset] of [
        [[r * c, 1, r], [r * c, c, 1], 0],
        [[r * c, c, 1], [r * c, 1, r], 0],
        [[-r * c, 1, r], [r * c, c, 1], (b - 1) * r * c],
      ] as [number[], number[], number][]) {
        const n = b * r * c;
        const { got, want } = runBoth(
          {
            x: { dtype: 'float32', init: data('float32', n, r * c, { specials: true }) },
            out: { dtype: 'float32', size: n },
          },
          (be, h) =>
            be.kernels.copyStrided({
              dtype: 'float32',
              x: h.x,
              xOffset,
              xStrides,
              out: h.out,
              outOffset: 0,
              outStrides,
              shape: [b, r, c],
            }),
        );
        expectExact(got.out, want.out, `copyStrided transposes [${b}, ${r}, ${c}] x ${xStrides}`);
      }
    }
  });
});

/** A non-overlapping destination layout: keeps the dim order but recomputes strides to be injective. */
function sourceLayoutFix(shape: number[], strides: number[], offset: number, size: number) {
  const order = shape.map((_, i) => i).sort((a, b) => Math.abs(strides[b]) - Math.abs(strides[a]));
  const out = new Array<number>(shape.length).fill(0);
  let acc = 1;
  for (let j = order.length - 1; j >= 0; j--) {
    out[order[j]] = strides[order[j]] < 0 ? -acc : acc;
    acc *= Math.max(1, shape[order[j]]);
  }
  let off = offset;
  for (let d = 0; d < shape.length; d++) if (out[d] < 0) off += (shape[d] - 1) * -out[d];
  return { strides: out, offset: off, size: Math.max(size, off + acc + 1) };
}

describe('fill', () => {
  for (const dtype of DTYPES) {
    it(`${dtype} fill casts the value like the reference (NaN, saturation, bool x != 0)`, () => {
      for (const value of [0, -0, 1.5, -2.7, Number.NaN, Infinity, 3e9, -3e9, 0.1, 255, 256]) {
        const { got, want } = runBoth({ out: { dtype, init: data(dtype, 23, 7) } }, (be, h) =>
          be.kernels.fill({ dtype, out: h.out, offset: 5, n: 13, value }),
        );
        expectExact(got.out, want.out, `fill ${value}`);
      }
    });
  }
});

describe('gather and scatterAdd', () => {
  const dims = fc.record({
    outer: fc.nat(3),
    size: fc.integer({ min: 1, max: 6 }),
    inner: fc.nat(5),
    count: fc.nat(7),
    select: fc.boolean(),
    seed: fc.nat(),
  });
  const indexFor = (c: {
    outer: number;
    size: number;
    inner: number;
    count: number;
    select: boolean;
    seed: number;
  }) => {
    const r = rng(c.seed);
    const n = c.select ? c.count : c.outer * c.count * c.inner;
    const strides: [number, number, number] = c.select ? [0, 1, 0] : [c.count * c.inner, c.inner, 1];
    return { index: Int32Array.from({ length: n }, () => Math.floor(r() * c.size)), strides };
  };
  for (const dtype of DTYPES) {
    it(`${dtype} gather (indexSelect and torch.gather strides) matches the reference`, () => {
      fc.assert(
        fc.property(dims, (c) => {
          const { index, strides } = indexFor(c);
          const { got, want } = runBoth(
            {
              x: { dtype, init: data(dtype, c.outer * c.size * c.inner, c.seed, { specials: true }) },
              index: { dtype: 'int32', init: index },
              out: { dtype, size: c.outer * c.count * c.inner },
            },
            (be, h) => be.kernels.gather({ dtype, x: h.x, index: h.index, out: h.out, ...c, indexStrides: strides }),
          );
          expectExact(got.out, want.out, 'gather');
        }),
      );
    });
  }
  for (const dtype of ['float32', 'int32'] as DType[]) {
    it(`${dtype} scatterAdd accumulates duplicates in the reference's order, bit for bit`, () => {
      fc.assert(
        fc.property(dims, (c) => {
          const { index, strides } = indexFor(c);
          const { got, want } = runBoth(
            {
              src: { dtype, init: data(dtype, c.outer * c.count * c.inner, c.seed) },
              index: { dtype: 'int32', init: index },
              out: { dtype, init: data(dtype, c.outer * c.size * c.inner, c.seed + 1) },
            },
            (be, h) =>
              be.kernels.scatterAdd({ dtype, src: h.src, index: h.index, out: h.out, ...c, indexStrides: strides }),
          );
          expectExact(got.out, want.out, 'scatterAdd');
        }),
      );
    });
  }
});
