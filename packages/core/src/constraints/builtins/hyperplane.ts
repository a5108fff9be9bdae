/**
 * `hyperplane(a, b, { dim })` (`a·x = b`) and `halfspace(a, b, { dim })` (`a·x <= b`) per slice over `dim`. The
 * normal `a` has one element per slice element (the slice's shape, or flat); its float32 values are kept. The
 * projection is `x - ((a·x - b)/||a||²)·a`, in float64 (for the halfspace only where `a·x > b`); exact and
 * idempotent. Specs carry `a` as `{ shape, values }`.
 */
import { ArgumentError, fmtShape } from '../../errors.js';
import { isTensor, type Tensor } from '../../tensor/tensor.js';
import { Constraint, ConstraintError, type ConstraintSlice, type JsonValue } from '../constraint.js';
import { checkDim, checkNumber, checkOptions, describeValue } from './args.js';
import type { DimOptions } from './norms.js';
import { slicesOver } from './slice-view.js';
import { mapSlices, maxOverSlices, roundingBand, sliceSize } from './slices.js';

/** The normal as given: a Tensor, an array of numbers, or a spec's `{ shape, values }`. */
export type Normal = Tensor | readonly number[];

function readNormal(op: string, a: unknown): { shape: number[]; values: Float32Array } {
  let shape: number[];
  let values: Float32Array;
  if (isTensor(a)) {
    shape = [...a.shape];
    values = Float32Array.from(a.dataSync() as ArrayLike<number>);
  } else if (Array.isArray(a) && a.every((v) => typeof v === 'number')) {
    shape = [a.length];
    values = Float32Array.from(a);
  } else if (a !== null && typeof a === 'object' && Array.isArray((a as { values?: unknown }).values)) {
    const o = a as { shape?: unknown; values: unknown[] };
    if (!Array.isArray(o.shape) || !o.values.every((v) => typeof v === 'number'))
      throw new ArgumentError(`${op}: a spec's normal must be { shape, values } with numbers, got ${describeValue(a)}`);
    shape = o.shape as number[];
    values = Float32Array.from(o.values as number[]);
    if (shape.reduce((p, d) => p * d, 1) !== values.length)
      throw new ArgumentError(`${op}: a has shape ${fmtShape(shape)} but ${values.length} values`);
  } else {
    throw new ArgumentError(`${op}: a must be a Tensor or an array of numbers, got ${describeValue(a)}`);
  }
  let sq = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) throw new ArgumentError(`${op}: every element of a must be finite, got ${v}`);
    sq += v * v;
  }
  if (!(sq > 0)) throw new ArgumentError(`${op}: a must not be the zero vector (the set would be empty or everything)`);
  return { shape, values };
}

/** The set `a·x = b` (`equality`) or `a·x <= b` per slice over `dim`. */
export class HyperplaneConstraint extends Constraint {
  override readonly convex = true;
  readonly name: 'hyperplane' | 'halfspace';
  /** The normal, float32 values in the slice's row-major order, and the shape it was given in. */
  readonly a: { shape: number[]; values: Float32Array };
  readonly b: number;
  readonly dim: number | number[] | undefined;
  private readonly aa: number;

  constructor(kind: 'hyperplane' | 'halfspace', a: unknown, b: number, options?: DimOptions) {
    super();
    this.name = kind;
    checkOptions(kind, options, ['dim']);
    this.a = readNormal(kind, a);
    this.b = checkNumber(kind, 'b', b);
    this.dim = checkDim(kind, options?.dim);
    this.aa = this.a.values.reduce((s, v) => s + v * v, 0);
    this.options = {
      a: { shape: this.a.shape, values: Array.from(this.a.values) },
      b: this.b,
      dim: (this.dim ?? null) as JsonValue,
    };
  }

  /** A finite shift along `a`: finite for finite input. */
  override get safeProjection(): boolean {
    return true;
  }

  private checkSlice(shape: readonly number[]): void {
    const n = sliceSize(this.name, this.dim, shape);
    if (n !== this.a.values.length)
      throw new ConstraintError(
        `${this.name}: a of shape ${fmtShape(this.a.shape)} has ${this.a.values.length} elements, but slices over dim ${JSON.stringify(this.dim ?? 'all')} of the parameter's shape ${fmtShape(shape)} have ${n}; give a with the slice's shape`,
      );
  }

  /** `a·row - b` and the scale its float32 rounding is measured against. */
  private residual(row: Float64Array): { r: number; scale: number } {
    const a = this.a.values;
    let dot = 0;
    let scale = Math.abs(this.b);
    for (let j = 0; j < row.length; j++) {
      dot += a[j] * row[j];
      scale += Math.abs(a[j] * row[j]);
    }
    return { r: dot - this.b, scale };
  }

  /** Each slice over `dim`, labelled as PyTorch indexes it (for reports). */
  override slices(value: Tensor): ConstraintSlice[] | null {
    return slicesOver(this, value, this.dim);
  }

  override project_(x: Tensor): void {
    this.checkSlice(x.shape);
    const a = this.a.values;
    mapSlices(this.name, x, this.dim, (row) => {
      const { r, scale } = this.residual(row);
      const band = roundingBand(scale);
      if (this.name === 'halfspace' ? r <= band : Math.abs(r) <= band) return false;
      const t = r / this.aa;
      for (let j = 0; j < row.length; j++) row[j] -= t * a[j];
      return true;
    });
  }

  /** The largest distance to the set, `|a·x - b| / ||a||` (halfspace: only where `a·x > b`). */
  override violation(value: Tensor): number {
    this.checkSlice(value.shape);
    const norm = Math.sqrt(this.aa);
    return maxOverSlices(this.name, value, this.dim, (row) => {
      const { r } = this.residual(row);
      return (this.name === 'halfspace' ? Math.max(0, r) : Math.abs(r)) / norm;
    });
  }

  /** `1e-5 · max(1, Σ|a_j x_j| / ||a||)` over the slices: the float32 rounding of the dot product. */
  override tolerance(value: Tensor): number {
    if (value.size === 0) return 0;
    this.checkSlice(value.shape);
    const norm = Math.sqrt(this.aa);
    return (
      1e-5 *
      Math.max(
        1,
        maxOverSlices(this.name, value, this.dim, (row) => this.residual(row).scale / norm),
      )
    );
  }
}

/** `a·slice = b` for every slice over `dim` (whole tensor when omitted); `a` has the slice's shape. Exact. */
export function hyperplane(a: Normal, b: number, options?: DimOptions): HyperplaneConstraint {
  return new HyperplaneConstraint('hyperplane', a, b, options);
}

/** `a·slice <= b` for every slice over `dim` (whole tensor when omitted); `a` has the slice's shape. Exact. */
export function halfspace(a: Normal, b: number, options?: DimOptions): HyperplaneConstraint {
  return new HyperplaneConstraint('halfspace', a, b, options);
}
