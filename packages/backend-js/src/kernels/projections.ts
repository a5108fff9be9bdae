/**
 * Projections that constraints apply after an optimizer step: clamp, per-slice L2 renorm, and the
 * Euclidean projection of rows onto the simplex. All accept `out === x` (in place).
 */

/** `out[i] = min(max(x[i], lo), hi)`; NaN stays NaN, and -0 clamped at lo = 0 becomes +0 (Math semantics). */
export function clamp(x: Float32Array, out: Float32Array, n: number, lo: number, hi: number): void {
  for (let i = 0; i < n; i++) out[i] = Math.min(Math.max(x[i], lo), hi);
}

/** How far one guard iteration moves a renorm factor: about half a float32 ulp. */
const NUDGE = 2 ** -24;
const MAX_NUDGES = 64;

/**
 * For each `(o, i)` of x viewed `[outer, size, inner]`, the L2 norm `nrm` over the middle axis; slices
 * with `nrm` outside `[lo, hi]` (and non-zero) are scaled by `(rate·clamp(nrm, lo, hi) + (1-rate)·nrm) / nrm`,
 * the others are copied bit for bit.
 */
export function renormSlices(
  x: Float32Array,
  out: Float32Array,
  outer: number,
  size: number,
  inner: number,
  lo: number,
  hi: number,
  rate: number,
): void {
  const block = size * inner;
  const norms = new Float64Array(inner);
  const factors = new Float64Array(inner);
  const targets = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * block;
    // NOTE: float32 squares and their sums cannot overflow or underflow float64, so no rescaling is needed.
    norms.fill(0);
    for (let s = 0, j = base; s < size; s++) for (let i = 0; i < inner; i++, j++) norms[i] += x[j] * x[j];
    let scaled = false;
    for (let i = 0; i < inner; i++) {
      const nrm = Math.sqrt(norms[i]);
      norms[i] = nrm;
      factors[i] = 1;
      if (nrm > hi || (nrm < lo && nrm > 0)) {
        const target =
          nrm > hi ? (rate === 1 ? hi : rate * hi + (1 - rate) * nrm) : rate === 1 ? lo : rate * lo + (1 - rate) * nrm;
        targets[i] = target;
        factors[i] = target / nrm;
        scaled = true;
      }
    }
    if (!scaled) {
      if (out !== x) out.set(x.subarray(base, base + block), base);
      continue;
    }
    for (let i = 0; i < inner; i++) {
      if (rate === 1 && factors[i] !== 1)
        factors[i] = fitFactor(x, base + i, size, inner, norms[i] > hi, targets[i], factors[i]);
    }
    // Every read of this block is done, so writing over x (out === x) is safe.
    for (let s = 0, j = base; s < size; s++) {
      for (let i = 0; i < inner; i++, j++) out[j] = factors[i] === 1 ? x[j] : x[j] * factors[i];
    }
  }
}

/**
 * NOTE: at rate 1 the target is the bound itself, and rounding each scaled element to float32 can leave
 * the new norm a hair past it (above hi when shrinking, below lo when growing). Nudge the factor half an
 * ulp at a time until the bound holds, so a max-norm constraint really holds after it is applied.
 */
function fitFactor(
  x: Float32Array,
  start: number,
  size: number,
  inner: number,
  shrinking: boolean,
  target: number,
  factor: number,
): number {
  for (let tries = 0; tries < MAX_NUDGES; tries++) {
    let sq = 0;
    for (let s = 0, j = start; s < size; s++, j += inner) {
      const y = Math.fround(x[j] * factor);
      sq += y * y;
    }
    const now = Math.sqrt(sq);
    if (shrinking ? !(now > target) : !(now < target)) return factor;
    factor *= shrinking ? 1 - NUDGE : 1 + NUDGE;
  }
  return factor;
}

/**
 * Each row of a `[rows, cols]` view replaced by its Euclidean projection onto `{y >= 0, sum(y) = radius}`,
 * computed in float64 by the sort-based algorithm (Held, Wolfe and Crowder; Duchi et al. 2008) on `x - max(x)`:
 * sort descending, find the last k with `u_k > (sum_{j<=k} u_j - radius) / k`, shift by that threshold, clip
 * at 0. A row containing NaN (or with an infinite maximum) becomes all NaN.
 */
export function simplexProject(x: Float32Array, out: Float32Array, rows: number, cols: number, radius: number): void {
  if (cols === 0) return;
  const u = new Float64Array(cols);
  for (let r = 0, base = 0; r < rows; r++, base += cols) {
    let m = Number.NEGATIVE_INFINITY;
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      const v = x[base + j];
      sum += v;
      if (v > m) m = v;
    }
    if (Number.isNaN(sum) || !Number.isFinite(m)) {
      for (let j = 0; j < cols; j++) out[base + j] = Number.NaN;
      continue;
    }
    // NOTE: subtracting the max first makes the largest entry exactly 0, so a radius 1e16 times below max|x| is
    // not lost to rounding in `cum - radius` (which would give all zeros).
    for (let j = 0; j < cols; j++) u[j] = x[base + j] - m;
    u.sort();
    // Walk from the largest element; the condition holds on a prefix, so keep the last threshold that passes.
    let cum = u[cols - 1];
    let theta = cum - radius;
    for (let k = 2; k <= cols; k++) {
      const v = u[cols - k];
      cum += v;
      const t = (cum - radius) / k;
      if (v - t > 0) theta = t;
      else break;
    }
    for (let j = 0; j < cols; j++) {
      out[base + j] = Math.max(x[base + j] - m - theta, 0);
    }
  }
}
