/**
 * Exact projections onto a box intersected with one of the simplex, the L1 ball or the L2 ball (maxNorm,
 * l2Ball), per slice of that set. By the KKT conditions the projection is the box clip of a one-parameter map
 * of x: `clamp(x - τ, lo, hi)` for the simplex, `clamp(softThreshold(x, λ), lo, hi)` for the L1 ball and
 * `clamp(c·x, lo, hi)` for the L2 ball, where the set's measure (sum, L1 or L2 norm) is monotone in the
 * parameter and piecewise linear (quadratic for L2) in it. Bisection finds the piece holding the root, which
 * is then solved exactly, all in float64 on a host copy. Emptiness depends only on the slice size and bounds,
 * so it is decided exactly, before any iteration.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { type Constraint, ConstraintError, type Dims, reductionDims } from '../constraint.js';
import { readHost, writeHost } from '../host.js';
import { withRows } from '../kernels.js';

/** One evaluation of the set's measure at a parameter value: its value, its piece, and that piece's root. */
interface PieceEval {
  /** The measure (sum, L1 norm or squared L2 norm) of the clipped map at t. */
  value: number;
  /** The sum of per-element ranks, nondecreasing in t: equal at two points means one piece between them. */
  rank: number;
  /** The t where the measure on this piece equals `target` (NaN when the piece is flat). */
  root(target: number): number;
}

/** A per-slice solver: projects `src[start..start+n)` into `dst` onto the box ∩ set, or throws when empty. */
type RowSolver = (src: Float32Array, dst: Float32Array, start: number, n: number) => void;

/** An exact plan: the slice dims of the non-box set, and the slice solver. */
export interface ExactIntersection {
  dims(ndim: number): number[];
  solve: RowSolver;
}

/**
 * The t in `[a, b]` where a monotone measure meets `target`: bisect until both ends lie on one piece, then solve
 * that piece. `decreasing` gives the measure's direction.
 */
function rootOnPieces(at: (t: number) => PieceEval, a: number, b: number, target: number, decreasing: boolean): number {
  let fa = at(a);
  let fb = at(b);
  for (let it = 0; it < 2000 && fa.rank !== fb.rank; it++) {
    const mid = 0.5 * (a + b);
    if (!(mid > a && mid < b)) break;
    const fm = at(mid);
    if (decreasing ? fm.value > target : fm.value < target) {
      a = mid;
      fa = fm;
    } else {
      b = mid;
      fb = fm;
    }
  }
  // NOTE: when the ranks still differ the root sits on a breakpoint between adjacent doubles; the piece's
  // formula then gives it to rounding, and the clamp keeps it in the bracket either way.
  const t = fa.rank === fb.rank ? fa.root(target) : fb.root(target);
  return Number.isFinite(t) ? Math.min(Math.max(t, a), b) : 0.5 * (a + b);
}

function clip(v: number, lo: number, hi: number): number {
  return v < lo ? lo : Math.min(v, hi);
}

function emptyError(what: string, n: number, detail: string): ConstraintError {
  return new ConstraintError(`${what}: the sets do not intersect on slices of ${n} elements (${detail})`);
}

/** Copies NaN into a slice whose input has NaN or ±Infinity (the caller's finiteness check then names it). */
function nonFinite(src: Float32Array, dst: Float32Array, start: number, n: number): boolean {
  for (let j = 0; j < n; j++) {
    if (!Number.isFinite(src[start + j])) {
      for (let k = 0; k < n; k++) dst[start + k] = Number.NaN;
      return true;
    }
  }
  return false;
}

/** Box ∩ simplex: `clamp(x - τ, max(lo, 0), hi)` with τ giving the sum `s`. */
function simplexSolver(what: string, lo0: number, hi: number, s: number): RowSolver {
  const lo = Math.max(lo0, 0);
  return (src, dst, start, n) => {
    if (n * lo > s || n * hi < s) throw emptyError(what, n, `${n} × [${lo}, ${hi}] cannot sum to ${s}`);
    if (nonFinite(src, dst, start, n)) return;
    let m = Number.NEGATIVE_INFINITY;
    let min = Number.POSITIVE_INFINITY;
    for (let j = 0; j < n; j++) {
      m = Math.max(m, src[start + j]);
      min = Math.min(min, src[start + j]);
    }
    // NOTE: the threshold is taken relative to the max (v = x - max is exact for float32 x), so huge inputs keep
    // the sum s.
    const at = (t: number): PieceEval => {
      let rank = 0;
      let free = 0;
      let freeSum = 0;
      let fixed = 0;
      for (let j = 0; j < n; j++) {
        const v = src[start + j] - m;
        const z = v - t;
        if (z >= hi) fixed += hi;
        else if (z > lo) {
          rank += 1;
          free++;
          freeSum += v;
        } else {
          rank += 2;
          fixed += lo;
        }
      }
      return { value: freeSum - free * t + fixed, rank, root: (target) => (freeSum + fixed - target) / free };
    };
    const a = hi === Number.POSITIVE_INFINITY ? -s : Math.min(-s, min - m - hi);
    const t = rootOnPieces(at, a, -lo, s, true);
    for (let j = 0; j < n; j++) dst[start + j] = clip(src[start + j] - m - t, lo, hi);
  };
}

/** Box ∩ L1 ball: `clamp(softThreshold(x, λ), lo, hi)` with λ >= 0 giving the L1 norm `r`. */
function l1Solver(what: string, lo: number, hi: number, r: number): RowSolver {
  const atZero = Math.abs(clip(0, lo, hi));
  return (src, dst, start, n) => {
    if (n * atZero > r) throw emptyError(what, n, `the box's point nearest 0 has L1 norm ${n * atZero} > ${r}`);
    if (nonFinite(src, dst, start, n)) return;
    let inside = 0;
    let big = 0;
    for (let j = 0; j < n; j++) {
      inside += Math.abs(clip(src[start + j], lo, hi));
      big = Math.max(big, Math.abs(src[start + j]));
    }
    if (inside <= r) {
      for (let j = 0; j < n; j++) dst[start + j] = clip(src[start + j], lo, hi);
      return;
    }
    // NOTE: λ = big + t with t in [-big, 0]: magnitudes |x| - λ = (|x| - big) - t keep their precision for huge x.
    const y = (j: number, t: number): number => {
      const x = src[start + j];
      const mag = Math.max(Math.abs(x) - big - t, 0);
      return clip(x < 0 ? -mag : mag, lo, hi);
    };
    const at = (t: number): PieceEval => {
      let rank = 0;
      let free = 0;
      let freeSum = 0;
      let fixed = 0;
      for (let j = 0; j < n; j++) {
        const x = src[start + j];
        const mag = Math.max(Math.abs(x) - big - t, 0);
        const soft = x < 0 ? -mag : mag;
        const pos = x > 0;
        // Ranks along the path of soft toward 0: clipped at the far bound (0), free (1), at the near bound or 0 (2).
        const far = pos ? soft >= hi : soft <= lo;
        const near = pos ? soft <= Math.max(lo, 0) : soft >= Math.min(hi, 0);
        if (x !== 0 && !far && !near) {
          rank += 1;
          free++;
          freeSum += Math.abs(x) - big;
        } else {
          rank += far && x !== 0 ? 0 : 2;
          fixed += Math.abs(clip(soft, lo, hi));
        }
      }
      return { value: freeSum - free * t + fixed, rank, root: (target) => (freeSum + fixed - target) / free };
    };
    const t = rootOnPieces(at, -big, 0, r, true);
    for (let j = 0; j < n; j++) dst[start + j] = y(j, t);
  };
}

/** Box ∩ L2 ball: `clamp(c·x, lo, hi)` with c in [0, 1] giving the L2 norm `r`. */
function l2Solver(what: string, lo: number, hi: number, r: number): RowSolver {
  const atZero = clip(0, lo, hi) ** 2;
  const r2 = r * r;
  return (src, dst, start, n) => {
    if (n * atZero > r2)
      throw emptyError(what, n, `the box's point nearest 0 has L2 norm ${Math.sqrt(n * atZero)} > ${r}`);
    if (nonFinite(src, dst, start, n)) return;
    let inside = 0;
    for (let j = 0; j < n; j++) inside += clip(src[start + j], lo, hi) ** 2;
    if (inside <= r2) {
      for (let j = 0; j < n; j++) dst[start + j] = clip(src[start + j], lo, hi);
      return;
    }
    const at = (c: number): PieceEval => {
      let rank = 0;
      let freeSq = 0;
      let fixed = 0;
      for (let j = 0; j < n; j++) {
        const x = src[start + j];
        const v = c * x;
        // Ranks along the path of c·x away from 0: at the near bound (0), free (1), at the far bound (2).
        if (x !== 0 && v > lo && v < hi) {
          rank += 1;
          freeSq += x * x;
        } else {
          const far = x > 0 ? v >= hi : x < 0 && v <= lo;
          rank += far ? 2 : 0;
          fixed += clip(v, lo, hi) ** 2;
        }
      }
      return {
        value: c * c * freeSq + fixed,
        rank,
        root: (target) => Math.sqrt(Math.max(target - fixed, 0) / freeSq),
      };
    };
    const c = rootOnPieces(at, 0, 1, r2, false);
    for (let j = 0; j < n; j++) dst[start + j] = clip(c * src[start + j], lo, hi);
  };
}

/**
 * The exact projection onto `box ∩ other` when `other` declares (`set`) a simplex, an L1 ball or an L2 ball
 * (maxNorm or l2Ball, rate 1), else null. `what` names the intersection in errors.
 */
export function exactIntersection(
  what: string,
  box: { lo: number; hi: number },
  other: Constraint,
): ExactIntersection | null {
  const { lo, hi } = box;
  const set = other.set;
  if (set === null) return null;
  const dims = (dim: Dims) => (nd: number) => reductionDims(other.name, dim, nd);
  switch (set.type) {
    case 'simplex':
      return { dims: dims(set.dim), solve: simplexSolver(what, lo, hi, set.total) };
    case 'l1Ball':
      return { dims: dims(set.dim), solve: l1Solver(what, lo, hi, set.radius) };
    case 'l2Ball':
      return { dims: dims(set.dim), solve: l2Solver(what, lo, hi, set.radius) };
    case 'box':
    case 'intersection':
      // NOTE: boxes are merged and intersections flattened before a closed form is looked for.
      return null;
    default: {
      const unknown: never = set;
      throw new ConstraintError(`${what}: unknown set ${JSON.stringify(unknown)}`);
    }
  }
}

/** Runs an exact plan on `x` in place (one read, one write). */
export function projectExact(plan: ExactIntersection, x: Tensor): void {
  if (x.size === 0) return;
  withRows(x, plan.dims(x.ndim), (rows) => {
    const [count, cols] = rows.shape;
    if (count === 0 || cols === 0) return;
    const data = readHost(rows);
    for (let r = 0; r < count; r++) plan.solve(data, data, r * cols, cols);
    writeHost(rows, data);
  });
}
