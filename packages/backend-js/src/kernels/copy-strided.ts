/**
 * Strided copy (the kernel behind permute, expand, slice, cat and their gradients) and fill. The
 * copy walks the outer dims with an odometer and runs a tight loop over the innermost dim, with a
 * bulk `set` when both innermost strides are 1 and the row is long.
 */
import type { DType, TypedArray } from '@cp/core/backend';
import { castScalar } from './cast.js';

/** Rows at least this long with unit strides on both sides are copied with `TypedArray.set`. */
const BULK_ROW = 32;

/** `out[outOffset + i·outStrides] = x[xOffset + i·xStrides]` for every index `i` of `shape`. */
export function copyStrided(
  x: TypedArray,
  xOffset: number,
  xStrides: readonly number[],
  out: TypedArray,
  outOffset: number,
  outStrides: readonly number[],
  shape: readonly number[],
): void {
  const rank = shape.length;
  if (rank === 0) {
    out[outOffset] = x[xOffset];
    return;
  }
  let rows = 1;
  for (let d = 0; d < rank - 1; d++) rows *= shape[d];
  const len = shape[rank - 1];
  if (rows === 0 || len === 0) return;
  const sx = xStrides[rank - 1];
  const so = outStrides[rank - 1];
  const bulk = sx === 1 && so === 1 && len >= BULK_ROW;
  const idx = new Int32Array(rank);
  let xi = xOffset;
  let oi = outOffset;
  for (let r = 0; r < rows; r++) {
    if (bulk) {
      out.set(x.subarray(xi, xi + len), oi);
    } else if (sx === 1 && so === 1) {
      for (let j = 0; j < len; j++) out[oi + j] = x[xi + j];
    } else {
      for (let j = 0, xj = xi, oj = oi; j < len; j++, xj += sx, oj += so) out[oj] = x[xj];
    }
    for (let d = rank - 2; d >= 0; d--) {
      xi += xStrides[d];
      oi += outStrides[d];
      if (++idx[d] < shape[d]) break;
      xi -= xStrides[d] * shape[d];
      oi -= outStrides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** `out[offset .. offset + n) = value`, with `value` cast to `dtype` by the cast rules. */
export function fill(out: TypedArray, dtype: DType, offset: number, n: number, value: number): void {
  out.fill(castScalar(value, dtype), offset, offset + n);
}
