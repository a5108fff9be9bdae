/**
 * `matmul` (batched, transposed operands, broadcast batch strides, empty and size-1 dims) against the
 * float64 reference within the summation bound, and the index kernels `gather` (exact, every dtype) and
 * `scatterAdd` (its adjoint: exact for int32, summation bound for float32 since duplicates accumulate).
 */
import type { DType } from '@cp/core/backend';
import fc from 'fast-check';
import { describe } from 'vitest';
import type { MatmulProblem } from '../../arbitraries.js';
import { data, matmulProblem } from '../../arbitraries.js';
import type { Suite } from '../../context.js';
import { bounded, exact, sumBound } from '../../tolerance.js';
import { arrayOf, propTest, type Scratch, scratchTest, show } from './harness.js';

function matmulCase(s: Scratch, p: MatmulProblem, A: ArrayLike<number>, B: ArrayLike<number>): void {
  const a = s.input(arrayOf('float32', A));
  const b = s.input(arrayOf('float32', B));
  const { batch, m, k, n, transA, transB, aBatchStride, bBatchStride } = p;
  const out = s.output('float32', batch * m * n);
  s.run('matmul', { a, b, out, batch, m, k, n, transA, transB, aBatchStride, bBatchStride });
  const bounds: number[] = [];
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let mag = 0;
        for (let q = 0; q < k; q++) {
          const av = A[t * aBatchStride + (transA ? q * m + i : i * k + q)];
          const bv = B[t * bBatchStride + (transB ? j * k + q : q * n + j)];
          mag += Math.abs(av * bv);
        }
        bounds.push(sumBound(k, mag));
      }
    }
  }
  s.check(`matmul ${JSON.stringify({ batch, m, k, n, transA, transB, aBatchStride, bBatchStride })}`, out, bounded, {
    bounds,
    inputs: () => `A = ${show(A)}, B = ${show(B)}`,
  });
}

/** A gather/scatterAdd problem: `[outer, size, inner]`, `count` picks, indices laid out either way core uses. */
const gatherProblem = fc
  .record({
    outer: fc.integer({ min: 0, max: 3 }),
    size: fc.integer({ min: 1, max: 5 }),
    inner: fc.integer({ min: 0, max: 3 }),
    count: fc.integer({ min: 0, max: 6 }),
    select: fc.boolean(),
  })
  .chain((p) => {
    const indexStrides: [number, number, number] = p.select ? [0, 1, 0] : [p.count * p.inner, p.inner, 1];
    const nIndex = p.select ? p.count : p.outer * p.count * p.inner;
    const idx = fc.array(fc.integer({ min: 0, max: p.size - 1 }), { minLength: nIndex, maxLength: nIndex });
    return fc.tuple(fc.constant({ ...p, indexStrides }), idx);
  });

/** The matmul, gather and scatterAdd kernel suite. */
export const matmulGatherSuite: Suite = (ctx) => {
  describe('kernel matmul', () => {
    propTest(
      ctx,
      'float32 matmul matches the float64 reference within the summation bound for any sizes, transposes and batch strides',
      matmulProblem().chain((p) => {
        const range = fc.constantFrom(8, 1e4);
        return range.chain((r) =>
          fc.tuple(
            fc.constant(p),
            data('float32', p.aSize, { min: -r, max: r }),
            data('float32', p.bSize, { min: -r, max: r }),
          ),
        );
      }),
      ([p, A, B], s) => matmulCase(s, p, A, B),
    );

    scratchTest(ctx, 'float32 matmul with k = 0 writes zeros', (s) => {
      const p: MatmulProblem = {
        batch: 2,
        m: 2,
        k: 0,
        n: 3,
        transA: false,
        transB: false,
        aBatchStride: 0,
        bBatchStride: 0,
        aSize: 0,
        bSize: 0,
      };
      matmulCase(s, p, [], []);
    });

    scratchTest(ctx, 'float32 matmul propagates NaN and gives NaN for Infinity · 0', (s) => {
      const p: MatmulProblem = {
        batch: 1,
        m: 3,
        k: 2,
        n: 2,
        transA: false,
        transB: false,
        aBatchStride: 6,
        bBatchStride: 4,
        aSize: 6,
        bSize: 4,
      };
      matmulCase(s, p, [Number.NaN, 1, Number.POSITIVE_INFINITY, 0, 1, 2], [1, 0, 0, 1]);
    });
  });

  describe('kernel gather', () => {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      propTest(
        ctx,
        `${dtype} gather picks exactly the reference's elements, for indexSelect and torch.gather index layouts`,
        gatherProblem.chain(([p, idx]) =>
          fc.tuple(fc.constant(p), fc.constant(idx), data(dtype, p.outer * p.size * p.inner)),
        ),
        ([p, idx, X], s) => {
          const x = s.input(X);
          const index = s.input(Int32Array.from(idx));
          const out = s.output(dtype, p.outer * p.count * p.inner);
          const { outer, size, inner, count, indexStrides } = p;
          s.run('gather', { dtype, x, index, out, outer, size, inner, count, indexStrides });
          s.check(`gather ${dtype} ${JSON.stringify(p)}`, out, exact(), {
            inputs: () => `x = ${show(X)}, index = ${show(idx)}`,
          });
        },
      );
    }
  });

  describe('kernel scatterAdd', () => {
    for (const dtype of ['float32', 'int32'] as const) {
      propTest(
        ctx,
        `${dtype} scatterAdd adds every source element into the pre-filled output at its index ${dtype === 'int32' ? 'exactly' : 'within the summation bound'}`,
        gatherProblem.chain(([p, idx]) => {
          const outSize = p.outer * p.size * p.inner;
          return fc.tuple(
            fc.constant(p),
            fc.constant(idx),
            data(dtype, p.outer * p.count * p.inner, { min: -100, max: 100 }),
            data(dtype, outSize, { min: -100, max: 100 }),
          );
        }),
        ([p, idx, SRC, INIT], s) => {
          const { outer, size, inner, count, indexStrides } = p;
          const src = s.input(SRC);
          const index = s.input(Int32Array.from(idx));
          const out = s.output(dtype, INIT.length, INIT);
          s.run('scatterAdd', { dtype: dtype as DType, src, index, out, outer, size, inner, count, indexStrides });
          const mag = Array.from(INIT, Math.abs);
          const terms = new Array<number>(INIT.length).fill(1);
          const [s0, s1, s2] = indexStrides;
          for (let o = 0; o < outer; o++) {
            for (let c = 0; c < count; c++) {
              for (let i = 0; i < inner; i++) {
                const at = (o * size + idx[o * s0 + c * s1 + i * s2]) * inner + i;
                mag[at] += Math.abs(SRC[(o * count + c) * inner + i]);
                terms[at]++;
              }
            }
          }
          s.check(`scatterAdd ${dtype} ${JSON.stringify(p)}`, out, dtype === 'int32' ? exact() : bounded, {
            bounds: mag.map((m, j) => sumBound(terms[j], m)),
            inputs: () => `src = ${show(SRC)}, index = ${show(idx)}, initial out = ${show(INIT)}`,
          });
        },
      );
    }
  });
};
