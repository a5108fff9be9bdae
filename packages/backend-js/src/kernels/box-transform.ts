/**
 * The reparametrization of a box `[lo, hi]` and its VJP in one pass (the fused `boxTransform`): each raw value
 * goes to `lo + softplus(r)` (lower bound only), `hi - softplus(-r)` (upper only) or `lo + w·σ(r)` measured from
 * the nearer bound (both), and optionally its gradient `g·T'(r)` (`σ(r)`, `σ(-r)` or `w·σ(r)σ(-r)`). All in double
 * from `t = e^-|r|`, rounded to float32 once (a gradient below the smallest normal float32 becomes ±0); the wasm crate's box_transform.rs is the same formula. Accepts
 * `out === raw` and `grad.out === grad.grad`.
 */

/** The smallest normal float32, 2^-126. */
const MIN_NORMAL = 2 ** -126;

/** `out = T(raw)` and, with `grad`, `grad.out = grad.grad·T'(raw)`, over `n` elements. */
export function boxTransform(
  raw: Float32Array,
  out: Float32Array,
  n: number,
  lo: number,
  hi: number,
  grad: { grad: Float32Array; out: Float32Array } | null,
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
    if (grad) {
      const g = grad.grad[i] * d;
      // NOTE: a subnormal float32 gradient is worthless to an optimizer and slow in float32 arithmetic; the wasm
      // kernel flushes it for speed, and this one does the same so both backends agree.
      grad.out[i] = Math.abs(g) < MIN_NORMAL ? 0 : g;
    }
    out[i] = v;
  }
}
