/**
 * `sparsemax(x, { dim })` (Martins & Astudillo 2016): the Euclidean projection of each slice along `dim` onto the
 * probability simplex, `max(x - τ, 0)` with τ making the slice sum to 1. Unlike softmax it reaches exact zeros.
 * The forward is the exact simplex projection the constraints use (the backend's fused `simplexProject`, or
 * core's float64 sort-based fallback); the graph records one node with the known Jacobian: on the support S
 * (the outputs > 0) the gradient is `g - mean_S(g)`, and 0 off it.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { simplexRowsInPlace, withRows } from '../../constraints/kernels.js';
import { recorder, withOp } from '../../engine/dispatch.js';
import { tidy } from '../../engine/lifetime.js';
import { cast, requireFloat } from '../../ops/cast.js';
import { compare } from '../../ops/compare.js';
import { div, mul, sub } from '../../ops/elementwise.js';
import { sum } from '../../ops/reduce.js';
import { normalizeDim } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions } from '../../tensor/validate.js';

/** Options of `sparsemax`. */
export interface SparsemaxOptions {
  /** The dim each slice runs along (default -1). */
  dim?: number;
}

/** What sparsemax saves: its output (the support is where it is > 0), and the dim as `ctx`. */
interface SparsemaxOps {
  sparsemax: { saved: [out: Tensor]; ctx: number };
}

const record = recorder<SparsemaxOps>({
  // d sparsemax: s ⊙ (g - Σ(g ⊙ s)/Σ s), s the support mask (never empty: a slice sums to 1).
  sparsemax: (g, [out], d) => {
    const s = cast(compare('gt', out, 0), 'float32');
    return [mul(s, sub(g, div(sum(mul(g, s), d, true), sum(s, d, true))))];
  },
});

/**
 * Sparsemax along `dim` (default -1): each slice projected onto `{ y >= 0, Σ y = 1 }`. Differentiable, with the
 * Jacobian `diag(s) - s sᵀ/|S|` (s the support). A slice holding NaN gives NaN; a scalar gives 1.
 */
export function sparsemax(x: Tensor, options?: SparsemaxOptions): Tensor {
  return withOp('sparsemax', () => {
    requireFloat('sparsemax', x);
    checkOptions('sparsemax', options, ['dim']);
    // NOTE: a scalar is a one-element simplex: always 1, with a zero gradient (recorded through the mul).
    if (x.ndim === 0) return x.mul(0).add(1);
    const d = normalizeDim('sparsemax', options?.dim ?? -1, x.ndim);
    const out = tidy(() =>
      noGrad(() => {
        const y = x.detach().clone();
        withRows(y, [d], (rows) => simplexRowsInPlace(rows, 1));
        return y;
      }),
    );
    return record(out, 'sparsemax', { inputs: [x], saved: [out], ctx: d });
  });
}
