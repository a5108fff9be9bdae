/**
 * `compare` (bool out; any NaN compares false except `ne`; -0 equals +0) and `where` (select with a bool
 * condition, bit-for-bit), on broadcast layouts for float32 and int32, plus a table of special pairs.
 */
import type { CompareOp, DType } from '@cp/core/backend';
import fc from 'fast-check';
import { describe } from 'vitest';
import { data, elementwiseLayout, sizeOf } from '../../arbitraries.js';
import type { Suite } from '../../context.js';
import { exact } from '../../tolerance.js';
import { arrayOf, propTest, SPECIALS, scratchTest, show } from './harness.js';

/** Every comparison. */
export const COMPARE_OPS: readonly CompareOp[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];

/** Data where equal values are common: a few small values, or the whole range. */
function cmpData(dtype: DType, n: number) {
  if (dtype === 'int32') return data('int32', n, { intMin: -3, intMax: 3 });
  const few = fc
    .array(fc.constantFrom(-1, -0, 0, 0.5, 1), { minLength: n, maxLength: n })
    .map((v) => Float32Array.from(v));
  return fc.oneof(few, data('float32', n));
}

/** The compare and where kernel suite. */
export const compareWhereSuite: Suite = (ctx) => {
  describe('kernel compare', () => {
    for (const dtype of ['float32', 'int32'] as const) {
      for (const op of COMPARE_OPS) {
        propTest(
          ctx,
          `${dtype} '${op}' gives the reference's 0/1 on any broadcast layout`,
          elementwiseLayout(2).chain((lay) =>
            fc.tuple(fc.constant(lay), cmpData(dtype, sizeOf(lay.inputs[0])), cmpData(dtype, sizeOf(lay.inputs[1]))),
          ),
          ([lay, A, B], s) => {
            const a = s.input(A);
            const b = s.input(B);
            const out = s.output('bool', sizeOf(lay.outShape));
            s.run('compare', {
              op,
              dtype,
              a,
              b,
              out,
              shape: lay.shape,
              aStrides: lay.strides[0],
              bStrides: lay.strides[1],
            });
            s.check(`compare '${op}' ${dtype}`, out, exact(), {
              inputs: () =>
                `a = ${show(A)}, b = ${show(B)}, shape ${show(lay.shape)}, strides ${show(lay.strides[0])} / ${show(lay.strides[1])}`,
            });
          },
        );
      }
    }

    for (const op of COMPARE_OPS) {
      scratchTest(ctx, `float32 '${op}' is false with a NaN operand (true for 'ne') and treats -0 as +0`, (s) => {
        const A = SPECIALS.flatMap((x) => SPECIALS.map(() => x));
        const B = SPECIALS.flatMap(() => SPECIALS);
        const a = s.input(arrayOf('float32', A));
        const b = s.input(arrayOf('float32', B));
        const out = s.output('bool', A.length);
        s.run('compare', { op, dtype: 'float32', a, b, out, shape: [A.length], aStrides: [1], bStrides: [1] });
        s.check(`compare '${op}' float32 specials`, out, exact(), { inputs: (i) => `a = ${A[i]}, b = ${B[i]}` });
      });
    }
  });

  describe('kernel where', () => {
    for (const dtype of ['float32', 'int32'] as const) {
      propTest(
        ctx,
        `${dtype} where picks a or b bit-for-bit by the condition, on any broadcast layout`,
        elementwiseLayout(3).chain((lay) =>
          fc.tuple(
            fc.constant(lay),
            data('bool', sizeOf(lay.inputs[0])),
            data(dtype, sizeOf(lay.inputs[1])),
            data(dtype, sizeOf(lay.inputs[2])),
          ),
        ),
        ([lay, C, A, B], s) => {
          const cond = s.input(C);
          const a = s.input(A);
          const b = s.input(B);
          const out = s.output(dtype, sizeOf(lay.outShape));
          const [condStrides, aStrides, bStrides] = lay.strides;
          s.run('where', { dtype, cond, a, b, out, shape: lay.shape, condStrides, aStrides, bStrides });
          s.check(`where ${dtype}`, out, exact(), {
            inputs: () => `cond = ${show(C)}, a = ${show(A)}, b = ${show(B)}`,
          });
        },
      );
    }

    scratchTest(ctx, 'float32 where copies NaN, ±Infinity and -0 unchanged', (s) => {
      const n = SPECIALS.length;
      const C = Array.from({ length: n }, (_, i) => i % 2);
      const cond = s.input(arrayOf('bool', C));
      const a = s.input(arrayOf('float32', SPECIALS));
      const b = s.input(arrayOf('float32', [...SPECIALS].reverse()));
      const out = s.output('float32', n);
      s.run('where', { dtype: 'float32', cond, a, b, out, shape: [n], condStrides: [1], aStrides: [1], bStrides: [1] });
      s.check('where float32 specials', out, exact());
    });
  });
};
