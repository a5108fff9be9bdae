/**
 * The float64 scalar functions of the binary ops that have no JavaScript operator of their own (atan2,
 * fmod, remainder, logaddexp), as PyTorch computes them, and one generic row function that applies any of
 * them over a broadcast row. The Float32Array store rounds once.
 */
import type { Row2 } from './broadcast.js';

/** C's fmod: `a - trunc(a / b) * b`, exact, with the sign of `a`. JavaScript's `%` is exactly this. */
export const fmod = (a: number, b: number): number => a % b;

/**
 * Python's `%` as PyTorch computes it: `fmod`, moved by `b` when the signs differ. NOTE: a zero result keeps
 * the sign fmod gave it (`remainder(-0, 3) = -0`), as in PyTorch.
 */
export function remainder(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/**
 * `log(e^a + e^b)` as `max + log1p(e^-|a - b|)`, which neither overflows nor underflows. NOTE: two equal
 * infinities give that infinity (the difference would be NaN), as in PyTorch.
 */
export function logaddexp(a: number, b: number): number {
  if (a === b && (a === Infinity || a === -Infinity)) return a;
  const m = Math.max(a, b);
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/** A float32 row function for a scalar function `fn`, with the same stride cases as the hand-written rows. */
export function mathRow(fn: (a: number, b: number) => number): Row2<Float32Array, Float32Array, Float32Array> {
  return (o, oi, a, ai, sa, b, bi, sb, len) => {
    const end = oi + len;
    if (sb === 0) {
      const y = b[bi];
      for (; oi < end; oi++, ai += sa) o[oi] = fn(a[ai], y);
    } else {
      for (; oi < end; oi++, ai += sa, bi += sb) o[oi] = fn(a[ai], b[bi]);
    }
  };
}
