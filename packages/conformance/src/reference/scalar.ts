/**
 * Scalar semantics of the kernel contract, in float64, one function per rule: NaN-propagating max/min,
 * saturating casts, int32 wrap-around, IEEE pow, erf. The reference kernels apply these per element and
 * round once to the output dtype, so each rule is written (and reviewed) exactly once.
 */

/** Rounds to the nearest float32 (ties to even). */
export const f32 = Math.fround;

/** Wraps an integer-valued number to int32 (two's complement). */
export const wrapI32 = (v: number): number => v | 0;

// NOTE: a plain JS `Int32Array` store wraps modulo 2^32; the contract saturates, and NaN becomes 0.
/** float -> int32: truncates toward zero, saturates at the int32 range, NaN -> 0. */
export function saturateI32(v: number): number {
  if (Number.isNaN(v)) return 0;
  if (v >= 2147483647) return 2147483647;
  if (v <= -2147483648) return -2147483648;
  return Math.trunc(v) | 0;
}

/** anything -> bool: `x != 0` (NaN is true). */
export const toBool = (v: number): number => (v !== 0 ? 1 : 0);

// NOTE: max(-0, +0) = +0 and min(-0, +0) = -0 whichever side each zero is on; NaN propagates.
/** Elementwise max: NaN if either operand is NaN; +0 beats -0. */
export function maxNaN(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.NaN;
  if (a === 0 && b === 0) return Object.is(a, -0) ? b : a;
  return Math.max(a, b);
}

/** Elementwise min: NaN if either operand is NaN; -0 beats +0. */
export function minNaN(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.NaN;
  if (a === 0 && b === 0) return Object.is(a, -0) ? a : b;
  return Math.min(a, b);
}

// NOTE: JS Math.pow departs from IEEE 754 / C99 / PyTorch in two corners: pow(1, NaN) and pow(±1, ±Inf).
// The contract follows IEEE (the result is 1), as Rust's powf, C and PyTorch do.
/** `a ** b` with IEEE 754 special cases. */
export function powIeee(a: number, b: number): number {
  if (b === 0 || a === 1) return 1;
  if (a === -1 && (b === Number.POSITIVE_INFINITY || b === Number.NEGATIVE_INFINITY)) return 1;
  return a ** b;
}

/** `sign(x)`: -1, 0 or 1; NaN stays NaN. */
export function signOf(x: number): number {
  if (Number.isNaN(x)) return x;
  return x > 0 ? 1 : x < 0 ? -1 : x;
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * erf in float64 to about 1e-15 relative. Written independently of any backend: the all-positive series
 * `erf(x) = 2/sqrt(pi) · e^(-x²) · Σ_n (2x²)^n x / (1·3·…·(2n+1))` has no cancellation, and for |x| >= 6
 * erf is 1 in float64.
 */
export function erf64(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x === 0) return x;
  const ax = Math.abs(x);
  if (ax >= 6) return Math.sign(x);
  const y = 2 * ax * ax;
  let term = ax;
  let sum = ax;
  for (let n = 1; n < 400; n++) {
    term *= y / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  const r = TWO_OVER_SQRT_PI * Math.exp(-ax * ax) * sum;
  return x < 0 ? -r : r;
}

/** The logistic function in float64, without overflow for large |x|. */
export function sigmoid64(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** C's fmod, `a - trunc(a / b) * b` exactly, with the sign of `a` (JavaScript's `%` is exactly this). */
export const fmod64 = (a: number, b: number): number => a % b;

/** Python's `%` as PyTorch computes it: fmod, moved by `b` when its sign differs from `b`'s (zero kept). */
export function remainder64(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/** `log(e^a + e^b)`: equal infinities give themselves, otherwise `max + log1p(e^-|a - b|)`. */
export function logaddexp64(a: number, b: number): number {
  if (a === b && !Number.isFinite(a) && !Number.isNaN(a)) return a;
  return Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b)));
}
