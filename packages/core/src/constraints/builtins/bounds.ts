/**
 * Elementwise bounds: `clamp`/`interval`, `nonNeg`, `greaterThan`, `lessThan`, `positive` and `linfBall`.
 * The projection is a clip (exact, idempotent, the same in every diagonal metric); the reparametrizations
 * are `lo + softplus`, `hi - softplus(-r)` and a sigmoid onto `[lo, hi]`, with inverses that cannot overflow.
 */
import { isGradEnabled, noGrad } from '../../autograd/grad-mode.js';
import { ArgumentError } from '../../errors.js';
import { relu, sigmoid, softplus } from '../../ops/activation.js';
import { compare, where } from '../../ops/compare.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Constraint, type ConstraintMode, type JsonValue, type SetShape } from '../constraint.js';
import { clampInPlace } from '../kernels.js';
import { checkNumber, checkOptions, describeValue } from './args.js';
import { boxSlope, fusedBoxTransform } from './box-reparam.js';
import { boundSpec, ElementBoxConstraint, readBound } from './element-bounds.js';
import { softplusInverse } from './softplus-inverse.js';

export { softplusInverse };

// NOTE: the inverses keep every value strictly inside the bounds where it is, and move only a value at a bound,
// by the least float32 amount that gives a finite raw: the distance to the bound is floored at the smallest
// normal float32 (softplus⁻¹(2^-126) ≈ -87), whose transform rounds back to the bound itself unless the bound is 0.
const TINY = 2 ** -126;

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
    return true;
  }

  /** The box `[lo, hi]`. */
  override get set(): SetShape {
    return { type: 'box', lo: this.lo, hi: this.hi };
  }

  override project_(x: Tensor): void {
    clampInPlace(x, this.lo, this.hi);
  }

  override violation(value: Tensor): number {
    if (value.size === 0) return 0;
    let v = 0;
    if (this.lo !== -Infinity) v = Math.max(v, relu(value.neg().add(this.lo)).max().item());
    if (this.hi !== Infinity) v = Math.max(v, relu(value.sub(this.hi)).max().item());
    return Number.isNaN(value.sum().item()) ? Number.NaN : v;
  }

  override transform(raw: Tensor): Tensor {
    const { lo, hi } = this;
    // NOTE: without autograd the backend's fused kernel computes it (as transformVjp does: the same bits).
    if (!(raw.requiresGrad && isGradEnabled())) {
      const fused = fusedBoxTransform(raw, lo, hi, null);
      if (fused) return fused.value;
    }
    if (lo !== -Infinity && hi !== Infinity) {
      // NOTE: each half measures from its nearer bound, lo + w·σ(raw) below 0 and hi - w·σ(-raw) above, so a
      // value near either bound keeps its float32 precision (1 - σ(raw) would round to 0 for raw > 17). The
      // clamp catches the last ulp of rounding past a bound (gradient 1 inside).
      const w = hi - lo;
      const below = sigmoid(raw).mul(w).add(lo);
      const above = sigmoid(raw.neg()).mul(-w).add(hi);
      return where(compare('lt', raw, 0), below, above).clamp(lo, hi);
    }
    if (lo !== -Infinity) return softplus(raw).add(lo);
    if (hi !== Infinity) return softplus(raw.neg()).neg().add(hi);
    return raw;
  }

  /** `transform(raw)` and the VJP `grad·transform'(raw)`, analytically (no autograd). */
  override transformVjp(raw: Tensor, grad: Tensor): { value: Tensor; grad: Tensor } {
    const fused = noGrad(() => fusedBoxTransform(raw, this.lo, this.hi, grad));
    if (fused?.grad) return { value: fused.value, grad: fused.grad };
    return noGrad(() => ({ value: this.transform(raw), grad: grad.mul(boxSlope(raw, this.lo, this.hi)) }));
  }

  /** `transform(raw)` and its elementwise derivative (float32, 0 below 2^-100), in one pass with the fused kernel. */
  override transformAndDerivative(raw: Tensor): { value: Tensor; derivative: Tensor } {
    const fused = noGrad(() => fusedBoxTransform(raw, this.lo, this.hi, null, true));
    if (fused?.slope) return { value: fused.value, derivative: fused.slope };
    return noGrad(() => ({ value: this.transform(raw), derivative: boxSlope(raw, this.lo, this.hi) }));
  }

  /** The raw value for `value`: `log((v - lo) / (hi - v))` on an interval, `softplus⁻¹` of the distance otherwise. */
  override inverse(value: Tensor): Tensor {
    const { lo, hi } = this;
    if (lo !== -Infinity && hi !== Infinity) {
      if (!(hi > lo)) throw new ArgumentError(`${this}: the reparametrization needs lower < upper`);
      // NOTE: logit((v - lo)/(hi - lo)) = log(v - lo) - log(hi - v), each distance taken from its own bound.
      return value.sub(lo).clamp(TINY, null).log().sub(value.neg().add(hi).clamp(TINY, null).log());
    }
    if (lo !== -Infinity) return softplusInverse(value.sub(lo).clamp(TINY, null));
    if (hi !== Infinity) return softplusInverse(value.neg().add(hi).clamp(TINY, null)).neg();
    return value.clone();
  }
}

function bound(op: string, name: string, v: unknown, fallback: number): number {
  if (v === null || v === undefined) return fallback;
  return checkNumber(op, name, v, { infinity: fallback === Infinity ? 'positive' : 'negative' });
}

/**
 * `min <= x <= max` elementwise (a missing bound is not applied). Exact clip; reparametrizable. Each bound is a
 * number or a tensor that broadcasts to the parameter's shape (per-element bounds; a tensor's elements may be
 * infinite on their own side). Number bounds give a `BoxConstraint` (fused kernel, merged in intersections).
 */
export function clamp(min?: number | null, max?: number | null): BoxConstraint;
export function clamp(min?: number | Tensor | null, max?: number | Tensor | null): BoxConstraint | ElementBoxConstraint;
export function clamp(
  min?: number | Tensor | null,
  max?: number | Tensor | null,
): BoxConstraint | ElementBoxConstraint {
  if ((min === null || min === undefined) && (max === null || max === undefined)) {
    throw new ArgumentError('clamp: give at least one of min and max');
  }
  const lo = readBound('clamp', 'min', min, 'lower', false);
  const hi = readBound('clamp', 'max', max, 'upper', false);
  if (lo !== undefined && hi !== undefined && (typeof lo === 'object' || typeof hi === 'object')) {
    const l = lo ?? -Infinity;
    const h = hi ?? Infinity;
    if (typeof l === 'number') checkNumber('clamp', 'min', l, { infinity: 'negative' });
    if (typeof h === 'number') checkNumber('clamp', 'max', h, { infinity: 'positive' });
    return new ElementBoxConstraint('clamp', l, h, {
      min: lo === null ? null : boundSpec(l),
      max: hi === null ? null : boundSpec(h),
    });
  }
  return new BoxConstraint('clamp', bound('clamp', 'min', min, -Infinity), bound('clamp', 'max', max, Infinity), {
    min: (min as number | null | undefined) ?? null,
    max: (max as number | null | undefined) ?? null,
  });
}

/**
 * `lower <= x <= upper` with both bounds finite (sigmoid reparametrization). Each bound is a number or a tensor
 * that broadcasts to the parameter's shape, with finite elements.
 */
export function interval(lower: number, upper: number): BoxConstraint;
export function interval(lower: number | Tensor, upper: number | Tensor): BoxConstraint | ElementBoxConstraint;
export function interval(lower: number | Tensor, upper: number | Tensor): BoxConstraint | ElementBoxConstraint {
  const lo = readBound('interval', 'lower', lower, 'lower', true);
  const hi = readBound('interval', 'upper', upper, 'upper', true);
  if (
    lo !== undefined &&
    lo !== null &&
    hi !== undefined &&
    hi !== null &&
    (typeof lo === 'object' || typeof hi === 'object')
  ) {
    if (typeof lo === 'number') checkNumber('interval', 'lower', lo);
    if (typeof hi === 'number') checkNumber('interval', 'upper', hi);
    return new ElementBoxConstraint('interval', lo, hi, { lower: boundSpec(lo), upper: boundSpec(hi) });
  }
  if (!Number.isFinite(lower) || !Number.isFinite(upper)) {
    throw new ArgumentError(
      `interval: both bounds must be finite numbers or tensors, got [${describeValue(lower)}, ${describeValue(upper)}]; use greaterThan/lessThan`,
    );
  }
  return new BoxConstraint('interval', lower as number, upper as number, {
    lower: lower as number,
    upper: upper as number,
  });
}

/** `x >= 0` elementwise (Keras `NonNeg`, exact). */
export function nonNeg(): BoxConstraint {
  return new BoxConstraint('nonNeg', 0, Infinity, {});
}

/** `x >= lowerBound` (closed, so the projection exists; reparametrized as `lowerBound + softplus(raw)`). */
export function greaterThan(lowerBound: number): BoxConstraint {
  checkNumber('greaterThan', 'lowerBound', lowerBound, { infinity: 'negative' });
  return new BoxConstraint('greaterThan', lowerBound, Infinity, { lowerBound });
}

/** `x <= upperBound` (reparametrized as `upperBound - softplus(-raw)`). */
export function lessThan(upperBound: number): BoxConstraint {
  checkNumber('lessThan', 'upperBound', upperBound, { infinity: 'positive' });
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
  checkOptions('positive', options, ['minValue']);
  const minValue = checkNumber('positive', 'minValue', options?.minValue ?? 1e-6, { min: 0, exclusiveMin: true });
  return new BoxConstraint('positive', minValue, Infinity, { minValue }, 'reparametrize');
}

/** `max |x_i| <= radius` (the L∞ ball: a clip to `[-radius, radius]`; radius may be Infinity). */
export function linfBall(radius: number): BoxConstraint {
  checkNumber('linfBall', 'radius', radius, { min: 0, infinity: 'positive' });
  return new BoxConstraint('linfBall', -radius, radius, { radius });
}
