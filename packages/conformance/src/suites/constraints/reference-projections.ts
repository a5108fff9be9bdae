/**
 * Independent float64 projections for the constraint tests: each built-in set's own projection in plain
 * number arrays, and a high-accuracy Dykstra loop over them that gives the projection onto an intersection.
 * The tests compare cp's float32 results with these, so nothing here shares code with cp's implementation.
 */

/** A float64 projection onto one convex set. */
export type Projection64 = (x: readonly number[]) => number[];

/** Projection onto the box `[lo, hi]`. */
export function box64(lo: number, hi: number): Projection64 {
  return (x) => x.map((v) => Math.min(Math.max(v, lo), hi));
}

/** Projection onto `{ ||y||_2 <= r }`. */
export function l2Ball64(r: number): Projection64 {
  return (x) => {
    const n = Math.sqrt(x.reduce((a, v) => a + v * v, 0));
    return n <= r ? [...x] : x.map((v) => (v * r) / n);
  };
}

/**
 * Projection onto `{ y >= 0, sum(y) = s }` by the sort-based algorithm, on `x - max(x)` so that huge inputs do
 * not lose the radius to rounding.
 */
export function simplex64(s: number): Projection64 {
  return (x) => {
    const m = x.reduce((a, v) => Math.max(a, v), Number.NEGATIVE_INFINITY);
    const u = x.map((v) => v - m).sort((a, b) => b - a);
    let cum = 0;
    let theta = 0;
    for (let j = 0; j < u.length; j++) {
      cum += u[j];
      const t = (cum - s) / (j + 1);
      if (u[j] - t > 0) theta = t;
    }
    return x.map((v) => Math.max(v - m - theta, 0));
  };
}

/** Projection onto `{ ||y||_1 <= r }`: the point itself inside, else `sign(x)·simplex(|x|, r)`. */
export function l1Ball64(r: number): Projection64 {
  const onSimplex = simplex64(r);
  return (x) => {
    const l1 = x.reduce((a, v) => a + Math.abs(v), 0);
    if (l1 <= r) return [...x];
    const mag = onSimplex(x.map(Math.abs));
    return x.map((v, i) => Math.sign(v) * mag[i]);
  };
}

/** The result of `dykstra64`: the point, and whether the increments settled within the iteration budget. */
export interface Dykstra64Result {
  y: number[];
  converged: boolean;
  iterations: number;
}

/**
 * The projection of `x` onto the intersection of convex sets by Dykstra's algorithm in float64, stopped when
 * the change of every increment is below `1e-13·max(1, ||x||_inf)` (Birgin and Raydan's robust criterion;
 * the movement of the point alone stops too early).
 */
export function dykstra64(x: readonly number[], sets: readonly Projection64[], maxIter = 200_000): Dykstra64Result {
  const scale = x.reduce((a, v) => Math.max(a, Math.abs(v)), 1);
  let y = [...x];
  const inc = sets.map(() => x.map(() => 0));
  for (let it = 1; it <= maxIter; it++) {
    let change = 0;
    sets.forEach((project, i) => {
      const shifted = y.map((v, j) => v + inc[i][j]);
      y = project(shifted);
      const next = shifted.map((v, j) => v - y[j]);
      for (let j = 0; j < next.length; j++) change = Math.max(change, Math.abs(next[j] - inc[i][j]));
      inc[i] = next;
    });
    if (change <= 1e-13 * scale) return { y, converged: true, iterations: it };
  }
  return { y, converged: false, iterations: maxIter };
}

/**
 * The root in `[a, b]` of a monotone `f(t) - target` by 200 plain bisection steps (to float64 precision), with
 * `decreasing` giving the direction of f.
 */
function bisect(f: (t: number) => number, a: number, b: number, target: number, decreasing: boolean): number {
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (a + b);
    if (f(mid) > target === decreasing) a = mid;
    else b = mid;
  }
  return 0.5 * (a + b);
}

const clip = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
const sumOf = (v: number[]) => v.reduce((a, e) => a + e, 0);

/** Projection onto `[lo, hi]^n ∩ { y >= 0, sum(y) = s }`: `clamp(x - τ, max(lo, 0), hi)`, τ by bisection. */
export function boxSimplex64(lo: number, hi: number, s: number): Projection64 {
  const l = Math.max(lo, 0);
  return (x) => {
    const y = (t: number) => x.map((v) => clip(v - t, l, hi));
    const span = x.reduce((a, v) => Math.max(a, Math.abs(v)), 0) + s + (Number.isFinite(hi) ? Math.abs(hi) : 0) + l;
    return y(bisect((t) => sumOf(y(t)), -span, span, s, true));
  };
}

/** Projection onto `[lo, hi]^n ∩ { ||y||_1 <= r }`: `clamp(softThreshold(x, λ), lo, hi)`, λ >= 0 by bisection. */
export function boxL1Ball64(lo: number, hi: number, r: number): Projection64 {
  return (x) => {
    const y = (l: number) => x.map((v) => clip(Math.sign(v) * Math.max(Math.abs(v) - l, 0), lo, hi));
    if (sumOf(y(0).map(Math.abs)) <= r) return y(0);
    const big = x.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
    return y(bisect((l) => sumOf(y(l).map(Math.abs)), 0, big, r, true));
  };
}

/** Projection onto `[lo, hi]^n ∩ { ||y||_2 <= r }`: `clamp(c·x, lo, hi)`, c in [0, 1] by bisection. */
export function boxL2Ball64(lo: number, hi: number, r: number): Projection64 {
  return (x) => {
    const y = (c: number) => x.map((v) => clip(c * v, lo, hi));
    const sq = (v: number[]) => sumOf(v.map((e) => e * e));
    if (sq(y(1)) <= r * r) return y(1);
    return y(bisect((c) => sq(y(c)), 0, 1, r * r, false));
  };
}
