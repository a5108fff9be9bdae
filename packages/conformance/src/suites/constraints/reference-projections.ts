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
    const n = Math.hypot(...x);
    return n <= r ? [...x] : x.map((v) => (v * r) / n);
  };
}

/**
 * Projection onto `{ y >= 0, sum(y) = s }` by the sort-based algorithm, on `x - max(x)` so that huge inputs do
 * not lose the radius to rounding.
 */
export function simplex64(s: number): Projection64 {
  return (x) => {
    const m = Math.max(...x);
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
  const scale = Math.max(1, ...x.map(Math.abs));
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
