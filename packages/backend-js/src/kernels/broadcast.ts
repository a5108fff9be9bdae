/**
 * Drivers for broadcast elementwise layouts. The output is contiguous; each input is read through
 * its own strides (0 on broadcast dims). A driver walks the outer dims with an odometer and hands
 * each innermost row to a monomorphic row function, so per-element work never goes through a closure.
 */

/** Computes one contiguous output row `out[oi .. oi + len)` from two strided input rows. */
export type Row2<O, A, B> = (
  out: O,
  oi: number,
  a: A,
  ai: number,
  sa: number,
  b: B,
  bi: number,
  sb: number,
  len: number,
) => void;

/** Computes one contiguous output row from three strided input rows (used by `where`). */
export type Row3<O, C, A, B> = (
  out: O,
  oi: number,
  c: C,
  ci: number,
  sc: number,
  a: A,
  ai: number,
  sa: number,
  b: B,
  bi: number,
  sb: number,
  len: number,
) => void;

/** The number of elements of a shape (1 for rank 0). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (let d = 0; d < shape.length; d++) n *= shape[d];
  return n;
}

/** Runs `row` over every innermost row of a two-input broadcast layout. */
export function forEachRow2<O, A, B>(
  shape: readonly number[],
  aStrides: readonly number[],
  bStrides: readonly number[],
  row: Row2<O, A, B>,
  out: O,
  a: A,
  b: B,
): void {
  const rank = shape.length;
  if (rank === 0) {
    row(out, 0, a, 0, 0, b, 0, 0, 1);
    return;
  }
  const total = sizeOf(shape);
  if (total === 0) return;
  const last = rank - 1;
  const len = shape[last];
  const sa = aStrides[last];
  const sb = bStrides[last];
  if (rank === 1) {
    row(out, 0, a, 0, sa, b, 0, sb, len);
    return;
  }
  if (rank === 2) {
    const ra = aStrides[0];
    const rb = bStrides[0];
    for (let oi = 0, ai = 0, bi = 0; oi < total; oi += len, ai += ra, bi += rb) row(out, oi, a, ai, sa, b, bi, sb, len);
    return;
  }
  const idx = new Int32Array(last);
  let ai = 0;
  let bi = 0;
  for (let oi = 0; oi < total; oi += len) {
    row(out, oi, a, ai, sa, b, bi, sb, len);
    for (let d = last - 1; d >= 0; d--) {
      ai += aStrides[d];
      bi += bStrides[d];
      if (++idx[d] < shape[d]) break;
      ai -= aStrides[d] * shape[d];
      bi -= bStrides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** Runs `row` over every innermost row of a three-input broadcast layout. */
export function forEachRow3<O, C, A, B>(
  shape: readonly number[],
  cStrides: readonly number[],
  aStrides: readonly number[],
  bStrides: readonly number[],
  row: Row3<O, C, A, B>,
  out: O,
  c: C,
  a: A,
  b: B,
): void {
  const rank = shape.length;
  if (rank === 0) {
    row(out, 0, c, 0, 0, a, 0, 0, b, 0, 0, 1);
    return;
  }
  const total = sizeOf(shape);
  if (total === 0) return;
  const last = rank - 1;
  const len = shape[last];
  const sc = cStrides[last];
  const sa = aStrides[last];
  const sb = bStrides[last];
  const idx = new Int32Array(last);
  let ci = 0;
  let ai = 0;
  let bi = 0;
  for (let oi = 0; oi < total; oi += len) {
    row(out, oi, c, ci, sc, a, ai, sa, b, bi, sb, len);
    for (let d = last - 1; d >= 0; d--) {
      ci += cStrides[d];
      ai += aStrides[d];
      bi += bStrides[d];
      if (++idx[d] < shape[d]) break;
      ci -= cStrides[d] * shape[d];
      ai -= aStrides[d] * shape[d];
      bi -= bStrides[d] * shape[d];
      idx[d] = 0;
    }
  }
}
