/**
 * The data-movement kernels: `cast` for all nine dtype pairs (float -> int32 truncates and saturates with
 * NaN -> 0; -> bool is `x != 0`, NaN true), `fill` (value converted to the dtype, only `[offset, offset+n)`
 * written), and `copyStrided` on any non-negative strided layout, leaving the rest of `out` untouched.
 */
import { DTYPES } from '@cp/core/backend';
import fc from 'fast-check';
import { describe } from 'vitest';
import { data, stridedCopy } from '../../arbitraries.js';
import type { Suite } from '../../context.js';
import { exact } from '../../tolerance.js';
import { arrayOf, propTest, SPECIALS, scratchTest, show } from './harness.js';

const CAST_SPECIALS = [
  ...SPECIALS,
  0.5,
  -0.5,
  1.9999999,
  -1.9999999,
  2147483520,
  2147483648,
  -2147483648,
  -2147483904,
  3e9,
  -3e9,
  16777217,
];

/** The cast, fill and copyStrided kernel suite. */
export const castCopySuite: Suite = (ctx) => {
  describe('kernel cast', () => {
    for (const from of DTYPES) {
      for (const to of DTYPES) {
        propTest(
          ctx,
          `${from} -> ${to} equals the reference exactly for any data`,
          fc
            .integer({ min: 0, max: 40 })
            .chain((n) =>
              from === 'float32'
                ? fc.oneof(data(from, n, { min: -5, max: 5 }), data(from, n, { min: -1e10, max: 1e10 }), data(from, n))
                : data(from, n),
            ),
          (X, s) => {
            const x = s.input(X);
            const out = s.output(to, X.length);
            s.run('cast', { x, from, to, out, n: X.length });
            s.check(`cast ${from} -> ${to}`, out, exact(), { inputs: (i) => `x = ${show(X, i)}` });
          },
        );
      }
    }

    for (const to of ['int32', 'bool'] as const) {
      scratchTest(
        ctx,
        `float32 -> ${to} follows the contract on NaN, ±Infinity, ±0 and values at the int32 limits`,
        (s) => {
          const x = s.input(arrayOf('float32', CAST_SPECIALS));
          const out = s.output(to, CAST_SPECIALS.length);
          s.run('cast', { x, from: 'float32', to, out, n: CAST_SPECIALS.length });
          s.check(`cast float32 -> ${to}`, out, exact(), { inputs: (i) => `x = ${Math.fround(CAST_SPECIALS[i])}` });
        },
      );
    }
  });

  describe('kernel fill', () => {
    for (const dtype of DTYPES) {
      propTest(
        ctx,
        `${dtype} fill writes the value converted to ${dtype} into [offset, offset + n) and nothing else`,
        fc.tuple(
          fc.integer({ min: 0, max: 30 }),
          fc.nat(),
          fc.nat(),
          fc.oneof(
            fc.constantFrom(...SPECIALS, 0.1, 2.5, -2.5, 3e9, -3e9),
            fc.double({ noNaN: true, min: -1e6, max: 1e6 }),
          ),
        ),
        ([size, a, b, value], s) => {
          const offset = a % (size + 1);
          const n = b % (size - offset + 1);
          const out = s.output(dtype, size);
          s.run('fill', { dtype, out, offset, n, value });
          s.check(`fill ${dtype} value ${value} at [${offset}, ${offset + n})`, out, exact());
        },
      );
    }
  });

  describe('kernel copyStrided', () => {
    for (const dtype of DTYPES) {
      propTest(
        ctx,
        `${dtype} copyStrided copies any strided source into any non-overlapping strided destination`,
        stridedCopy().chain((lay) => fc.tuple(fc.constant(lay), data(dtype, lay.xSize))),
        ([lay, X], s) => {
          const x = s.input(X);
          const out = s.output(dtype, lay.outSize);
          const { shape, xOffset, xStrides, outOffset, outStrides } = lay;
          s.run('copyStrided', { dtype, x, xOffset, xStrides, out, outOffset, outStrides, shape });
          s.check(`copyStrided ${dtype}`, out, exact(), {
            inputs: () =>
              `shape ${show(shape)}, x offset ${xOffset} strides ${show(xStrides)}, out offset ${outOffset} strides ${show(outStrides)}`,
          });
        },
      );
    }

    scratchTest(ctx, 'float32 copyStrided keeps NaN, ±Infinity and -0 bit-for-bit', (s) => {
      const n = SPECIALS.length;
      const x = s.input(arrayOf('float32', SPECIALS));
      const out = s.output('float32', n);
      s.run('copyStrided', {
        dtype: 'float32',
        x,
        xOffset: 0,
        xStrides: [1],
        out,
        outOffset: 0,
        outStrides: [1],
        shape: [n],
      });
      s.check('copyStrided float32 specials', out, exact());
    });

    scratchTest(ctx, 'copyStrided of a rank-0 shape copies exactly one element', (s) => {
      const x = s.input(arrayOf('int32', [5, 6, 7]));
      const out = s.output('int32', 3);
      s.run('copyStrided', {
        dtype: 'int32',
        x,
        xOffset: 2,
        xStrides: [],
        out,
        outOffset: 1,
        outStrides: [],
        shape: [],
      });
      s.check('copyStrided rank 0', out, exact());
    });
  });
};
