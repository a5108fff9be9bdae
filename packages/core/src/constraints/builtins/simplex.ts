/**
 * The simplex and the L1 ball, per slice over `dim` (whole tensor when omitted), by the exact sort-based
 * projection (Held–Wolfe–Crowder; Duchi et al. 2008): `max(x - θ, 0)` with θ found from the sorted values.
 * The L1 ball leaves slices inside it untouched and projects the others as `sign(x)·simplex(|x|, r)`.
 */
import { relu } from '../../ops/activation.js';
import { sizeOf } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Constraint, type ConstraintSlice, type JsonValue, reductionDims, type SetShape } from '../constraint.js';
import { l1BallRowsInPlace, simplexRowsInPlace, withRows } from '../kernels.js';
import { checkDim, checkNumber, checkOptions } from './args.js';
import type { DimOptions } from './norms.js';
import { slicesOver } from './slice-view.js';

// NOTE: sums of float32 values carry about n·6e-8 relative rounding; the tolerance scales with sqrt(n) (typical
// error growth), with a floor for small slices.
function sumTolerance(scale: number, n: number): number {
  return 1e-5 * Math.max(1, Math.abs(scale)) * Math.max(1, Math.sqrt(n) / 4);
}

/** Options of `simplex`. */
export interface SimplexOptions extends DimOptions {
  /** The sum of each slice (default 1). */
  sum?: number;
}

/** `{ x >= 0, sum over dim = s }` per slice. */
export class SimplexConstraint extends Constraint {
  readonly name = 'simplex';
  override readonly convex = true;
  readonly total: number;
  readonly dim: number | number[] | undefined;

  constructor(options?: SimplexOptions) {
    super();
    checkOptions('simplex', options, ['sum', 'dim']);
    this.total = checkNumber('simplex', 'sum', options?.sum ?? 1, { min: 0 });
    this.dim = checkDim('simplex', options?.dim);
    this.options = { sum: this.total, dim: (this.dim ?? null) as JsonValue };
  }

  /** `max(x - θ, 0)`: finite for finite x (a sum past float32's range gives θ = Infinity and zeros, not NaN). */
  override get safeProjection(): boolean {
    return true;
  }

  /** The simplex of sum `total` per slice over `dim`. */
  override get set(): SetShape {
    return { type: 'simplex', total: this.total, dim: this.dim };
  }

  /** Each slice over `dim`, labelled as PyTorch indexes it (for reports). */
  override slices(value: Tensor): ConstraintSlice[] | null {
    return slicesOver(this, value, this.dim);
  }

  override project_(x: Tensor): void {
    if (x.size === 0) return;
    withRows(x, reductionDims('simplex', this.dim, x.ndim), (rows) => simplexRowsInPlace(rows, this.total));
  }

  override violation(value: Tensor): number {
    if (value.size === 0) return 0;
    const dims = reductionDims('simplex', this.dim, value.ndim);
    const neg = relu(value.neg()).max().item();
    const off = value.sum(dims).sub(this.total).abs().max().item();
    return Number.isNaN(off) ? Number.NaN : Math.max(neg, off);
  }

  override tolerance(value: Tensor): number {
    const dims = reductionDims('simplex', this.dim, value.ndim);
    return sumTolerance(this.total, sizeOf(dims.map((d) => value.shape[d])));
  }

  /** `sum · softmax(raw)` over the slice (strictly inside the simplex up to float32 underflow). */
  override transform(raw: Tensor): Tensor {
    return mapRows(raw, reductionDims('simplex', this.dim, raw.ndim), (rows) => rows.softmax(-1).mul(this.total));
  }

  override inverse(value: Tensor): Tensor {
    const scaled = this.total === 0 ? value.mul(0).add(1) : value.div(this.total);
    return scaled.clamp(1e-30, null).log();
  }
}

/** Applies a differentiable row map over `dims` (moved last and flattened), then restores the layout. */
function mapRows(x: Tensor, dims: number[], fn: (rows: Tensor) => Tensor): Tensor {
  const nd = x.ndim;
  const rest = Array.from({ length: nd }, (_, i) => i).filter((d) => !dims.includes(d));
  const order = [...rest, ...dims];
  const moved = x.permute(order);
  const cols = sizeOf(dims.map((d) => x.shape[d]));
  const out = fn(moved.reshape([cols === 0 ? 0 : x.size / cols, cols])).reshape(moved.shape);
  const inverse = new Array<number>(nd);
  order.forEach((d, i) => {
    inverse[d] = i;
  });
  return out.permute(inverse);
}

/** `x >= 0` with each slice over `dim` summing to `sum` (default 1); exact sort-based projection. */
export function simplex(options?: SimplexOptions): SimplexConstraint {
  return new SimplexConstraint(options);
}

/** `||slice||_1 <= radius` per slice over `dim`. */
export class L1BallConstraint extends Constraint {
  readonly name = 'l1Ball';
  override readonly convex = true;

  constructor(
    readonly radius: number,
    readonly dim: number | number[] | undefined,
  ) {
    super();
    checkNumber('l1Ball', 'radius', radius, { min: 0 });
    checkDim('l1Ball', dim);
    this.options = { radius, dim: (dim ?? null) as JsonValue };
  }

  /** `sign(x)·simplex(|x|)` or x itself: finite for finite x. */
  override get safeProjection(): boolean {
    return true;
  }

  /** The L1 ball of `radius` per slice over `dim`. */
  override get set(): SetShape {
    return { type: 'l1Ball', radius: this.radius, dim: this.dim };
  }

  /** Each slice over `dim`, labelled as PyTorch indexes it (for reports). */
  override slices(value: Tensor): ConstraintSlice[] | null {
    return slicesOver(this, value, this.dim);
  }

  override project_(x: Tensor): void {
    if (x.size === 0) return;
    withRows(x, reductionDims('l1Ball', this.dim, x.ndim), (rows) => l1BallRowsInPlace(rows, this.radius));
  }

  override violation(value: Tensor): number {
    if (value.size === 0) return 0;
    const l1 = value.abs().sum(reductionDims('l1Ball', this.dim, value.ndim));
    const v = l1.max().item();
    return Number.isNaN(v) ? v : Math.max(0, v - this.radius);
  }

  override tolerance(value: Tensor): number {
    const dims = reductionDims('l1Ball', this.dim, value.ndim);
    return sumTolerance(this.radius, sizeOf(dims.map((d) => value.shape[d])));
  }
}

/** `||slice||_1 <= radius` per slice over `dim` (whole tensor when omitted); exact. */
export function l1Ball(radius: number, options?: DimOptions): L1BallConstraint {
  checkOptions('l1Ball', options, ['dim']);
  return new L1BallConstraint(radius, options?.dim);
}
