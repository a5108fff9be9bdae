/**
 * The simplex and L1-ball projections of rows, in linear time: one pass finds the max (and any NaN), then
 * Michelot's fixed point `τ ← (Σ_{u > τ} u − radius) / |{u > τ}|` from the lower bound `τ = −radius`, each pass
 * compacting and summing the candidates in four lanes by position (`laneTotal`; about 3n element visits on
 * typical rows); after `MICHELOT_PASSES`
 * passes, Condat's algorithm (Condat 2016, "Fast projection onto the simplex and the l1 ball", expected linear
 * time) settles the remaining candidates. The threshold comes from the final active set's sum, so it is the
 * sort-based one's up to double rounding. Everything runs
 * in double on `x - max(x)` (the largest entry exactly 0, so a radius far below max|x| keeps its sum), and
 * each result is rounded to float32 once. The wasm crate's simplex.rs is the same algorithm step for step
 * (bit-identical results). Both accept `out === x`.
 */

/**
 * The threshold θ of the projection `max(u - θ, 0)` of `aux[0, n)` onto `{ y >= 0, sum(y) = radius }` by Condat's
 * algorithm, in place (`aux` is overwritten: an element is read before any write reaches its index). The largest
 * entry must be 0 (its max subtracted).
 */
function condatThreshold(aux: Float64Array, n: number, radius: number): number {
  // NOTE: aux[0, old) holds the candidates the first pass set aside, aux[old, len) the current active list
  // (Condat's ṽ and v sharing one buffer). The list starts empty at threshold -Infinity.
  let len = 0;
  let old = 0;
  let tau = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < n; j++) {
    const y = aux[j];
    if (y > tau) {
      aux[len] = y;
      if (len === old) tau = y - radius;
      else {
        tau += (y - tau) / (len - old + 1);
        if (tau <= y - radius) {
          tau = y - radius;
          old = len;
        }
      }
      len++;
    }
  }
  // The set-aside candidates above the threshold rejoin the active list, placed just before it.
  let start = old;
  for (let j = old - 1; j >= 0; j--) {
    const y = aux[j];
    if (y > tau) {
      start--;
      aux[start] = y;
      tau += (y - tau) / (len - start);
    }
  }
  // Drop the elements at or below the threshold until none is.
  for (;;) {
    const before = len - start;
    let kept = 0;
    for (let i = 0; i < before; i++) {
      const y = aux[start + i];
      const rest = before - i - 1 + kept;
      // NOTE: the largest entry (0) is above every threshold of a positive radius; the guard only keeps rounding
      // from ever emptying the list.
      if (y > tau || rest === 0) aux[start + kept++] = y;
      else tau += (tau - y) / rest;
    }
    len = start + kept;
    if (kept === before) break;
  }
  // NOTE: the threshold of the final active set, from its sum, as the sort-based algorithm computes it.
  let sum = 0;
  for (let i = start; i < len; i++) sum += aux[i];
  return (sum - radius) / (len - start);
}

/**
 * The sum of four partial sums by position mod 4, as `(s0 + s2) + (s1 + s3)`: the wasm kernel's two f64x2
 * accumulators, so both backends (and core's host fallback) agree bit for bit.
 */
function laneTotal(lanes: Float64Array): number {
  return lanes[0] + lanes[2] + (lanes[1] + lanes[3]);
}

/** Michelot passes before Condat's algorithm takes over (typical rows need a handful; a pathological one, one per element). */
const MICHELOT_PASSES = 4;

/**
 * The threshold θ of the projection `max(u - θ, 0)` of `u_j = value(j)`, j < n, onto `{ y >= 0, sum(y) = radius }`
 * (see the file header). The largest `u` must be 0 (its max subtracted). `aux` holds at least `n` doubles.
 */
export function simplexThreshold(value: (j: number) => number, n: number, radius: number, aux: Float64Array): number {
  if (radius <= 0) return 0;
  // NOTE: θ = max over k of (sum of the k largest - radius)/k, so -radius (k = 1, the max being 0) is a lower
  // bound, and every set {u > τ} with τ <= θ holds the whole active set.
  const tau = -radius;
  let len = 0;
  const lanes = new Float64Array(4);
  for (let j = 0; j < n; j++) {
    const y = value(j);
    aux[len] = y;
    const keep = y > tau;
    if (keep) len++;
    lanes[j & 3] += keep ? y : 0;
  }
  let sum = laneTotal(lanes);
  for (let pass = 0; pass < MICHELOT_PASSES; pass++) {
    const t = (sum - radius) / len;
    let kept = 0;
    lanes.fill(0);
    for (let i = 0; i < len; i++) {
      const y = aux[i];
      aux[kept] = y;
      const keep = y > t;
      if (keep) kept++;
      lanes[i & 3] += keep ? y : 0;
    }
    if (kept === len) return t;
    len = kept;
    sum = laneTotal(lanes);
  }
  return condatThreshold(aux, len, radius);
}

/**
 * Each row of a `[rows, cols]` view replaced by its Euclidean projection onto `{ y >= 0, sum(y) = radius }`
 * (see the file header). A row containing NaN (or with an infinite maximum) becomes all NaN.
 */
export function simplexProject(x: Float32Array, out: Float32Array, rows: number, cols: number, radius: number): void {
  if (cols === 0) return;
  const aux = new Float64Array(cols);
  for (let r = 0, base = 0; r < rows; r++, base += cols) {
    let m = Number.NEGATIVE_INFINITY;
    let nan = false;
    for (let j = 0; j < cols; j++) {
      const v = x[base + j];
      if (v > m) m = v;
      else if (Number.isNaN(v)) nan = true;
    }
    if (nan || !Number.isFinite(m)) {
      out.fill(Number.NaN, base, base + cols);
      continue;
    }
    const theta = simplexThreshold((j) => x[base + j] - m, cols, radius, aux);
    for (let j = 0; j < cols; j++) out[base + j] = Math.max(x[base + j] - m - theta, 0);
  }
}

/**
 * Each row of a `[rows, cols]` view projected onto `{ ||y||_1 <= radius }`: a row whose double L1 norm (summed in
 * order) is within the radius is left (or copied) bit for bit, the others become `sign(x)·simplex(|x|, radius)`,
 * and a row whose norm is NaN or infinite becomes all NaN.
 */
export function l1BallProject(x: Float32Array, out: Float32Array, rows: number, cols: number, radius: number): void {
  if (cols === 0) return;
  const aux = new Float64Array(cols);
  for (let r = 0, base = 0; r < rows; r++, base += cols) {
    let l1 = 0;
    let m = 0;
    for (let j = 0; j < cols; j++) {
      const a = Math.abs(x[base + j]);
      l1 += a;
      if (a > m) m = a;
    }
    if (l1 <= radius) {
      if (out !== x) out.set(x.subarray(base, base + cols), base);
      continue;
    }
    if (Number.isNaN(l1) || l1 === Number.POSITIVE_INFINITY) {
      out.fill(Number.NaN, base, base + cols);
      continue;
    }
    const theta = simplexThreshold((j) => Math.abs(x[base + j]) - m, cols, radius, aux);
    for (let j = 0; j < cols; j++) {
      const v = x[base + j];
      const y = Math.abs(v) - m - theta;
      out[base + j] = y > 0 ? Math.sign(v) * y : 0;
    }
  }
}
