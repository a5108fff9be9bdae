/**
 * `cappedSimplex(k, { dim })`: `0 <= x <= 1` with each slice over `dim` summing to `k` (a soft top-k selection).
 * By the KKT conditions the projection is `clamp(x - τ, 0, 1)`, whose sum falls monotonically in τ; bisection
 * in float64 finds the piece of that piecewise-linear sum holding `k`, which is then solved exactly. Empty when
 * a slice has fewer than `k` elements; that raises at registration.
 */
import { fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Constraint, ConstraintError, type ConstraintSlice, type JsonValue } from '../constraint.js';
import { checkDim, checkNumber, checkOptions } from './args.js';
import type { DimOptions } from './norms.js';
import { slicesOver } from './slice-view.js';
import { mapSlices, maxOverSlices, roundingBand, sliceSize } from './slices.js';

/** The τ with `Σ clamp(x - τ, 0, 1) = k`, for `0 < k < n`. */
export function cappedThreshold(x: Float64Array, k: number): number {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of x) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  // g(lo - 1) = n >= k and g(hi) = 0 <= k, so [lo - 1, hi] holds the root.
  let a = lo - 1;
  let b = hi;
  const sumAt = (t: number) => {
    let s = 0;
    for (const v of x) s += Math.min(Math.max(v - t, 0), 1);
    return s;
  };
  for (let it = 0; it < 2000; it++) {
    const mid = 0.5 * (a + b);
    if (!(mid > a && mid < b)) break;
    if (sumAt(mid) > k) a = mid;
    else b = mid;
  }
  // NOTE: on the final bracket the elements strictly between 0 and 1 at its midpoint are the free ones; on that
  // piece g(τ) = #ones + Σ_free (x_i - τ), solved for τ exactly (up to float64 rounding).
  const t = 0.5 * (a + b);
  let ones = 0;
  let free = 0;
  let sum = 0;
  for (const v of x) {
    if (v - t >= 1) ones++;
    else if (v - t > 0) {
      free++;
      sum += v;
    }
  }
  return free > 0 ? (sum + ones - k) / free : t;
}

/** `0 <= x <= 1`, `Σ slice = k` per slice over `dim`. */
export class CappedSimplexConstraint extends Constraint {
  readonly name = 'cappedSimplex';
  override readonly convex = true;
  readonly dim: number | number[] | undefined;

  constructor(
    readonly k: number,
    options?: DimOptions,
  ) {
    super();
    checkOptions('cappedSimplex', options, ['dim']);
    checkNumber('cappedSimplex', 'k', k, { min: 0 });
    this.dim = checkDim('cappedSimplex', options?.dim);
    this.options = { k, dim: (this.dim ?? null) as JsonValue };
  }

  /** A clip of a finite shift: finite for finite input; emptiness depends on the shape, checked at registration. */
  override get safeProjection(): boolean {
    return true;
  }

  private checkSlice(shape: readonly number[]): number {
    const n = sliceSize(this.name, this.dim, shape);
    if (n < this.k)
      throw new ConstraintError(
        `cappedSimplex(k=${this.k}): slices over dim ${JSON.stringify(this.dim ?? 'all')} of shape ${fmtShape(shape)} have ${n} elements, fewer than k, so no point has 0 <= x <= 1 and sum k; lower k or widen dim`,
      );
    return n;
  }

  /** Each slice over `dim`, labelled as PyTorch indexes it (for reports). */
  override slices(value: Tensor): ConstraintSlice[] | null {
    return slicesOver(this, value, this.dim);
  }

  override project_(x: Tensor): void {
    const n = this.checkSlice(x.shape);
    const k = this.k;
    mapSlices(this.name, x, this.dim, (row) => {
      let sum = 0;
      let inBox = true;
      for (const v of row) {
        sum += v;
        if (v < 0 || v > 1) inBox = false;
      }
      if (inBox && Math.abs(sum - k) <= roundingBand(Math.max(1, k))) return false;
      if (k === 0 || k === n) {
        row.fill(k === 0 ? 0 : 1);
        return true;
      }
      const t = cappedThreshold(row, k);
      for (let j = 0; j < row.length; j++) row[j] = Math.min(Math.max(row[j] - t, 0), 1);
      return true;
    });
  }

  /** The largest of the box violations and `|Σ slice - k|`. */
  override violation(value: Tensor): number {
    this.checkSlice(value.shape);
    return maxOverSlices(this.name, value, this.dim, (row) => {
      let sum = 0;
      let out = 0;
      for (const v of row) {
        sum += v;
        out = Math.max(out, -v, v - 1);
      }
      return Math.max(out, Math.abs(sum - this.k));
    });
  }

  /** `1e-5 · max(1, k) · max(1, √n / 4)`, as for the simplex (the float32 sum of n terms). */
  override tolerance(value: Tensor): number {
    const n = sliceSize(this.name, this.dim, value.shape);
    return 1e-5 * Math.max(1, this.k) * Math.max(1, Math.sqrt(n) / 4);
  }
}

/** `0 <= x <= 1` with each slice over `dim` (whole tensor when omitted) summing to `k`; exact. */
export function cappedSimplex(k: number, options?: DimOptions): CappedSimplexConstraint {
  return new CappedSimplexConstraint(k, options);
}
