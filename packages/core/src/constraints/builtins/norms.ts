/**
 * Per-slice L2 norm bounds: `maxNorm`, `minMaxNorm`, `unitNorm` and `l2Ball`. `dim` names the dims the norm
 * is taken over (Keras `axis`, `torch.norm(dim)`); no `dim` means the whole tensor. Slices inside the bounds
 * are left bit for bit (no ε in the denominator, unlike Keras), so the projection is idempotent.
 */

import { noGrad } from '../../autograd/grad-mode.js';
import { tidy } from '../../engine/lifetime.js';
import { ArgumentError } from '../../errors.js';
import { relu } from '../../ops/activation.js';
import { compare, where } from '../../ops/compare.js';
import { sizeOf } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import {
  type CheckOptions,
  type CheckResult,
  Constraint,
  type ConstraintSlice,
  type JsonValue,
  reductionDims,
  type SetShape,
  type SliceCheck,
} from '../constraint.js';
import { renormInPlace } from '../kernels.js';
import { checkDim, checkNumber, checkOptions } from './args.js';
import { sliceLabels, slicesOver } from './slice-view.js';

/** The `dim` option: the dims a norm or sum is taken over (all dims when omitted). */
export interface DimOptions {
  dim?: number | number[];
}

/** `lo <= ||slice||_2 <= hi` for every slice over `dim`; `rate` < 1 moves the norm only part of the way. */
export class NormBoundConstraint extends Constraint {
  override readonly convex: boolean;

  constructor(
    readonly name: string,
    readonly lo: number,
    readonly hi: number,
    readonly dim: number | number[] | undefined,
    readonly rate: number,
    options: { [key: string]: JsonValue },
  ) {
    super();
    if (!(lo >= 0) || !(hi >= lo)) throw new ArgumentError(`${name}: need 0 <= min <= max, got [${lo}, ${hi}]`);
    if (!(rate > 0 && rate <= 1)) throw new ArgumentError(`${name}: rate must be in (0, 1], got ${rate}`);
    this.options = options;
    this.convex = lo === 0;
  }

  /** The norms over `dim`, with keepdim. */
  norms(value: Tensor): Tensor {
    return value.norm(2, reductionDims(this.name, this.dim, value.ndim), { keepdim: true });
  }

  /** Each slice over `dim`, labelled as PyTorch indexes it (for reports). */
  override slices(value: Tensor): ConstraintSlice[] | null {
    return slicesOver(this, value, this.dim);
  }

  /** With `{ slices: true }`, the whole result is the worst slice's: one reduction and one read for both. */
  override check(value: Tensor, options?: CheckOptions): CheckResult {
    if (!options?.slices) return super.check(value, options);
    return tidy(() => {
      const slices = noGrad(() => this.sliceChecks(value.detach(), options.tol));
      if (!slices) return super.check(value, options);
      let maxViolation = 0;
      for (const sl of slices)
        maxViolation = Number.isNaN(sl.maxViolation) ? Number.NaN : Math.max(maxViolation, sl.maxViolation);
      return { ok: maxViolation <= (options.tol ?? this.tolerance(value)), maxViolation, slices };
    });
  }

  /** Every slice's violation from one reduction and one read (reports check every slice after every step). */
  protected override sliceChecks(value: Tensor, tol: number | undefined): SliceCheck[] | null {
    if (this.dim === undefined) return null;
    const labels = sliceLabels(value.shape, reductionDims(this.name, this.dim, value.ndim));
    if (!labels) return null;
    const n = this.norms(value);
    let v = relu(n.neg().add(this.lo));
    if (this.hi !== Infinity) v = v.maximum(relu(n.sub(this.hi)));
    // NOTE: relu and maximum may hide a NaN norm; add n·0, which is NaN exactly where the norm is.
    const data = v.add(n.mul(0)).dataSync();
    const limit = tol ?? this.tolerance(value);
    return labels.map((label, k) => ({ label, ok: data[k] <= limit, maxViolation: data[k] }));
  }

  /** A per-slice scaling by a finite factor (the norm is overflow-safe; zero slices get a constant). */
  override get safeProjection(): boolean {
    return true;
  }

  /** The L2 ball of radius `max` per slice when the band starts at 0 and the projection goes all the way. */
  override get set(): SetShape | null {
    return this.lo === 0 && this.rate === 1 ? { type: 'l2Ball', radius: this.hi, dim: this.dim } : null;
  }

  override project_(x: Tensor): void {
    if (x.size === 0) return;
    const dims = reductionDims(this.name, this.dim, x.ndim);
    // NOTE: zero-vector policy: a zero slice has no nearest point on the shell; cp moves it to the constant
    // slice of norm `min` (times `rate`), so the result is deterministic and satisfies the constraint. It is
    // written after the renorm (which leaves zero slices at zero), so the rate applies to it once.
    const zero = this.lo > 0 ? compare('eq', x.norm(2, dims, { keepdim: true }), 0) : null;
    const anyZero = zero !== null && zero.float().max().item() > 0;
    renormInPlace(x, dims, this.lo, this.hi, this.rate);
    if (anyZero) {
      const count = sizeOf(dims.map((d) => x.shape[d]));
      x.copy_(where(zero, (this.rate * this.lo) / Math.sqrt(count), x));
    }
  }

  override violation(value: Tensor): number {
    if (value.size === 0) return 0;
    const n = this.norms(value);
    let v = relu(n.neg().add(this.lo)).max().item();
    if (this.hi !== Infinity) v = Math.max(v, relu(n.sub(this.hi)).max().item());
    return Number.isNaN(n.sum().item()) ? Number.NaN : v;
  }

  // NOTE: the norm is recomputed in float32 by check(); it can read a few ulps past the bound.
  override tolerance(_value: Tensor): number {
    return 1e-5 * Math.max(1, this.hi === Infinity ? this.lo : this.hi);
  }

  /**
   * `raw · clamp(||raw||, min, max) / ||raw||` per slice. NOTE: written with where() so the gradient only
   * flows through the active branch: inside the band the factor is exactly 1 (no 1/||raw||² term that
   * overflows for tiny slices). With min > 0 a slice near zero is singular (the sphere has no smooth
   * parametrization there); keep raw away from 0.
   */
  override transform(raw: Tensor): Tensor {
    if (this.rate !== 1) throw new ArgumentError(`${this}: the reparametrization needs rate = 1`);
    const n = this.norms(raw);
    const above = this.hi === Infinity ? null : compare('gt', n, this.hi);
    const below = this.lo > 0 ? compare('lt', n, this.lo) : null;
    // NOTE: each branch divides by where(branch, n, 1), so the branch not taken never computes 1/tiny (whose
    // backward would be 0/0 = NaN even though where() routes it a zero gradient).
    const isZero = compare('eq', n, 0);
    let factor: Tensor | number = 1;
    if (this.lo === this.hi) {
      // A shell: always rescale (at ||raw|| = r exactly the gradient must still be the tangent projection).
      factor = where(isZero, 1, n).reciprocal().mul(this.lo);
    } else {
      if (below) factor = where(below, where(below, n, 1).reciprocal().mul(this.lo), 1);
      if (above) factor = where(above, where(above, n, 1).reciprocal().mul(this.hi), factor);
    }
    const out = typeof factor === 'number' ? raw.mul(1) : raw.mul(factor);
    if (this.lo === 0) return out;
    // Zero-vector policy, as in project_: a zero slice maps to the constant slice of norm `min`.
    const count = sizeOf(reductionDims(this.name, this.dim, raw.ndim).map((d) => raw.shape[d]));
    return where(isZero, this.lo / Math.sqrt(count), out);
  }

  override inverse(value: Tensor): Tensor {
    return value.clone();
  }
}

function dimSpec(dim: number | number[] | undefined): JsonValue {
  return dim === undefined ? null : dim;
}

/** `||slice||_2 <= max` for each slice over `dim` (Keras `MaxNorm` without its ε; exact; max may be Infinity). */
export function maxNorm(max: number, options?: DimOptions): NormBoundConstraint {
  checkOptions('maxNorm', options, ['dim']);
  checkNumber('maxNorm', 'max', max, { min: 0, infinity: 'positive' });
  const dim = checkDim('maxNorm', options?.dim);
  return new NormBoundConstraint('maxNorm', 0, max, dim, 1, { max, dim: dimSpec(dim) });
}

/** Options of `minMaxNorm`. */
export interface MinMaxNormOptions extends DimOptions {
  /** 1 (default) projects onto the band; r < 1 moves the norm a fraction r of the way (Keras semantics). */
  rate?: number;
}

/** `min <= ||slice||_2 <= max` for each slice over `dim` (not convex when min > 0; max may be Infinity). */
export function minMaxNorm(min: number, max: number, options?: MinMaxNormOptions): NormBoundConstraint {
  checkOptions('minMaxNorm', options, ['dim', 'rate']);
  checkNumber('minMaxNorm', 'min', min, { min: 0 });
  checkNumber('minMaxNorm', 'max', max, { min, infinity: 'positive' });
  const rate = checkNumber('minMaxNorm', 'rate', options?.rate ?? 1, { min: 0, exclusiveMin: true, max: 1 });
  const dim = checkDim('minMaxNorm', options?.dim);
  return new NormBoundConstraint('minMaxNorm', min, max, dim, rate, { min, max, dim: dimSpec(dim), rate });
}

/** `||slice||_2 = 1` for each slice over `dim`; a zero slice becomes the constant unit slice. */
export function unitNorm(options?: DimOptions): NormBoundConstraint {
  checkOptions('unitNorm', options, ['dim']);
  const dim = checkDim('unitNorm', options?.dim);
  return new NormBoundConstraint('unitNorm', 1, 1, dim, 1, { dim: dimSpec(dim) });
}

/** `||x||_2 <= radius` (per slice over `dim` when given; radius may be Infinity). */
export function l2Ball(radius: number, options?: DimOptions): NormBoundConstraint {
  checkOptions('l2Ball', options, ['dim']);
  checkNumber('l2Ball', 'radius', radius, { min: 0, infinity: 'positive' });
  const dim = checkDim('l2Ball', options?.dim);
  return new NormBoundConstraint('l2Ball', 0, radius, dim, 1, { radius, dim: dimSpec(dim) });
}
