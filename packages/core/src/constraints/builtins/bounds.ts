/**
 * Elementwise bounds: `clamp`/`interval`, `nonNeg`, `greaterThan`, `lessThan`, `positive` and `linfBall`.
 * The projection is a clip (exact, idempotent, the same in every diagonal metric); the reparametrizations
 * are `lo + softplus`, `hi - softplus(-r)` and a sigmoid onto `[lo, hi]`, with inverses that cannot overflow.
 */
import { ArgumentError } from '../../errors.js';
import { relu, sigmoid, softplus } from '../../ops/activation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Constraint, type ConstraintMode, isExactly, type JsonValue } from '../constraint.js';
import { clampInPlace } from '../kernels.js';

// NOTE: inverses clamp their argument away from the saturated ends so they never return ±Infinity:
// softplus⁻¹(1e-30) ≈ -69 and logit(1e-6) ≈ -13.8 map back to within float32 rounding of the bound.
const TINY = 1e-30;
const EDGE = 1e-6;

/** softplus⁻¹(z) = z + log(-expm1(-z)), stable for tiny and huge z (no exp overflow). */
export function softplusInverse(z: Tensor): Tensor {
  return z.add(z.neg().expm1().neg().log());
}

/** A box `[lo, hi]` applied to every element (either bound may be infinite). */
export class BoxConstraint extends Constraint {
  override readonly convex = true;
  override readonly defaultMode: ConstraintMode;

  /** The bounds, rounded to float32. */
  readonly lo: number;
  readonly hi: number;

  constructor(
    readonly name: string,
    lo: number,
    hi: number,
    options: { [key: string]: JsonValue },
    defaultMode: ConstraintMode = 'project',
  ) {
    super();
    if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi || lo === Infinity || hi === -Infinity) {
      throw new ArgumentError(`${name}: need lower <= upper with finite or one-sided bounds, got [${lo}, ${hi}]`);
    }
    this.options = options;
    this.defaultMode = defaultMode;
    // NOTE: parameters are float32, so the bounds are too: 0.1 means fround(0.1). Clamping and checking
    // against the same rounded bound keeps the projection exact (clamping to a bound like 1.2e-36, which is
    // no float32, would otherwise land a denormal ulp outside it).
    this.lo = Math.fround(lo);
    this.hi = Math.fround(hi);
  }

  /** A clip: finite in, finite out (bounds are float32 or infinite). */
  override get safeProjection(): boolean {
    return isExactly(this, BoxConstraint);
  }

  override project_(x: Tensor): void {
    clampInPlace(x, this.lo, this.hi);
  }

  override violation(value: Tensor): number {
    let v = 0;
    if (this.lo !== -Infinity) v = Math.max(v, relu(value.neg().add(this.lo)).max().item());
    if (this.hi !== Infinity) v = Math.max(v, relu(value.sub(this.hi)).max().item());
    return value.size === 0 ? 0 : Number.isNaN(value.sum().item()) ? Number.NaN : v;
  }

  override transform(raw: Tensor): Tensor {
    const { lo, hi } = this;
    if (lo !== -Infinity && hi !== Infinity) {
      // NOTE: lo + (hi - lo)·σ can round one ulp past hi; the clamp keeps it inside (gradient 1 inside).
      return sigmoid(raw)
        .mul(hi - lo)
        .add(lo)
        .clamp(lo, hi);
    }
    if (lo !== -Infinity) return softplus(raw).add(lo);
    if (hi !== Infinity) return softplus(raw.neg()).neg().add(hi);
    return raw;
  }

  override inverse(value: Tensor): Tensor {
    const { lo, hi } = this;
    if (lo !== -Infinity && hi !== Infinity) {
      if (!(hi > lo)) throw new ArgumentError(`${this}: the reparametrization needs lower < upper`);
      const p = value
        .sub(lo)
        .div(hi - lo)
        .clamp(EDGE, 1 - EDGE);
      return p.log().sub(p.neg().log1p());
    }
    if (lo !== -Infinity) return softplusInverse(value.sub(lo).clamp(TINY, null));
    if (hi !== Infinity) return softplusInverse(value.neg().add(hi).clamp(TINY, null)).neg();
    return value.clone();
  }
}

function bound(v: number | null | undefined, fallback: number): number {
  return v === null || v === undefined ? fallback : v;
}

/** `min <= x <= max` elementwise (a missing bound is not applied). Exact clip; reparametrizable. */
export function clamp(min?: number | null, max?: number | null): BoxConstraint {
  if ((min === null || min === undefined) && (max === null || max === undefined)) {
    throw new ArgumentError('clamp: give at least one of min and max');
  }
  return new BoxConstraint('clamp', bound(min, -Infinity), bound(max, Infinity), {
    min: min ?? null,
    max: max ?? null,
  });
}

/** `lower <= x <= upper` with both bounds finite (sigmoid reparametrization). */
export function interval(lower: number, upper: number): BoxConstraint {
  if (!Number.isFinite(lower) || !Number.isFinite(upper)) {
    throw new ArgumentError(`interval: both bounds must be finite, got [${lower}, ${upper}]; use greaterThan/lessThan`);
  }
  return new BoxConstraint('interval', lower, upper, { lower, upper });
}

/** `x >= 0` elementwise (Keras `NonNeg`, exact). */
export function nonNeg(): BoxConstraint {
  return new BoxConstraint('nonNeg', 0, Infinity, {});
}

/** `x >= lowerBound` (closed, so the projection exists; reparametrized as `lowerBound + softplus(raw)`). */
export function greaterThan(lowerBound: number): BoxConstraint {
  return new BoxConstraint('greaterThan', lowerBound, Infinity, { lowerBound });
}

/** `x <= upperBound` (reparametrized as `upperBound - softplus(-raw)`). */
export function lessThan(upperBound: number): BoxConstraint {
  return new BoxConstraint('lessThan', -Infinity, upperBound, { upperBound });
}

/** Options of `positive`. */
export interface PositiveOptions {
  /** The floor that keeps values strictly positive (default 1e-6): the set is `x >= minValue`. */
  minValue?: number;
}

/**
 * `x > 0`, enforced as `x >= minValue` (default 1e-6). Reparametrized by default as `softplus(raw) + minValue`,
 * which can never reach 0 even when softplus underflows.
 */
export function positive(options?: PositiveOptions): BoxConstraint {
  const minValue = options?.minValue ?? 1e-6;
  if (!(minValue > 0) || !Number.isFinite(minValue))
    throw new ArgumentError(`positive: minValue must be finite and > 0, got ${minValue}`);
  return new BoxConstraint('positive', minValue, Infinity, { minValue }, 'reparametrize');
}

/** `max |x_i| <= radius` (the L∞ ball: a clip to `[-radius, radius]`). */
export function linfBall(radius: number): BoxConstraint {
  if (!(radius >= 0)) throw new ArgumentError(`linfBall: radius must be >= 0, got ${radius}`);
  return new BoxConstraint('linfBall', -radius, radius, { radius });
}
