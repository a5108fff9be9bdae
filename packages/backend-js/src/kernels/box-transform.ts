/**
 * The reparametrization of a box `[lo, hi]` and its VJP in one pass (the fused `boxTransform`): each raw value
 * goes to `lo + softplus(r)` (lower bound only), `hi - softplus(-r)` (upper only) or `lo + w·σ(r)` measured from
 * the nearer bound (both), and optionally its gradient `g·T'(r)` (`σ(r)`, `σ(-r)` or `w·σ(r)σ(-r)`). All in double
 * from `t = e^-|r|`, rounded to float32 once; the derivative is rounded to float32 (0 below 2^-100) and the VJP is its float32 product
 * with the gradient. The wasm crate's box_transform.rs is the same formula. Accepts
 * `out === raw` and `grad.out === grad.grad`.
 */

/**
 * Derivatives below this count as 0: an element that deep in a flat tail (raw below about -69) would get a
 * gradient below 2^-100 times the incoming one, mostly subnormal in float32, which slows every float op on it.
 */
const FLAT = 2 ** -100;

/**
 * `out = T(raw)`; with `slope`, `slope[i] = T'(raw[i])` (float32, 0 below 2^-100); with `grad`,
 * `grad.out = grad.grad·T'(raw)` as a float32 product; over `n` elements.
 */
export function boxTransform(
  raw: Float32Array,
  out: Float32Array,
  n: number,
  lo: number,
  hi: number,
  grad: { grad: Float32Array; out: Float32Array } | null,
  slope: Float32Array | null = null,
): void {
  const hasLo = Number.isFinite(lo);
  const hasHi = Number.isFinite(hi);
  const w = hi - lo;
  for (let i = 0; i < n; i++) {
    const r = raw[i];
    const t = Math.exp(-Math.abs(r));
    const inv = 1 / (1 + t);
    // NOTE: s = σ(-|r|) = t/(1+t) and 1 - s = 1/(1+t) are both accurate, whatever the sign of r.
    const s = t * inv;
    let v: number;
    let d: number;
    if (hasLo && hasHi) {
      v = r < 0 ? lo + w * s : hi - w * s;
      d = w * s * inv;
    } else if (hasLo) {
      v = lo + (Math.max(r, 0) + Math.log1p(t));
      d = r < 0 ? s : inv;
    } else if (hasHi) {
      v = hi - (Math.max(-r, 0) + Math.log1p(t));
      d = r < 0 ? inv : s;
    } else {
      v = r;
      d = 1;
    }
    // NOTE: the gradient is read before the value is written, so out may alias grad's buffers only as documented.
    const d32 = d < FLAT ? 0 : Math.fround(d);
    if (slope) slope[i] = d32;
    // NOTE: the product of two float32 values is exact in double, so storing it rounds it as a float32 multiply.
    if (grad) grad.out[i] = grad.grad[i] * d32;
    out[i] = v;
  }
}
