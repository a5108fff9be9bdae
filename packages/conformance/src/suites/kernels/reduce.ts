/**
 * `reduce` (sum, prod, max, min over the middle axis of `[outer, size, inner]`) and `argReduce` (first
 * index wins ties, the first NaN is the extreme). int32 is exact with wrap-around; float32 sum and prod are
 * held to the summation bound (any order), max/min are exact and propagate NaN. Empty sums are 0, empty
 * products 1.
 */
import type { ArgReduceOp, DType, ReduceOp } from '@cp/core/backend';
import fc from 'fast-check';
import { describe } from 'vitest';
import { data, reduceDims } from '../../arbitraries.js';
import type { Suite } from '../../context.js';
import { bounded, exact, sumBound, type Tolerance } from '../../tolerance.js';
import { arrayOf, propTest, type Scratch, scratchTest, show } from './harness.js';

const REDUCE_OPS: readonly ReduceOp[] = ['sum', 'prod', 'max', 'min'];
const ARG_OPS: readonly ArgReduceOp[] = ['argmax', 'argmin'];

/** Products stay far from underflow and overflow: magnitudes in [1/4, 4], or exactly 0. */
const prodValues = (n: number) =>
  fc
    .array(
      fc.oneof(
        fc.float({ min: 0.25, max: 4, noNaN: true }),
        fc.float({ min: -4, max: -0.25, noNaN: true }),
        fc.constant(0),
      ),
      {
        minLength: n,
        maxLength: n,
      },
    )
    .map((v) => Float32Array.from(v));

function reduceData(op: ReduceOp, dtype: DType, n: number) {
  if (dtype === 'int32') return data('int32', n);
  if (op === 'prod') return prodValues(n);
  if (op === 'sum') return fc.oneof(data('float32', n, { min: -8, max: 8 }), data('float32', n));
  const ties = fc.array(fc.constantFrom(-1, -0, 0, 2), { minLength: n, maxLength: n }).map((v) => Float32Array.from(v));
  return fc.oneof(ties, data('float32', n, { min: -3.4e38, max: 3.4e38 }));
}

/** Per-output summation bounds for a float32 sum or prod. */
function reduceBounds(op: ReduceOp, X: ArrayLike<number>, outer: number, size: number, inner: number): number[] {
  const bounds: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let mag = op === 'sum' ? 0 : 1;
      for (let s = 0; s < size; s++) {
        const v = Math.abs(X[(o * size + s) * inner + i]);
        mag = op === 'sum' ? mag + v : mag * v;
      }
      bounds.push(sumBound(size, mag));
    }
  }
  return bounds;
}

function reduceCase(
  s: Scratch,
  op: ReduceOp,
  dtype: DType,
  X: ArrayLike<number>,
  outer: number,
  size: number,
  inner: number,
): void {
  const x = s.input(arrayOf(dtype, X));
  const out = s.output(dtype, outer * inner);
  s.run('reduce', { op, dtype, x, out, outer, size, inner });
  const float = dtype === 'float32';
  const tol: Tolerance = !float ? exact() : op === 'sum' || op === 'prod' ? bounded : exact(false);
  const bounds = float && (op === 'sum' || op === 'prod') ? reduceBounds(op, X, outer, size, inner) : undefined;
  s.check(`reduce '${op}' ${dtype} [${outer}, ${size}, ${inner}]`, out, tol, {
    bounds,
    inputs: () => `x = ${show(X)}`,
  });
}

function argCase(
  s: Scratch,
  op: ArgReduceOp,
  dtype: DType,
  X: ArrayLike<number>,
  outer: number,
  size: number,
  inner: number,
): void {
  const x = s.input(arrayOf(dtype, X));
  const out = s.output('int32', outer * inner);
  s.run('argReduce', { op, dtype, x, out, outer, size, inner });
  s.check(`argReduce '${op}' ${dtype} [${outer}, ${size}, ${inner}]`, out, exact(), { inputs: () => `x = ${show(X)}` });
}

/** Rows (outer 1, inner 1) of float32 specials. */
const SPECIAL_ROWS: number[][] = [
  [Number.NaN, 1, 2],
  [1, Number.NaN, Number.POSITIVE_INFINITY],
  [2, 1, Number.NaN, Number.NaN],
  [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
  [-0, 0],
  [0, -0],
  [-0, -0],
  [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, 1],
  [3e38, 3e38],
  [1, 1, 1],
  [5],
];

/** The reduce and argReduce kernel suite. */
export const reduceSuite: Suite = (ctx) => {
  describe('kernel reduce', () => {
    for (const dtype of ['float32', 'int32'] as const) {
      for (const op of REDUCE_OPS) {
        const rule =
          dtype === 'int32'
            ? 'exactly (wrapping)'
            : op === 'sum' || op === 'prod'
              ? 'within the summation bound'
              : 'exactly';
        propTest(
          ctx,
          `${dtype} '${op}' over the middle axis matches the reference ${rule}${op === 'sum' || op === 'prod' ? ', size 0 included' : ''}`,
          reduceDims(op === 'max' || op === 'min' ? 1 : 0).chain((d) =>
            fc.tuple(fc.constant(d), reduceData(op, dtype, d.outer * d.size * d.inner)),
          ),
          ([{ outer, size, inner }, X], s) => reduceCase(s, op, dtype, X, outer, size, inner),
        );
      }
    }

    for (const op of REDUCE_OPS) {
      scratchTest(ctx, `float32 '${op}' propagates NaN and handles ±Infinity and ±0 like the reference`, (s) => {
        for (const row of SPECIAL_ROWS) reduceCase(s, op, 'float32', row, 1, row.length, 1);
      });
    }
  });

  describe('kernel argReduce', () => {
    for (const dtype of ['float32', 'int32'] as const) {
      for (const op of ARG_OPS) {
        propTest(
          ctx,
          `${dtype} '${op}' returns the reference's index, the first one on ties`,
          reduceDims(1).chain((d) => {
            const n = d.outer * d.size * d.inner;
            const values =
              dtype === 'int32' ? data('int32', n, { intMin: -2, intMax: 2 }) : reduceData('max', 'float32', n);
            return fc.tuple(fc.constant(d), fc.oneof(values, data(dtype, n)));
          }),
          ([{ outer, size, inner }, X], s) => argCase(s, op, dtype, X, outer, size, inner),
        );
      }
    }

    for (const op of ARG_OPS) {
      scratchTest(ctx, `float32 '${op}' returns the first NaN's index, and handles ±Infinity and ±0`, (s) => {
        for (const row of SPECIAL_ROWS) argCase(s, op, 'float32', row, 1, row.length, 1);
      });
      scratchTest(
        ctx,
        `float32 '${op}' gives the same indices for the specials side by side, as rows and as columns`,
        (s) => {
          for (const size of [1, 2, 3, 4]) {
            const rows = SPECIAL_ROWS.filter((r) => r.length === size);
            const k = rows.length;
            if (k === 0) continue;
            // Each row repeated 3 times with its neighbours, so every row lands in every SIMD lane position.
            const many = [...rows, ...rows, ...rows, rows[0]];
            argCase(s, op, 'float32', many.flat(), many.length, size, 1);
            const columns = Array.from(
              { length: size * many.length },
              (_, i) => many[i % many.length][Math.floor(i / many.length)],
            );
            argCase(s, op, 'float32', columns, 1, size, many.length);
          }
        },
      );
    }
  });
};
