/**
 * `scan` (inclusive running sum or product over the middle axis of `[outer, size, inner]`) and `argsort`
 * (the stable sorting permutation of contiguous rows). int32 scans are exact with wrap-around; float32 scans
 * are held to the summation bound of each prefix (in-order accumulation, one rounding per step). argsort is
 * exact: the contract fixes a total order (NaN greatest, -0 equal to 0, ties by increasing position), so
 * every backend returns the reference's permutation, ties and NaN included.
 */
import type { DType, ScanOp } from '@cp/core/backend';
import fc from 'fast-check';
import { describe } from 'vitest';
import { data, reduceDims } from '../../arbitraries.js';
import type { Suite } from '../../context.js';
import { bounded, exact, sumBound } from '../../tolerance.js';
import { arrayOf, propTest, type Scratch, scratchTest, show } from './harness.js';

const SCAN_OPS: readonly ScanOp[] = ['sum', 'prod'];

/** Products stay far from underflow and overflow: magnitudes in [1/2, 2], or exactly 0. */
const prodValues = (n: number) =>
  fc
    .array(
      fc.oneof(
        fc.float({ min: 0.5, max: 2, noNaN: true }),
        fc.float({ min: -2, max: -0.5, noNaN: true }),
        fc.constant(0),
      ),
      {
        minLength: n,
        maxLength: n,
      },
    )
    .map((v) => Float32Array.from(v));

function scanData(op: ScanOp, dtype: DType, n: number) {
  if (dtype === 'int32') return data('int32', n);
  return op === 'prod' ? prodValues(n) : fc.oneof(data('float32', n, { min: -8, max: 8 }), data('float32', n));
}

/** Per-element bounds of a float32 scan: the summation bound of each prefix. */
function scanBounds(op: ScanOp, X: ArrayLike<number>, outer: number, size: number, inner: number): number[] {
  const bounds = new Array<number>(outer * size * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let mag = op === 'sum' ? 0 : 1;
      for (let s = 0; s < size; s++) {
        const at = (o * size + s) * inner + i;
        mag = op === 'sum' ? mag + Math.abs(X[at]) : mag * Math.abs(X[at]);
        bounds[at] = sumBound(s + 1, mag);
      }
    }
  }
  return bounds;
}

function scanCase(
  s: Scratch,
  op: ScanOp,
  dtype: DType,
  X: ArrayLike<number>,
  outer: number,
  size: number,
  inner: number,
) {
  const x = s.input(arrayOf(dtype, X));
  const out = s.output(dtype, outer * size * inner);
  s.run('scan', { op, dtype, x, out, outer, size, inner });
  const float = dtype === 'float32';
  s.check(`scan '${op}' ${dtype} [${outer}, ${size}, ${inner}]`, out, float ? bounded : exact(), {
    bounds: float ? scanBounds(op, X, outer, size, inner) : undefined,
    inputs: () => `x = ${show(X)}`,
  });
}

function argsortCase(s: Scratch, dtype: DType, X: ArrayLike<number>, rows: number, cols: number, descending: boolean) {
  const x = s.input(arrayOf(dtype, X));
  const out = s.output('int32', rows * cols);
  s.run('argsort', { dtype, x, out, rows, cols, descending });
  s.check(`argsort ${dtype} [${rows}, ${cols}]${descending ? ' descending' : ''}`, out, exact(), {
    inputs: () => `x = ${show(X)}`,
  });
}

/** Rows of float32 specials: NaN, ±Infinity, ±0 and ties. */
const SPECIAL_ROWS: number[][] = [
  [Number.NaN, 1, Number.NaN, -1],
  [0, -0, 0, -0],
  [-0, 0, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NaN],
  [2, 2, 2, 1, 1],
  [3e38, 3e38, -3e38],
  [5],
];

/** The scan and argsort kernel suite. */
export const scanSortSuite: Suite = (ctx) => {
  describe('kernel scan', () => {
    for (const dtype of ['float32', 'int32'] as const) {
      for (const op of SCAN_OPS) {
        propTest(
          ctx,
          `${dtype} '${op}' over the middle axis matches the reference ${dtype === 'int32' ? 'exactly (wrapping)' : 'within the prefix summation bound'}, empty sizes included`,
          reduceDims(0).chain((d) => fc.tuple(fc.constant(d), scanData(op, dtype, d.outer * d.size * d.inner))),
          ([{ outer, size, inner }, X], s) => scanCase(s, op, dtype, X, outer, size, inner),
        );
      }
    }
    for (const op of SCAN_OPS) {
      scratchTest(ctx, `float32 '${op}' propagates NaN and handles ±Infinity and ±0 like the reference`, (s) => {
        // NOTE: a prefix that overflows float32 and comes back (3e38 + 3e38 - 3e38) is Infinity in float32 and
        // finite in the float64 reference, so the overflow row is only sorted, not scanned.
        for (const row of SPECIAL_ROWS.filter((r) => !r.includes(3e38)))
          scanCase(s, op, 'float32', row, 1, row.length, 1);
      });
    }
  });

  describe('kernel argsort', () => {
    for (const dtype of ['float32', 'int32'] as const) {
      for (const descending of [false, true]) {
        propTest(
          ctx,
          `${dtype}${descending ? ' descending' : ''} returns the reference's stable permutation, ties and empty rows included`,
          reduceDims(0).chain(({ outer, size }) => {
            const n = outer * size;
            const ties =
              dtype === 'int32'
                ? data('int32', n, { intMin: -2, intMax: 2 })
                : fc
                    .array(fc.constantFrom(-1, -0, 0, 2, Number.NaN), { minLength: n, maxLength: n })
                    .map((v) => Float32Array.from(v));
            return fc.tuple(fc.constant({ rows: outer, cols: size }), fc.oneof(ties, data(dtype, n)));
          }),
          ([{ rows, cols }, X], s) => argsortCase(s, dtype, X, rows, cols, descending),
        );
      }
    }
    scratchTest(ctx, 'float32 orders NaN above +Infinity, -0 equal to 0, and ties by position, both ways', (s) => {
      for (const row of SPECIAL_ROWS) {
        argsortCase(s, 'float32', row, 1, row.length, false);
        argsortCase(s, 'float32', row, 1, row.length, true);
      }
    });
  });
};
