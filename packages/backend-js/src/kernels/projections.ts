/**
 * Projections that constraints apply after an optimizer step: clamp and per-slice L2 renorm (the simplex and the
 * L1 ball are in simplex.ts). All accept `out === x` (in place).
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
