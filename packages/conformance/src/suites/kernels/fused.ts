/**
 * The fused softmax family and projections, each against its float64 reference: softmax, logSoftmax and
 * softmaxCrossEntropy and its gradient within bounds derived from the row (see docs/numerics.md); reluBackward and
 * clamp exactly; renormSlices
 * (slices inside the bounds bit-for-bit unchanged, others within a relative bound); simplexProject within
 * an absolute bound plus its defining properties. A fused kernel the backend does not provide is skipped.
 */
import type { Backend, FusedKernelName } from '@cp/core/backend';
import fc from 'fast-check';
import { describe } from 'vitest';
import { data, reduceDims } from '../../arbitraries.js';
import type { Suite } from '../../context.js';
import { rowLogSum } from '../../reference/fused.js';
import { assertClose, bounded, EPS32, exact, TINY } from '../../tolerance.js';
import { arrayOf, propTest, type SkipRule, scratchTest, show } from './harness.js';

/** Skips when the backend does not provide fused kernel `name`. */
export const needsFused =
  (name: FusedKernelName): SkipRule =>
  (b: Backend) =>
    !b.fused[name] && `the backend does not provide fused '${name}'`;

const rowsCols = fc.record({ rows: fc.integer({ min: 0, max: 4 }), cols: fc.integer({ min: 1, max: 9 }) });
const logits = (n: number) =>
  fc.oneof(data('float32', n, { min: -10, max: 10 }), data('float32', n, { min: -80, max: 80 }));

/** Per-element bounds of the softmax family for the rows of `X`. */
function softmaxBounds(
  kind: 'softmax' | 'logSoftmax',
  X: ArrayLike<number>,
  ref: ArrayLike<number>,
  rows: number,
  cols: number,
): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    const { max, logSum } = rowLogSum(X, r * cols, cols);
    for (let c = 0; c < cols; c++) {
      const x = X[r * cols + c];
      const y = ref[r * cols + c];
      // NOTE: the shift x - max (or x - logsumexp) is rounded, and exp turns its absolute error into a relative one.
      const spread = cols + 8 + 2 * Math.abs(x - max) + 2 * Math.abs(x) + 2 * Math.abs(max) + 2 * Math.abs(logSum);
      const b = kind === 'softmax' ? EPS32 * spread * Math.abs(y) + TINY : EPS32 * (spread + 4 * Math.abs(y)) + TINY;
      // Non-finite inputs or outputs are compared exactly (NaN with NaN, ±Infinity with itself, 0 with 0).
      out.push(Number.isFinite(b) ? b : TINY);
    }
  }
  return out;
}

/** The fused softmax-family and projection suite. */
export const fusedSuite: Suite = (ctx) => {
  describe('fused softmax family', () => {
    for (const kind of ['softmax', 'logSoftmax'] as const) {
      propTest(
        ctx,
        `fused ${kind} matches the float64 reference within the row's bound`,
        rowsCols.chain((d) => fc.tuple(fc.constant(d), logits(d.rows * d.cols))),
        ([{ rows, cols }, X], s) => {
          const x = s.input(X);
          const out = s.output('float32', rows * cols);
          s.runFused(kind, { x, out, rows, cols });
          const ref = s.resolve(out);
          s.check(`fused ${kind} [${rows}, ${cols}]`, out, bounded, {
            bounds: softmaxBounds(kind, X, ref, rows, cols),
            inputs: () => `x = ${show(X)}`,
          });
        },
        needsFused(kind),
      );
      scratchTest(
        ctx,
        `fused ${kind} gives NaN rows for NaN input and handles -Infinity logits like the reference`,
        (s) => {
          const inf = Number.POSITIVE_INFINITY;
          const X = [Number.NaN, 1, 2, -inf, 0, 1, -inf, -inf, 3, 1e30, -1e30, 0];
          const x = s.input(arrayOf('float32', X));
          const out = s.output('float32', X.length);
          s.runFused(kind, { x, out, rows: 4, cols: 3 });
          s.check(`fused ${kind} specials`, out, bounded, { bounds: softmaxBounds(kind, X, s.resolve(out), 4, 3) });
        },
        needsFused(kind),
      );
    }

    propTest(
      ctx,
      'fused softmaxCrossEntropy equals logsumexp(row) - row[label] within the row bound',
      rowsCols.chain((d) =>
        fc.tuple(
          fc.constant(d),
          logits(d.rows * d.cols),
          fc.array(fc.integer({ min: 0, max: d.cols - 1 }), { minLength: d.rows, maxLength: d.rows }),
        ),
      ),
      ([{ rows, cols }, X, L], s) => {
        const x = s.input(X);
        const labels = s.input(Int32Array.from(L));
        const out = s.output('float32', rows);
        s.runFused('softmaxCrossEntropy', { logits: x, labels, out, rows, cols });
        const ref = s.resolve(out);
        const bounds = L.map((label, r) => {
          const { max, logSum } = rowLogSum(X, r * cols, cols);
          let dev = 0;
          for (let c = 0; c < cols; c++) dev = Math.max(dev, Math.abs(X[r * cols + c] - max));
          return (
            EPS32 *
              (cols +
                8 +
                2 * dev +
                2 * Math.abs(max + logSum) +
                2 * Math.abs(X[r * cols + label]) +
                4 * Math.abs(ref[r])) +
            TINY
          );
        });
        s.check(`fused softmaxCrossEntropy [${rows}, ${cols}]`, out, bounded, {
          bounds,
          inputs: () => `logits = ${show(X)}, labels = ${show(L)}`,
        });
      },
      needsFused('softmaxCrossEntropy'),
    );

    propTest(
      ctx,
      "fused softmaxCrossEntropyBackward equals (softmax(row) - onehot)·grad within the row's softmax bound",
      rowsCols.chain((d) =>
        fc.tuple(
          fc.constant(d),
          logits(d.rows * d.cols),
          fc.array(fc.integer({ min: 0, max: d.cols - 1 }), { minLength: d.rows, maxLength: d.rows }),
          fc.constantFrom(0 as const, 1 as const),
          data('float32', Math.max(1, d.rows), { min: -10, max: 10 }),
        ),
      ),
      ([{ rows, cols }, X, L, gradStride, G], s) => {
        const x = s.input(X);
        const labels = s.input(Int32Array.from(L));
        const grad = s.input(G);
        const out = s.output('float32', rows * cols);
        s.runFused('softmaxCrossEntropyBackward', { logits: x, labels, grad, gradStride, out, rows, cols });
        const ref = s.resolve(out);
        const probs = Array.from(X, () => 0);
        for (let r = 0; r < rows; r++) {
          const { max, logSum } = rowLogSum(X, r * cols, cols);
          for (let c = 0; c < cols; c++) probs[r * cols + c] = Math.exp(X[r * cols + c] - max - logSum);
        }
        // NOTE: the error of the probability is carried by |grad|; the product is rounded once more.
        const pBounds = softmaxBounds('softmax', X, probs, rows, cols);
        const bounds = pBounds.map(
          (b, i) => b * Math.abs(G[Math.floor(i / cols) * gradStride]) + EPS32 * Math.abs(ref[i]) + TINY,
        );
        s.check(`fused softmaxCrossEntropyBackward [${rows}, ${cols}], gradStride ${gradStride}`, out, bounded, {
          bounds,
          inputs: () => `logits = ${show(X)}, labels = ${show(L)}, grad = ${show(G)}`,
        });
      },
      needsFused('softmaxCrossEntropyBackward'),
    );

    propTest(
      ctx,
      'fused reluBackward equals x > 0 ? grad : +0 exactly (NaN x gives 0, -0 grads kept), also in place',
      fc
        .integer({ min: 0, max: 40 })
        .chain((n) =>
          fc.tuple(
            fc.oneof(
              data('float32', n, { min: -5, max: 5 }),
              fc.constant(arrayOf('float32', [Number.NaN, -0, 0, Number.POSITIVE_INFINITY, -1, 2])),
            ),
            data('float32', Math.max(n, 6), { min: -5, max: 5 }),
            fc.boolean(),
          ),
        ),
      ([X, G0, inPlace], s) => {
        const n = X.length;
        const G = G0.slice(0, n);
        if (n >= 2) G[1] = -0;
        const x = s.input(X);
        const grad = s.input(G);
        const out = inPlace && s.backend.capabilities.inPlace ? grad : s.output('float32', n);
        s.runFused('reluBackward', { x, grad, out, n });
        s.check(`fused reluBackward of ${n}`, out, exact(), {
          inputs: (i) => `x = ${show(X, i)}, grad = ${show(G, i)}`,
        });
      },
      needsFused('reluBackward'),
    );
  });

  describe('fused projections', () => {
    const bound = fc.oneof(
      fc.float({ min: -10, max: 10, noNaN: true }),
      fc.constantFrom(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, -0, 0),
    );
    propTest(
      ctx,
      'fused clamp equals min(max(x, lo), hi) exactly, NaN staying NaN, also in place',
      fc.tuple(
        fc
          .integer({ min: 0, max: 30 })
          .chain((n) =>
            fc.oneof(
              data('float32', n, { min: -20, max: 20 }),
              fc.constant(arrayOf('float32', [Number.NaN, -0, 0, Number.POSITIVE_INFINITY])),
            ),
          ),
        bound,
        bound,
        fc.boolean(),
      ),
      ([X, b1, b2, inPlace], s) => {
        const [lo, hi] = b1 <= b2 ? [b1, b2] : [b2, b1];
        const x = s.input(X);
        const out = inPlace && s.backend.capabilities.inPlace ? x : s.output('float32', X.length);
        s.runFused('clamp', { x, out, n: X.length, lo, hi });
        s.check(`fused clamp to [${lo}, ${hi}]`, out, exact(false), { inputs: (i) => `x = ${show(X, i)}` });
      },
      needsFused('clamp'),
    );

    propTest(
      ctx,
      'fused renormSlices leaves slices inside [lo, hi] bit-for-bit and rescales the others like the reference',
      reduceDims(1).chain((d) =>
        fc.tuple(
          fc.constant(d),
          fc.oneof(
            data('float32', d.outer * d.size * d.inner, { min: -3, max: 3 }),
            fc.constant(new Float32Array(d.outer * d.size * d.inner)),
          ),
          fc.float({ min: 0, max: 2, noNaN: true }),
          fc.float({ min: 0, max: 4, noNaN: true }),
          fc.oneof(fc.constant(1), fc.float({ min: 0, max: 1, noNaN: true })),
          fc.boolean(),
        ),
      ),
      ([{ outer, size, inner }, X, lo, width, rate, inPlace], s) => {
        const hi = lo + width;
        const x = s.input(X);
        const out = inPlace && s.backend.capabilities.inPlace ? x : s.output('float32', X.length);
        s.runFused('renormSlices', { x, out, outer, size, inner, lo, hi, rate });
        const ref = s.resolve(out);
        const bounds = new Array<number>(X.length).fill(0);
        const slack = (size + 8) * EPS32;
        for (let o = 0; o < outer; o++) {
          for (let i = 0; i < inner; i++) {
            const at = (k: number) => (o * size + k) * inner + i;
            let sq = 0;
            for (let k = 0; k < size; k++) sq += X[at(k)] ** 2;
            const nrm = Math.sqrt(sq);
            // NOTE: a norm within rounding of lo or hi may be judged either side; the scale is ~1 there anyway.
            const inside = nrm === 0 || (nrm >= lo * (1 + slack) && nrm <= hi * (1 - slack));
            for (let k = 0; k < size; k++) bounds[at(k)] = inside ? 0 : slack * Math.abs(ref[at(k)]) + TINY;
          }
        }
        s.check(`fused renormSlices [${outer}, ${size}, ${inner}] lo ${lo} hi ${hi} rate ${rate}`, out, bounded, {
          bounds,
          inputs: () => `x = ${show(X)}`,
        });
      },
      needsFused('renormSlices'),
    );

    propTest(
      ctx,
      'fused simplexProject rows are non-negative, sum to the radius, and match the reference projection',
      rowsCols.chain((d) =>
        fc.tuple(
          fc.constant(d),
          data('float32', d.rows * d.cols, { min: -5, max: 5 }),
          fc.oneof(fc.constant(1), fc.float({ min: Math.fround(0.1), max: 10, noNaN: true })),
          fc.boolean(),
        ),
      ),
      ([{ rows, cols }, X, radius, inPlace], s) => {
        const x = s.input(X);
        const out = inPlace && s.backend.capabilities.inPlace ? x : s.output('float32', X.length);
        s.runFused('simplexProject', { x, out, rows, cols, radius });
        const got = s.got(out);
        const bounds: number[] = [];
        for (let r = 0; r < rows; r++) {
          let mag = radius;
          for (let c = 0; c < cols; c++) mag += Math.abs(X[r * cols + c]);
          const b = (cols + 8) * EPS32 * mag + TINY;
          let total = 0;
          for (let c = 0; c < cols; c++) {
            bounds.push(b);
            total += got[r * cols + c];
          }
          const row = Array.from(got.slice(r * cols, (r + 1) * cols));
          if (row.some((v) => !(v >= 0)))
            throw new Error(`simplexProject: row ${r} has a negative entry: ${show(row)}`);
          assertClose(`simplexProject row ${r} sum`, [total], [radius], bounded, { bounds: [cols * b] });
        }
        s.check(`fused simplexProject [${rows}, ${cols}] radius ${radius}`, out, bounded, {
          bounds,
          inputs: () => `x = ${show(X)}`,
        });
      },
      needsFused('simplexProject'),
    );
  });
};
