/**
 * Dtype conversion. float32 -> int32 truncates toward zero and saturates (a plain Int32Array store
 * would wrap), NaN becomes 0; anything -> bool is `x != 0` with NaN true; bool -> number is 0 or 1.
 */
import type { DType, TypedArray } from '@cp/core/backend';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** A number converted to int32: truncated toward zero, saturated, NaN -> 0. */
export function toInt32Saturating(v: number): number {
  if (Number.isNaN(v)) return 0;
  if (v >= INT32_MAX) return INT32_MAX;
  if (v <= INT32_MIN) return INT32_MIN;
  return Math.trunc(v);
}

/** A number converted to bool storage: 1 when `v != 0` (NaN included), else 0. */
export function toBool(v: number): number {
  return v !== 0 ? 1 : 0;
}

/** A number converted to what storing it in `dtype` means under the cast rules. */
export function castScalar(v: number, dtype: DType): number {
  if (dtype === 'int32') return toInt32Saturating(v);
  if (dtype === 'bool') return toBool(v);
  return v;
}

/** `out[i] = cast(x[i])` for i < n, from dtype `from` to dtype `to`. */
export function cast(x: TypedArray, from: DType, to: DType, out: TypedArray, n: number): void {
  if (from === to || from === 'bool' || (from === 'int32' && to === 'float32')) {
    // Same dtype, 0/1 into a number type, or int32 -> float32 (the store rounds to nearest): a plain copy.
    if (n === x.length && n === out.length) out.set(x);
    else for (let i = 0; i < n; i++) out[i] = x[i];
    return;
  }
  if (to === 'bool') {
    for (let i = 0; i < n; i++) out[i] = x[i] !== 0 ? 1 : 0;
    return;
  }
  // float32 -> int32
  for (let i = 0; i < n; i++) {
    const v = x[i];
    // NOTE: NaN fails both comparisons and the ternary maps it to 0; the Int32Array store truncates.
    out[i] = v >= INT32_MAX ? INT32_MAX : v <= INT32_MIN ? INT32_MIN : Number.isNaN(v) ? 0 : v;
  }
}
