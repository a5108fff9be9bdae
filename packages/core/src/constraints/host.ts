/**
 * Float64 projections of slices of a host copy of a float32 tensor: the exact paths of core's fallbacks (for
 * backends without the fused projection kernels) and of the closed-form intersections. Each works on one
 * slice in O(n) (expected) time and O(n) memory, computes in float64 and rounds each result to float32 once.
 */
import type { Tensor } from '../tensor/tensor.js';

/** A host copy of `t`'s float32 data (one read). */
export function readHost(t: Tensor): Float32Array {
  return Float32Array.from(t.dataSync() as Float32Array);
}

/** Writes `data` (of `t.size` elements) into `t`'s storage in place (one write). */
export function writeHost(t: Tensor, data: Float32Array): void {
  t.backend.write(t.storage.handle, data);
}

/** Michelot passes before Condat's algorithm takes over (typical slices need a handful). */
const MICHELOT_PASSES = 4;

/**
 * The threshold θ of the simplex projection `max(u - θ, 0)` of `u[0..n)` onto `{ y >= 0, sum(y) = radius }`, in
 * linear time as the backends' fused kernels compute it: Michelot's fixed point `τ ← (Σ_{u > τ} u − radius)/|{u > τ}|`
 * from the lower bound `-radius`, then Condat's algorithm (expected linear time) after `MICHELOT_PASSES` passes.
 * `u` must already have its maximum subtracted (so its largest entry is 0); it is overwritten (scratch).
 */
function simplexThreshold(u: Float64Array, n: number, radius: number): number {
  // NOTE: with the max subtracted first the largest entry is exactly 0, so a radius far below max|x| (1e16 times
  // smaller) is not lost to rounding in `u - radius` and the projection keeps its sum.
  if (radius <= 0) return 0;
  // NOTE: θ = max over k of (sum of the k largest - radius)/k, so -radius is a lower bound, and every set
  // {u > τ} with τ <= θ holds the whole active set.
  // NOTE: the sums run in four lanes by position, combined as (s0 + s2) + (s1 + s3), as the fused kernels add.
  let len = 0;
  const lanes = new Float64Array(4);
  for (let j = 0; j < n; j++) {
    const y = u[j];
    u[len] = y;
    const keep = y > -radius;
    if (keep) len++;
    lanes[j & 3] += keep ? y : 0;
  }
  let sum = lanes[0] + lanes[2] + (lanes[1] + lanes[3]);
  for (let pass = 0; pass < MICHELOT_PASSES; pass++) {
    const t = (sum - radius) / len;
    let kept = 0;
    lanes.fill(0);
    for (let i = 0; i < len; i++) {
      const y = u[i];
      u[kept] = y;
      const keep = y > t;
      if (keep) kept++;
      lanes[i & 3] += keep ? y : 0;
    }
    if (kept === len) return t;
    len = kept;
    sum = lanes[0] + lanes[2] + (lanes[1] + lanes[3]);
  }
  return condatThreshold(u, len, radius);
}

/** Condat's algorithm (Condat 2016) on `u[0..n)` in place: the fallback of `simplexThreshold`. */
function condatThreshold(u: Float64Array, n: number, radius: number): number {
  // NOTE: u[0, old) holds the candidates the first pass set aside, u[old, len) the active list (Condat's ṽ and v
  // in u's own storage: an element is read before any write reaches its index). The list starts empty at
  // threshold -Infinity, so -Infinity entries are never taken.
  let len = 0;
  let old = 0;
  let tau = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < n; j++) {
    const y = u[j];
    if (y > tau) {
      u[len] = y;
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
  let start = old;
  for (let j = old - 1; j >= 0; j--) {
    const y = u[j];
    if (y > tau) {
      start--;
      u[start] = y;
      tau += (y - tau) / (len - start);
    }
  }
  for (;;) {
    const before = len - start;
    let kept = 0;
    for (let i = 0; i < before; i++) {
      const y = u[start + i];
      const rest = before - i - 1 + kept;
      if (y > tau || rest === 0) u[start + kept++] = y;
      else tau += (tau - y) / rest;
    }
    len = start + kept;
    if (kept === before) break;
  }
  // NOTE: the threshold of the final active set from its sum, as the sort-based algorithm computes it.
  let sum = 0;
  for (let i = start; i < len; i++) sum += u[i];
  return (sum - radius) / (len - start);
}

/**
 * Projects `src[start + j·stride]`, j < n, onto `{ y >= 0, sum(y) = radius }` into `dst` (same positions). A
 * slice containing NaN becomes all NaN. `scratch` holds at least `n` doubles.
 */
export function simplexSlice(
  src: Float32Array,
  dst: Float32Array,
  start: number,
  n: number,
  stride: number,
  radius: number,
  scratch: Float64Array,
): void {
  let m = Number.NEGATIVE_INFINITY;
  let nan = false;
  for (let j = 0; j < n; j++) {
    const v = src[start + j * stride];
    if (Number.isNaN(v)) nan = true;
    else if (v > m) m = v;
  }
  if (nan || !Number.isFinite(m)) {
    for (let j = 0; j < n; j++) dst[start + j * stride] = Number.NaN;
    return;
  }
  for (let j = 0; j < n; j++) scratch[j] = src[start + j * stride] - m;
  const theta = simplexThreshold(scratch, n, radius);
  for (let j = 0; j < n; j++) {
    const y = src[start + j * stride] - m - theta;
    dst[start + j * stride] = Math.max(y, 0);
  }
}

/**
 * Projects a slice (as in `simplexSlice`) onto `{ ||y||_1 <= radius }`: a slice whose float64 L1 norm is within
 * the radius is copied bit for bit, the others become `sign(x)·simplex(|x|, radius)`.
 */
export function l1BallSlice(
  src: Float32Array,
  dst: Float32Array,
  start: number,
  n: number,
  stride: number,
  radius: number,
  scratch: Float64Array,
): void {
  let l1 = 0;
  for (let j = 0; j < n; j++) l1 += Math.abs(src[start + j * stride]);
  if (l1 <= radius) {
    for (let j = 0; j < n; j++) dst[start + j * stride] = src[start + j * stride];
    return;
  }
  if (Number.isNaN(l1) || l1 === Number.POSITIVE_INFINITY) {
    for (let j = 0; j < n; j++) dst[start + j * stride] = Number.NaN;
    return;
  }
  let m = 0;
  for (let j = 0; j < n; j++) m = Math.max(m, Math.abs(src[start + j * stride]));
  for (let j = 0; j < n; j++) scratch[j] = Math.abs(src[start + j * stride]) - m;
  const theta = simplexThreshold(scratch, n, radius);
  for (let j = 0; j < n; j++) {
    const v = src[start + j * stride];
    const y = Math.abs(v) - m - theta;
    dst[start + j * stride] = y > 0 ? Math.sign(v) * y : 0;
  }
}

/** How far one guard iteration moves a renorm factor: about half a float32 ulp. */
const NUDGE = 2 ** -24;
const MAX_NUDGES = 64;

/**
 * Scales a slice (as in `simplexSlice`) whose float64 L2 norm lies outside `[lo, hi]` (and is non-zero) by
 * `(rate·clamp(nrm, lo, hi) + (1 - rate)·nrm) / nrm`; other slices are copied bit for bit.
 */
export function renormSlice(
  src: Float32Array,
  dst: Float32Array,
  start: number,
  n: number,
  stride: number,
  lo: number,
  hi: number,
  rate: number,
): void {
  // NOTE: float32 squares and their float64 sums cannot overflow or underflow, so no rescaling is needed.
  let sq = 0;
  for (let j = 0; j < n; j++) sq += src[start + j * stride] ** 2;
  const nrm = Math.sqrt(sq);
  const shrinking = nrm > hi;
  if (!(shrinking || (nrm < lo && nrm > 0))) {
    if (dst !== src) for (let j = 0; j < n; j++) dst[start + j * stride] = src[start + j * stride];
    return;
  }
  const bound = shrinking ? hi : lo;
  const target = rate === 1 ? bound : rate * bound + (1 - rate) * nrm;
  let factor = target / nrm;
  if (rate === 1) {
    // NOTE: rounding each scaled element to float32 can leave the norm a hair past the bound; nudge the factor
    // half an ulp at a time until the rounded norm keeps it, so a norm bound really holds once applied.
    for (let tries = 0; tries < MAX_NUDGES; tries++) {
      let now = 0;
      for (let j = 0; j < n; j++) now += Math.fround(src[start + j * stride] * factor) ** 2;
      now = Math.sqrt(now);
      if (shrinking ? !(now > target) : !(now < target)) break;
      factor *= shrinking ? 1 - NUDGE : 1 + NUDGE;
    }
  }
  for (let j = 0; j < n; j++) dst[start + j * stride] = src[start + j * stride] * factor;
}
