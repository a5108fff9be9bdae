/**
 * Conversions of JS numbers into the bit patterns the kernels take for scalars and fill values, with the
 * cast semantics of the contract (float32 rounds to nearest; int32 truncates and saturates, NaN -> 0; bool is
 * `x != 0`, so NaN -> 1).
 */
import type { DType } from '@cp/core/backend';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float32 bit pattern of `x` rounded to float32. */
export function f32Bits(x: number): number {
  f32[0] = x;
  return u32[0];
}

/** `x` cast to int32: truncated toward zero, saturated, NaN -> 0. */
export function toInt32(x: number): number {
  if (Number.isNaN(x)) return 0;
  if (x >= 2147483647) return 2147483647;
  if (x <= -2147483648) return -2147483648;
  return Math.trunc(x) | 0;
}

/** The 32-bit pattern (float32, int32) or byte (bool) of `x` in `dtype`. */
export function scalarBits(x: number, dtype: DType): number {
  switch (dtype) {
    case 'float32':
      return f32Bits(x);
    case 'int32':
      return toInt32(x);
    case 'bool':
      return x !== 0 ? 1 : 0;
  }
}
