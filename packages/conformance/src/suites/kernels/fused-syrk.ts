/**
 * The fused `syrk` (`op(A)·op(A)ᵀ`) against the float64 reference within the summation bound, in both forms
 * (`A·Aᵀ` and `AᵀA`), batched, for tiny sizes, sizes that cross the backends' bands, and the orthogonal
 * constraint's 256x784 Gram matrices; the result must be exactly symmetric. A backend without it is skipped.
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { data } from '../../arbitraries.js';
import type { Suite } from '../../context.js';
import { bounded, sumBound } from '../../tolerance.js';
import { needsFused } from './fused.js';
import { arrayOf, propTest, type Scratch, scratchTest, show } from './harness.js';

interface SyrkProblem {
  batch: number;
  n: number;
  k: number;
  transA: boolean;
}

function syrkCase(s: Scratch, p: SyrkProblem, A: ArrayLike<number>): void {
  const { batch, n, k, transA } = p;
  const a = s.input(arrayOf('float32', A));
  const out = s.output('float32', batch * n * n);
  s.runFused('syrk', { a, out, batch, n, k, transA });
  const abs = Float64Array.from(A, Math.abs);
  const at = (t: number, i: number, q: number) => abs[t * n * k + (transA ? q * n + i : i * k + q)];
  const bounds: number[] = [];
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let mag = 0;
        for (let q = 0; q < k; q++) mag += at(t, i, q) * at(t, j, q);
        bounds.push(sumBound(k, mag));
      }
    }
  }
  s.check(`syrk ${JSON.stringify(p)}`, out, bounded, { bounds, inputs: () => `A = ${show(A)}` });
  const got = new Uint32Array(Float32Array.from(s.got(out)).buffer);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const [lower, upper] = [got[t * n * n + i * n + j], got[t * n * n + j * n + i]];
        if (lower !== upper)
          expect.fail(`syrk ${JSON.stringify(p)}: out[${t}, ${i}, ${j}] is not out[${t}, ${j}, ${i}]`);
      }
    }
  }
}

/** Seeded values in [-1, 1) (a fixed generator: the large cases are too big for fast-check to shrink). */
function seeded(count: number, seed: number): Float32Array {
  let x = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 31 - 1;
  });
}

const problem = fc.record({
  batch: fc.integer({ min: 0, max: 3 }),
  n: fc.oneof(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 30, max: 70 })),
  k: fc.integer({ min: 0, max: 40 }),
  transA: fc.boolean(),
});

/** The fused syrk suite. */
export const fusedSyrkSuite: Suite = (ctx) => {
  describe('fused syrk', () => {
    propTest(
      ctx,
      'fused syrk matches the float64 reference within the summation bound and is exactly symmetric, for any sizes, either form, batched',
      problem.chain((p) =>
        fc.tuple(
          fc.constant(p),
          fc.constantFrom(8, 1e4).chain((r) => data('float32', p.batch * p.n * p.k, { min: -r, max: r })),
        ),
      ),
      ([p, A], s) => syrkCase(s, p, A),
      needsFused('syrk'),
    );

    for (const transA of [false, true]) {
      scratchTest(
        ctx,
        `fused syrk of a 256x784 matrix (the orthogonal constraint's Gram matrix, ${transA ? 'AᵀA' : 'A·Aᵀ'}) matches the reference`,
        (s) => syrkCase(s, { batch: 1, n: 256, k: 784, transA }, seeded(256 * 784, transA ? 2 : 1)),
        needsFused('syrk'),
      );
    }

    scratchTest(
      ctx,
      'fused syrk with k = 0 writes zeros, and propagates NaN',
      (s) => {
        syrkCase(s, { batch: 2, n: 3, k: 0, transA: false }, []);
        syrkCase(s, { batch: 1, n: 2, k: 3, transA: true }, [Number.NaN, 1, 2, 0, 3, 4]);
      },
      needsFused('syrk'),
    );
  });
};
