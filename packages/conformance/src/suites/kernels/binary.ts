/**
 * The `binary` and `binaryScalar` kernels: every op × dtype the contract allows (float32: all seven; int32:
 * add, sub, mul, max, min with wrap-around) against the reference, on broadcast layouts both collapsed (as
 * core sends them) and raw, on a table of special pairs, and in place (`out` = a contiguous input).
 */
import { BINARY_OPS, type BinaryOp, type DType, INT32_BINARY_OPS } from '@cp/core/backend';
import fc from 'fast-check';
import { describe } from 'vitest';
import { data, type ElementwiseLayout, elementwiseLayout, sizeOf } from '../../arbitraries.js';
import type { Suite } from '../../context.js';
import { forEachIndex } from '../../reference/kernels.js';
import { BINARY_TOLERANCE, exact } from '../../tolerance.js';
import { arrayOf, needsInPlace, propTest, type Scratch, SPECIALS, scratchTest, show } from './harness.js';

/** Every float32 binary op. */
export const FLOAT_BINARY: readonly BinaryOp[] = BINARY_OPS;
/** The binary ops int32 takes. */
export const INT_BINARY: readonly BinaryOp[] = BINARY_OPS.filter((op) => INT32_BINARY_OPS.has(op));

const F32_MAX = 3.4028234663852886e38;
const INT_EXTREMES = [0, 1, -1, 2, 46341, 65536, 2147483647, -2147483648, -2147483647];

/** Operand data for `op` on `n` elements: pow gets a positive base, or a negative base with integer exponents. */
function pairData(op: BinaryOp, dtype: DType, na: number, nb: number) {
  if (dtype === 'int32') return fc.tuple(data('int32', na), data('int32', nb));
  if (op === 'pow') {
    const positive = fc.tuple(data('float32', na, { min: 0, max: 10 }), data('float32', nb, { min: -6, max: 6 }));
    const intExp = fc
      .array(fc.integer({ min: -5, max: 5 }), { minLength: nb, maxLength: nb })
      .map((v) => Float32Array.from(v));
    const negative = fc.tuple(data('float32', na, { min: -4, max: 4 }), intExp);
    return fc.oneof(positive, negative);
  }
  const narrow = fc.tuple(data('float32', na, { min: -8, max: 8 }), data('float32', nb, { min: -8, max: 8 }));
  const wide = fc.tuple(
    data('float32', na, { min: -F32_MAX, max: F32_MAX }),
    data('float32', nb, { min: -F32_MAX, max: F32_MAX }),
  );
  return fc.oneof(narrow, wide);
}

type Alias = 'none' | 'a' | 'b';

function binaryCase(
  s: Scratch,
  op: BinaryOp,
  dtype: DType,
  lay: ElementwiseLayout,
  A: ArrayLike<number>,
  B: ArrayLike<number>,
  alias: Alias,
): void {
  // NOTE: operand 0 of the layout has the full (contiguous) shape; it plays `b` when b is aliased.
  const [ia, ib] = alias === 'b' ? [1, 0] : [0, 1];
  const a = s.input(arrayOf(dtype, A));
  const b = s.input(arrayOf(dtype, B));
  const out = alias === 'a' ? a : alias === 'b' ? b : s.output(dtype, sizeOf(lay.outShape));
  s.run('binary', { op, dtype, a, b, out, shape: lay.shape, aStrides: lay.strides[ia], bStrides: lay.strides[ib] });
  const tol = dtype === 'int32' ? exact() : BINARY_TOLERANCE[op];
  const where = `shape ${show(lay.shape)}, aStrides ${show(lay.strides[ia])}, bStrides ${show(lay.strides[ib])}`;
  const at: [number, number][] = [];
  forEachIndex(lay.shape, [lay.strides[ia], lay.strides[ib]], (_, [oa, ob]) => at.push([oa, ob]));
  s.check(`binary '${op}' ${dtype}${alias !== 'none' ? ` with out === ${alias}` : ''}`, out, tol, {
    inputs: (i) => `a = ${A[at[i][0]]}, b = ${B[at[i][1]]} (${where})`,
  });
}

function layoutAndData(op: BinaryOp, dtype: DType) {
  return elementwiseLayout(2).chain((lay) => {
    const [na, nb] = [sizeOf(lay.inputs[0]), sizeOf(lay.inputs[1])];
    return fc.tuple(fc.constant(lay), pairData(op, dtype, na, nb));
  });
}

function scalarCase(
  s: Scratch,
  op: BinaryOp,
  dtype: DType,
  X: ArrayLike<number>,
  scalar: number,
  reverse: boolean,
  inPlace: boolean,
): void {
  const x = s.input(arrayOf(dtype, X));
  const out = inPlace ? x : s.output(dtype, X.length);
  s.run('binaryScalar', { op, dtype, x, scalar, reverse, out, n: X.length });
  const tol = dtype === 'int32' ? exact() : BINARY_TOLERANCE[op];
  const expr = reverse ? `${scalar} ${op} x` : `x ${op} ${scalar}`;
  s.check(`binaryScalar '${expr}' ${dtype}${inPlace ? ' in place' : ''}`, out, tol, {
    inputs: (i) => `x = ${show(X, i)}`,
  });
}

function scalarArb(op: BinaryOp, dtype: DType) {
  if (dtype === 'int32')
    return fc.oneof(fc.integer({ min: -20, max: 20 }), fc.integer({ min: -2147483648, max: 2147483647 }));
  if (op === 'pow') return fc.oneof(fc.integer({ min: -4, max: 4 }), fc.double({ min: -4, max: 4, noNaN: true }));
  return fc.oneof(fc.constantFrom(0.1, 0.5, 2, -1, 1e-3), fc.double({ min: -1e4, max: 1e4, noNaN: true }));
}

/** The binary and binaryScalar kernel suite. */
export const binarySuite: Suite = (ctx) => {
  describe('kernel binary', () => {
    for (const dtype of ['float32', 'int32'] as const) {
      for (const op of dtype === 'float32' ? FLOAT_BINARY : INT_BINARY) {
        propTest(
          ctx,
          `${dtype} '${op}' matches the reference on any broadcast layout, collapsed or raw`,
          layoutAndData(op, dtype),
          ([lay, [A, B]], s) => binaryCase(s, op, dtype, lay, A, B, 'none'),
        );
      }
    }

    for (const op of FLOAT_BINARY) {
      scratchTest(
        ctx,
        `float32 '${op}' matches the reference on every pair of NaN, ±Infinity, ±0 and edge values`,
        (s) => {
          const A = SPECIALS.flatMap((a) => SPECIALS.map(() => a));
          const B = SPECIALS.flatMap(() => SPECIALS);
          binaryCase(
            s,
            op,
            'float32',
            { inputs: [[A.length], [A.length]], outShape: [A.length], shape: [A.length], strides: [[1], [1]] },
            A,
            B,
            'none',
          );
        },
      );
    }
    for (const op of INT_BINARY) {
      scratchTest(ctx, `int32 '${op}' wraps at the int32 range on every pair of extreme values`, (s) => {
        const A = INT_EXTREMES.flatMap((a) => INT_EXTREMES.map(() => a));
        const B = INT_EXTREMES.flatMap(() => INT_EXTREMES);
        binaryCase(
          s,
          op,
          'int32',
          { inputs: [[A.length], [A.length]], outShape: [A.length], shape: [A.length], strides: [[1], [1]] },
          A,
          B,
          'none',
        );
      });
    }

    propTest(
      ctx,
      'any binary op writing over its contiguous operand (out === a or out === b) matches the reference',
      fc
        .record({ op: fc.constantFrom(...FLOAT_BINARY), int: fc.boolean(), alias: fc.constantFrom<Alias>('a', 'b') })
        .chain(({ op, int, alias }) => {
          const dtype: DType = int && INT_BINARY.includes(op) ? 'int32' : 'float32';
          return fc.tuple(fc.constant(op), fc.constant(dtype), fc.constant(alias), layoutAndData(op, dtype));
        }),
      ([op, dtype, alias, [lay, [A, B]]], s) => {
        // Operand 0 is the full-shape one; when it is aliased as `b`, the data roles swap too.
        if (alias === 'b') binaryCase(s, op, dtype, lay, B, A, alias);
        else binaryCase(s, op, dtype, lay, A, B, alias);
      },
      needsInPlace,
    );
  });

  describe('kernel binaryScalar', () => {
    for (const dtype of ['float32', 'int32'] as const) {
      for (const op of dtype === 'float32' ? FLOAT_BINARY : INT_BINARY) {
        propTest(
          ctx,
          `${dtype} '${op}' with a scalar (converted to ${dtype} first) matches the reference, either side`,
          fc.tuple(
            fc.integer({ min: 0, max: 30 }).chain((n) => pairData(op, dtype, n, 0).map(([x]) => x)),
            scalarArb(op, dtype),
            fc.boolean(),
          ),
          ([X, scalar, reverse], s) => scalarCase(s, op, dtype, X, scalar, reverse, false),
        );
      }
    }

    for (const op of FLOAT_BINARY) {
      scratchTest(
        ctx,
        `float32 '${op}' with a special scalar matches the reference on special data, either side`,
        (s) => {
          for (const scalar of SPECIALS) {
            scalarCase(s, op, 'float32', SPECIALS, scalar, false, false);
            scalarCase(s, op, 'float32', SPECIALS, scalar, true, false);
          }
        },
      );
    }

    propTest(
      ctx,
      'any scalar op run in place (out === x) matches the reference',
      fc
        .record({ op: fc.constantFrom(...FLOAT_BINARY), int: fc.boolean(), reverse: fc.boolean() })
        .chain(({ op, int, reverse }) => {
          const dtype: DType = int && INT_BINARY.includes(op) ? 'int32' : 'float32';
          const xs = fc.integer({ min: 0, max: 20 }).chain((n) => pairData(op, dtype, n, 0).map(([x]) => x));
          return fc.tuple(fc.constant(op), fc.constant(dtype), xs, scalarArb(op, dtype), fc.constant(reverse));
        }),
      ([op, dtype, X, scalar, reverse], s) => scalarCase(s, op, dtype, X, scalar, reverse, true),
      needsInPlace,
    );
  });
};
