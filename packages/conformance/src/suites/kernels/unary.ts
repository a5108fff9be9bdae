/**
 * The `unary` kernel: every float32 op and the int32 ops (neg, abs, sign) against the reference, on random
 * data in each op's domain, on a fixed table of specials (NaN, ±Infinity, ±0, subnormals, domain edges),
 * and in place (`out === x`) when the backend declares `inPlace`.
 */
import { INT32_UNARY_OPS, UNARY_OPS, type UnaryOp } from '@cp/core/backend';
import fc from 'fast-check';
import { describe } from 'vitest';
import { data } from '../../arbitraries.js';
import type { Suite } from '../../context.js';
import { exact, UNARY_TOLERANCE } from '../../tolerance.js';
import { arrayOf, needsInPlace, propTest, type Scratch, SPECIALS, scratchTest, show } from './harness.js';

/** Every float32 unary op. */
export const FLOAT_UNARY: readonly UnaryOp[] = Object.keys(UNARY_TOLERANCE) as UnaryOp[];
/** The unary ops int32 takes. */
export const INT_UNARY: readonly UnaryOp[] = UNARY_OPS.filter((op) => INT32_UNARY_OPS.has(op));

const F32_MAX = 3.4028234663852886e38;

/** The float32 ranges each op is tested on: a narrow one where the function bends, and its whole domain. */
const DOMAIN: Partial<Record<UnaryOp, [number, number][]>> = {
  exp: [
    [-10, 10],
    [-104, 89],
  ],
  expm1: [
    [-1e-3, 1e-3],
    [-104, 89],
  ],
  log: [
    [0.5, 2],
    [2 ** -149, F32_MAX],
  ],
  log1p: [
    [-1e-3, 1e-3],
    [-0.99999994, F32_MAX],
  ],
  sqrt: [
    [0, 4],
    [0, F32_MAX],
  ],
  rsqrt: [
    [2 ** -149, 4],
    [2 ** -149, F32_MAX],
  ],
  recip: [
    [-4, 4],
    [-F32_MAX, F32_MAX],
  ],
  sin: [
    [-7, 7],
    [-1e4, 1e4],
  ],
  cos: [
    [-7, 7],
    [-1e4, 1e4],
  ],
  tanh: [
    [-1e-3, 1e-3],
    [-12, 12],
  ],
  sigmoid: [
    [-20, 20],
    [-120, 120],
  ],
  erf: [
    [-1e-3, 1e-3],
    [-5, 5],
  ],
};

const DEFAULT_DOMAIN: [number, number][] = [
  [-8, 8],
  [-F32_MAX, F32_MAX],
];

/** Data of `n` elements drawn from one of the op's ranges. */
function opData(op: UnaryOp, n: number) {
  const ranges = DOMAIN[op] ?? DEFAULT_DOMAIN;
  return fc.oneof(...ranges.map(([min, max]) => data('float32', n, { min, max })));
}

const EXTRA_SPECIALS: Partial<Record<UnaryOp, number[]>> = {
  exp: [88.72283935546875, 89, -103.97, -104, -745],
  expm1: [1e-30, -1e-30, 88.7, -88],
  log: [-1, 2 ** -149, 1e-38],
  log1p: [-1, -2, 1e-30, -0.99999994],
  sqrt: [-1, 2 ** -149],
  rsqrt: [-1, 2 ** -149],
  recip: [2 ** -149, -(2 ** -149)],
  sin: [Math.fround(Math.PI), 1e30],
  cos: [Math.fround(Math.PI / 2), 1e30],
  tanh: [20, -20, 1e-30],
  sigmoid: [100, -100, -88, -104, 1e-30],
  erf: [6, -6, 3.9, 1e-30, -1e-30],
  floor: [-0.5, 0.5, -1.5, 8388607.5, -8388607.5],
  relu: [-1e-30],
  sign: [-1e-30, 1e-30],
};

function unaryCase(
  s: Scratch,
  op: UnaryOp,
  dtype: 'float32' | 'int32',
  values: ArrayLike<number>,
  inPlace: boolean,
): void {
  const x = s.input(arrayOf(dtype, values));
  const out = inPlace ? x : s.output(dtype, values.length);
  s.run('unary', { op, dtype, x, out, n: values.length });
  const tol = dtype === 'int32' ? exact() : UNARY_TOLERANCE[op];
  s.check(`unary '${op}' ${dtype}${inPlace ? ' in place' : ''}`, out, tol, { inputs: (i) => `x = ${show(values, i)}` });
}

/** The unary kernel suite. */
export const unarySuite: Suite = (ctx) => {
  describe('kernel unary', () => {
    for (const op of FLOAT_UNARY) {
      propTest(
        ctx,
        `float32 '${op}' matches the reference ${describeTol(op)} on random data`,
        fc.integer({ min: 0, max: 40 }).chain((n) => opData(op, n)),
        (values, s) => unaryCase(s, op, 'float32', values, false),
      );
      scratchTest(ctx, `float32 '${op}' matches the reference on NaN, ±Infinity, ±0 and edge values`, (s) =>
        unaryCase(s, op, 'float32', [...SPECIALS, ...(EXTRA_SPECIALS[op] ?? [])], false),
      );
    }

    for (const op of INT_UNARY) {
      propTest(
        ctx,
        `int32 '${op}' equals the reference exactly (wrapping at the int32 range)`,
        fc.integer({ min: 0, max: 40 }).chain((n) => data('int32', n)),
        (values, s) => unaryCase(s, op, 'int32', values, false),
      );
      scratchTest(ctx, `int32 '${op}' handles 0, ±1 and the int32 extremes`, (s) =>
        unaryCase(s, op, 'int32', [0, 1, -1, 2147483647, -2147483648, -2147483647], false),
      );
    }

    propTest(
      ctx,
      'any unary op run in place (out === x) gives the same result as out of place',
      fc
        .record({ op: fc.constantFrom(...FLOAT_UNARY), int: fc.boolean(), n: fc.integer({ min: 0, max: 24 }) })
        .chain(({ op, int, n }) => {
          const dtype = int && INT_UNARY.includes(op) ? ('int32' as const) : ('float32' as const);
          return fc.tuple(fc.constant(op), fc.constant(dtype), dtype === 'int32' ? data('int32', n) : opData(op, n));
        }),
      ([op, dtype, values], s) => unaryCase(s, op, dtype, values, true),
      needsInPlace,
    );
  });
};

function describeTol(op: UnaryOp): string {
  const t = UNARY_TOLERANCE[op];
  return t.kind === 'ulp' ? `within ${t.ulps} ulp` : 'exactly';
}
