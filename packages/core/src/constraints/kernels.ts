/**
 * The in-place projection primitives built-ins share: clamp, per-slice L2 renorm, per-row simplex and L1-ball
 * projection. Each uses the backend's fused kernel when it has one (and can write in place), else clamp is a
 * core op and the others are computed exactly in float64 on a host copy (host.ts). Callers run under `noGrad`
 * and own `x`.
 */
import type { FusedKernelArgs, FusedKernelName } from '../backend/fused-kernels.js';
import { hasFused, runFused } from '../engine/dispatch.js';
import { permute } from '../ops/movement.js';
import { sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { l1BallSlice, readHost, renormSlice, simplexSlice, writeHost } from './host.js';

/**
 * The backend's fused kernel `name` for `t`, run through the dispatch as part of op `op`, when it exists and
 * the backend can write in place; else null (the caller's fallback runs).
 */
export function fusedFor<K extends FusedKernelName>(
  t: Tensor,
  name: K,
  op: string = name,
): ((args: FusedKernelArgs[K]) => void) | null {
  const backend = t.backend;
  if (!hasFused(backend, name, true)) return null;
  return (args) => runFused(backend, name, args, op, [t]);
}

/** Clamps `x` into `[lo, hi]` in place (either bound may be infinite; NaN stays NaN). */
export function clampInPlace(x: Tensor, lo: number, hi: number): void {
  if (x.size === 0) return;
  const fused = fusedFor(x, 'clamp');
  if (fused) {
    fused({ x: x.storage.handle, out: x.storage.handle, n: x.size, lo, hi });
    return;
  }
  const y = x.clamp(lo === -Infinity ? null : lo, hi === Infinity ? null : hi);
  x.copy_(y);
}

/** `[outer, size, inner]` for a contiguous block of dims, or null when `dims` are not contiguous. */
export function blockLayout(
  shape: readonly number[],
  dims: readonly number[],
): { outer: number; size: number; inner: number } | null {
  if (dims.length === 0) return { outer: sizeOf(shape), size: 1, inner: 1 };
  const first = dims[0];
  const last = dims[dims.length - 1];
  if (last - first !== dims.length - 1) return null;
  return {
    outer: sizeOf(shape.slice(0, first)),
    size: sizeOf(shape.slice(first, last + 1)),
    inner: sizeOf(shape.slice(last + 1)),
  };
}

/**
 * For each slice over `dims`, scales it so its L2 norm moves into `[lo, hi]` (`rate` < 1 moves part of the way).
 * Slices inside are left bit for bit; zero slices stay zero (callers decide their policy first). Dims that are
 * not one contiguous block are moved last first (`withRows`).
 */
export function renormInPlace(x: Tensor, dims: readonly number[], lo: number, hi: number, rate = 1): void {
  if (x.size === 0) return;
  const layout = blockLayout(x.shape, dims);
  if (!layout) {
    withRows(x, dims, (rows) => renormInPlace(rows, [1], lo, hi, rate));
    return;
  }
  const fused = fusedFor(x, 'renormSlices');
  if (fused) {
    fused({ x: x.storage.handle, out: x.storage.handle, ...layout, lo, hi, rate });
    return;
  }
  // NOTE: the fallback decides and scales in float64 on a host copy: a float32 norm can read a few ulps past
  // the bound and would rescale slices that are inside it.
  const { outer, size, inner } = layout;
  const data = readHost(x);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) renormSlice(data, data, o * size * inner + i, size, inner, lo, hi, rate);
  }
  writeHost(x, data);
}

/**
 * Projects each row of `x2d` (shape `[rows, cols]`) onto `{ y >= 0, sum(y) = radius }` in place. The fallback
 * is Condat's algorithm in float64 on a host copy (expected O(cols) time, O(cols) memory per row).
 */
export function simplexRowsInPlace(x2d: Tensor, radius: number): void {
  const [rows, cols] = x2d.shape;
  if (rows === 0 || cols === 0) return;
  const fused = fusedFor(x2d, 'simplexProject');
  if (fused) {
    fused({ x: x2d.storage.handle, out: x2d.storage.handle, rows, cols, radius });
    return;
  }
  const data = readHost(x2d);
  const scratch = new Float64Array(cols);
  for (let r = 0; r < rows; r++) simplexSlice(data, data, r * cols, cols, 1, radius, scratch);
  writeHost(x2d, data);
}

/**
 * Projects each row of `x2d` (shape `[rows, cols]`) onto `{ ||y||_1 <= radius }` in place: rows inside are left
 * bit for bit, the others become `sign(x)·simplex(|x|, radius)`: the fused `l1BallProject`, else in float64 on a
 * host copy.
 */
export function l1BallRowsInPlace(x2d: Tensor, radius: number): void {
  const [rows, cols] = x2d.shape;
  if (rows === 0 || cols === 0) return;
  const fused = fusedFor(x2d, 'l1BallProject');
  if (fused) {
    fused({ x: x2d.storage.handle, out: x2d.storage.handle, rows, cols, radius });
    return;
  }
  // NOTE: a float32 sum of n non-negative terms is within (n - 1)·2^-24 (relative) of the exact one, so below
  // this margin every row is certainly inside and nothing is read back but one number.
  const inside = radius * (1 - (cols + 2) * 2 ** -23);
  if (x2d.abs().sum(1).max().item() <= inside) return;
  const data = readHost(x2d);
  const scratch = new Float64Array(cols);
  for (let r = 0; r < rows; r++) l1BallSlice(data, data, r * cols, cols, 1, radius, scratch);
  writeHost(x2d, data);
}

/**
 * Runs `fn` on `x` viewed as `[rows, cols]` with the `dims` flattened into the last axis (a reshape when they
 * are the trailing dims, else a permuted copy written back), so per-slice row kernels apply to any dims.
 */
export function withRows(x: Tensor, dims: readonly number[], fn: (rows2d: Tensor) => void): void {
  const nd = x.ndim;
  const cols = sizeOf(dims.map((d) => x.shape[d]));
  const rows = cols === 0 ? 0 : x.size / cols;
  const trailing = dims.every((d, i) => d === nd - dims.length + i);
  if (trailing) {
    fn(x.reshape([rows, cols]));
    return;
  }
  const rest = Array.from({ length: nd }, (_, i) => i).filter((d) => !dims.includes(d));
  const order = [...rest, ...dims];
  const moved = permute(x, order);
  const flat = moved.reshape([rows, cols]).clone();
  fn(flat);
  const inverse = new Array<number>(nd);
  order.forEach((d, i) => {
    inverse[d] = i;
  });
  x.copy_(permute(flat.reshape(moved.shape), inverse));
}
