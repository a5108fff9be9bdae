/**
 * Broadcast selection `out = cond ? a : b` for every dtype. `cond` is bool storage (0 or 1). NOTE: the
 * select works on bit patterns (Int32Array views of float32, bytes of bool) with a mask `-cond`, so it is
 * branch-free: a branch on a random mask mispredicts half the time. Bits are copied exactly (NaN, -0).
 */
import type { TypedArray } from '@cp/core/backend';
import { forEachRow3 } from './broadcast.js';

/** Integer storage that holds the same bits as a dtype's storage. */
type Bits = Int32Array | Uint8Array;

/** An integer view over the same bytes (float32 -> Int32Array; int32 and bool as they are). */
function bitsOf(a: TypedArray): Bits {
  return a instanceof Float32Array ? new Int32Array(a.buffer, a.byteOffset, a.length) : a;
}

function whereRow(
  o: Bits,
  oi: number,
  c: Uint8Array,
  ci: number,
  sc: number,
  a: Bits,
  ai: number,
  sa: number,
  b: Bits,
  bi: number,
  sb: number,
  len: number,
): void {
  const end = oi + len;
  if (sc === 1 && sa === 1 && sb === 1) {
    for (; oi < end; oi++, ci++, ai++, bi++) {
      const m = -c[ci];
      o[oi] = (a[ai] & m) | (b[bi] & ~m);
    }
  } else if (sc === 1 && sa === 1 && sb === 0) {
    const y = b[bi];
    for (; oi < end; oi++, ci++, ai++) {
      const m = -c[ci];
      o[oi] = (a[ai] & m) | (y & ~m);
    }
  } else if (sc === 1 && sa === 0 && sb === 1) {
    const x = a[ai];
    for (; oi < end; oi++, ci++, bi++) {
      const m = -c[ci];
      o[oi] = (x & m) | (b[bi] & ~m);
    }
  } else {
    for (; oi < end; oi++, ci += sc, ai += sa, bi += sb) {
      const m = -c[ci];
      o[oi] = (a[ai] & m) | (b[bi] & ~m);
    }
  }
}

/** `out = cond ? a : b` over a broadcast layout; `a`, `b` and `out` share a dtype. */
export function where(
  shape: readonly number[],
  cond: Uint8Array,
  condStrides: readonly number[],
  a: TypedArray,
  aStrides: readonly number[],
  b: TypedArray,
  bStrides: readonly number[],
  out: TypedArray,
): void {
  forEachRow3(shape, condStrides, aStrides, bStrides, whereRow, bitsOf(out), cond, bitsOf(a), bitsOf(b));
}
