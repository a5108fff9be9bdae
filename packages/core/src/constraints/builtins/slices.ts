/**
 * Per-slice float64 work on a host copy, shared by the sets projected slice by slice on the host (`sphere`,
 * `hyperplane`, `halfspace`, `cappedSimplex`): the slice dims are moved last (`withRows`), the rows read once,
 * each row mapped in float64 and rounded to float32 once, and written back once.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { reductionDims } from '../constraint.js';
import { readHost, writeHost } from '../host.js';
import { withRows } from '../kernels.js';

/** Maps one row in place: `row` holds the slice in float64; return false to leave the slice unchanged. */
export type RowMap = (row: Float64Array) => boolean;

/** The number of elements in each slice over `dim` of a tensor of `shape`. */
export function sliceSize(op: string, dim: number | number[] | undefined, shape: readonly number[]): number {
  return reductionDims(op, dim, shape.length).reduce((a, d) => a * shape[d], 1);
}

/**
 * Applies `map` to every slice over `dim` of `x`, in place. A slice holding NaN or ±Infinity becomes NaN (the
 * step's finiteness check then names it); a slice the map leaves alone keeps its bits.
 */
export function mapSlices(op: string, x: Tensor, dim: number | number[] | undefined, map: RowMap): void {
  if (x.size === 0) return;
  withRows(x, reductionDims(op, dim, x.ndim), (rows) => {
    const [count, n] = rows.shape;
    const data = readHost(rows);
    const row = new Float64Array(n);
    let changed = false;
    for (let r = 0; r < count; r++) {
      const start = r * n;
      let finite = true;
      for (let j = 0; j < n; j++) {
        row[j] = data[start + j];
        if (!Number.isFinite(row[j])) finite = false;
      }
      if (!finite) {
        data.fill(Number.NaN, start, start + n);
        changed = true;
      } else if (map(row)) {
        for (let j = 0; j < n; j++) data[start + j] = row[j];
        changed = true;
      }
    }
    if (changed) writeHost(rows, data);
  });
}

/** The largest of `measure(row)` over every slice over `dim` of `x` (0 when empty; NaN when a slice has NaN). */
export function maxOverSlices(
  op: string,
  x: Tensor,
  dim: number | number[] | undefined,
  measure: (row: Float64Array) => number,
): number {
  if (x.size === 0) return 0;
  let worst = 0;
  withRows(x.detach().clone(), reductionDims(op, dim, x.ndim), (rows) => {
    const [count, n] = rows.shape;
    const data = readHost(rows);
    const row = new Float64Array(n);
    for (let r = 0; r < count; r++) {
      for (let j = 0; j < n; j++) row[j] = data[r * n + j];
      const m = measure(row);
      worst = Number.isNaN(m) || Number.isNaN(worst) ? Number.NaN : Math.max(worst, m);
    }
  });
  return worst;
}

/** `Σ |row_j|` and `sqrt(Σ row_j²)` in float64 (overflow-safe for float32 inputs). */
export function norms(row: Float64Array): { l1: number; l2: number } {
  let l1 = 0;
  let sq = 0;
  for (const v of row) {
    l1 += Math.abs(v);
    sq += v * v;
  }
  return { l1, l2: Math.sqrt(sq) };
}

// NOTE: a float32 rounding of each element changes a slice's norm, sum or dot product by at most 2^-24 of its
// Σ|terms|; a slice within four times that of the set is taken as on it and left bit for bit, so every
// projection is idempotent while the check's tolerance (1e-5) still holds.
/** The band within which a slice counts as on the set: `2^-22 · scale`. */
export function roundingBand(scale: number): number {
  return 2 ** -22 * scale;
}
