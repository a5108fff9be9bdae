/**
 * The in-place projection primitives built-ins share: clamp, per-slice L2 renorm and per-row simplex
 * projection. Each uses the backend's fused kernel when it has one (and can write in place), else a
 * composite of core ops that computes the same projection. Callers run under `noGrad` and own `x`.
 */
import type { FusedKernelArgs, FusedKernelName } from '../backend/fused-kernels.js';
import { compare, where } from '../ops/compare.js';
import { maximum } from '../ops/elementwise.js';
import { permute } from '../ops/movement.js';
import { sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/** The backend's fused kernel `name` for `t`, when it exists and the backend can write in place. */
export function fusedFor<K extends FusedKernelName>(t: Tensor, name: K): ((args: FusedKernelArgs[K]) => void) | null {
  const backend = t.backend;
  const fn = backend.fused[name] as ((args: FusedKernelArgs[K]) => void) | undefined;
  return fn && backend.capabilities.inPlace ? fn : null;
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
 * Slices inside are left bit for bit; zero slices stay zero (callers decide their policy first).
 */
export function renormInPlace(x: Tensor, dims: readonly number[], lo: number, hi: number, rate = 1): void {
  if (x.size === 0) return;
  const layout = blockLayout(x.shape, dims);
  const fused = fusedFor(x, 'renormSlices');
  if (layout && fused) {
    fused({ x: x.storage.handle, out: x.storage.handle, ...layout, lo, hi, rate });
    return;
  }
  const n = x.norm(2, [...dims], { keepdim: true });
  const target = n.clamp(lo, hi === Infinity ? null : hi);
  const moved = rate === 1 ? target : target.mul(rate).add(n.mul(1 - rate));
  const safe = where(compare('eq', n, 0), 1, n);
  // NOTE: shrink by a hair more than hi/n (grow by a hair more than lo/n) so float32 rounding of the scaled
  // elements cannot leave the norm just outside the bound; the result stays within 2.4e-7 (relative) of the
  // exact projection. x/n is computed first: target/n alone overflows for slices of denormals.
  const positive = where(compare('gt', n, 0), n, Infinity);
  const shrink = compare('gt', n, hi);
  const grow = compare('lt', positive, lo);
  const nudge = where(shrink, 1 - 2 ** -22, where(grow, 1 + 2 ** -22, 1));
  // NOTE: slices of denormals lose precision in x/n; scaling them by 2^64 first is exact and x/n is scale-free.
  const tiny = compare('lt', n, 2 ** -60);
  const xs = where(tiny, x.mul(2 ** 64), x);
  const ns = where(tiny, xs.norm(2, [...dims], { keepdim: true }), safe);
  const scaled = xs.div(where(compare('eq', ns, 0), 1, ns)).mul(moved.mul(nudge));
  x.copy_(where(shrink, scaled, where(grow, scaled, x)));
}

/**
 * Projects each row of `x2d` (shape `[rows, cols]`) onto `{ y >= 0, sum(y) = radius }` in place. The
 * fallback uses Condat's form of the sort-based algorithm without sorting: the threshold is
 * `max_j (sum_{i: x_i >= x_j} x_i - radius) / #{i: x_i >= x_j}`, computed pairwise in row blocks.
 */
export function simplexRowsInPlace(x2d: Tensor, radius: number): void {
  const [rows, cols] = x2d.shape;
  if (rows === 0 || cols === 0) return;
  const fused = fusedFor(x2d, 'simplexProject');
  if (fused) {
    fused({ x: x2d.storage.handle, out: x2d.storage.handle, rows, cols, radius });
    return;
  }
  // NOTE: the pairwise [block, cols, cols] comparison costs cols^2 per row; blocks keep it under ~4M elements.
  const block = Math.max(1, Math.floor(2 ** 22 / (cols * cols)));
  for (let r0 = 0; r0 < rows; r0 += block) {
    const len = Math.min(block, rows - r0);
    const part = x2d.narrow(0, r0, len);
    const vj = part.unsqueeze(2);
    const vi = part.unsqueeze(1);
    const ge = compare('ge', vi, vj);
    const c = where(ge, vi, 0).sum(2);
    const k = ge.float().sum(2);
    const theta = c.sub(radius).div(k).max(1, { keepdim: true });
    const projected = maximum(part.sub(theta), 0);
    // A row with NaN gives NaN theta and so NaN everywhere, like the fused kernel.
    if (len === rows) x2d.copy_(projected);
    else writeRows(x2d, r0, projected);
  }
}

function writeRows(x2d: Tensor, r0: number, rows: Tensor): void {
  const cols = x2d.shape[1];
  const backend = x2d.backend;
  backend.kernels.copyStrided({
    dtype: 'float32',
    x: rows.storage.handle,
    xOffset: 0,
    xStrides: [1],
    out: x2d.storage.handle,
    outOffset: r0 * cols,
    outStrides: [1],
    shape: [rows.size],
  });
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
