/**
 * `sphere(r, { dim })`: each slice over `dim` has L2 norm exactly `r`. The projection scales a slice to norm r
 * in float64; a zero slice has no nearest point and goes to the constant slice `r/√n` (the same policy as
 * `unitNorm`). Not convex, so intersections fall back to cyclic projections.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { Constraint, type ConstraintSlice, type JsonValue } from '../constraint.js';
import { checkDim, checkNumber, checkOptions } from './args.js';
import type { DimOptions } from './norms.js';
import { slicesOver } from './slice-view.js';
import { mapSlices, maxOverSlices, norms, roundingBand } from './slices.js';

/** `||slice||_2 = radius` per slice over `dim`. */
export class SphereConstraint extends Constraint {
  readonly name = 'sphere';
  readonly dim: number | number[] | undefined;

  constructor(
    readonly radius: number,
    options?: DimOptions,
  ) {
    super();
    checkOptions('sphere', options, ['dim']);
    checkNumber('sphere', 'radius', radius, { min: 0 });
    this.dim = checkDim('sphere', options?.dim);
    this.options = { radius, dim: (this.dim ?? null) as JsonValue };
  }

  /** A scaling by a finite factor, or a constant slice: finite for finite input. */
  override get safeProjection(): boolean {
    return true;
  }

  /** Each slice over `dim`, labelled as PyTorch indexes it (for reports). */
  override slices(value: Tensor): ConstraintSlice[] | null {
    return slicesOver(this, value, this.dim);
  }

  override project_(x: Tensor): void {
    const r = this.radius;
    mapSlices('sphere', x, this.dim, (row) => {
      const { l2 } = norms(row);
      if (Math.abs(l2 - r) <= roundingBand(r)) return false;
      // NOTE: zero-vector policy: every point of the sphere is nearest to 0; cp picks the constant slice
      // r/√n, so the result is deterministic and the same on every backend. Radius 0 gives +0 everywhere.
      if (l2 === 0 || r === 0) row.fill(r / Math.sqrt(row.length));
      else for (let j = 0; j < row.length; j++) row[j] *= r / l2;
      return true;
    });
  }

  /** The largest `| ||slice|| - r |`. */
  override violation(value: Tensor): number {
    return maxOverSlices('sphere', value, this.dim, (row) => Math.abs(norms(row).l2 - this.radius));
  }

  override tolerance(_value: Tensor): number {
    return 1e-5 * Math.max(1, this.radius);
  }
}

/** Each slice over `dim` (whole tensor when omitted) on the L2 sphere of `radius`; exact scaling. */
export function sphere(radius: number, options?: DimOptions): SphereConstraint {
  return new SphereConstraint(radius, options);
}
