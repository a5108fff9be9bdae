/**
 * Gather along the middle axis of an `[outer, size, inner]` view, and its adjoint scatter-add. The
 * index tensor is read through strides `[s0, s1, s2]`; when s2 is 0 (indexSelect) one index selects
 * a whole contiguous inner row.
 */
import type { TypedArray } from '@cp/core/backend';

/** `out[o, c, i] = x[o, index[o·s0 + c·s1 + i·s2], i]`; out is `[outer, count, inner]`. */
export function gather(
  x: TypedArray,
  index: Int32Array,
  out: TypedArray,
  outer: number,
  size: number,
  inner: number,
  count: number,
  indexStrides: readonly [number, number, number],
): void {
  const [s0, s1, s2] = indexStrides;
  let oi = 0;
  for (let o = 0; o < outer; o++) {
    const xBase = o * size * inner;
    for (let c = 0, ii = o * s0; c < count; c++, ii += s1) {
      if (s2 === 0) {
        const from = xBase + index[ii] * inner;
        for (let i = 0; i < inner; i++, oi++) out[oi] = x[from + i];
      } else {
        for (let i = 0, ij = ii; i < inner; i++, oi++, ij += s2) out[oi] = x[xBase + index[ij] * inner + i];
      }
    }
  }
}

/**
 * `out[o, index[o·s0 + c·s1 + i·s2], i] += src[o, c, i]`, in sequential order (float32 rounds after each
 * add; int32 wraps). `out` is pre-filled by the caller.
 */
export function scatterAdd(
  src: TypedArray,
  index: Int32Array,
  out: TypedArray,
  outer: number,
  size: number,
  inner: number,
  count: number,
  indexStrides: readonly [number, number, number],
): void {
  const [s0, s1, s2] = indexStrides;
  const wrap = out instanceof Int32Array;
  let si = 0;
  for (let o = 0; o < outer; o++) {
    const oBase = o * size * inner;
    for (let c = 0, ii = o * s0; c < count; c++, ii += s1) {
      for (let i = 0, ij = ii; i < inner; i++, si++, ij += s2) {
        const at = oBase + index[ij] * inner + i;
        out[at] = wrap ? (out[at] + src[si]) | 0 : out[at] + src[si];
      }
    }
  }
}
