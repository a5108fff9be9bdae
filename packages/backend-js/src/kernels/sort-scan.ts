/**
 * `scan` (inclusive running sum or product along the middle axis of `[outer, size, inner]`) and `argsort`
 * (the stable sorting permutation of each contiguous row, NaN greatest, `-0` equal to `0`).
 */
import type { ScanOp, TypedArray } from '@cp/core/backend';

/** `out[o, s, i] = x[o, 0, i] op ... op x[o, s, i]`; float32 rounds after each step, int32 wraps. */
export function scan(op: ScanOp, x: TypedArray, out: TypedArray, outer: number, size: number, inner: number): void {
  const int = out instanceof Int32Array;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let at = o * size * inner + i;
      let acc = op === 'sum' ? 0 : 1;
      for (let s = 0; s < size; s++, at += inner) {
        const v = x[at];
        if (op === 'sum') acc = int ? (acc + v) | 0 : Math.fround(acc + v);
        else acc = int ? Math.imul(acc, v) : Math.fround(acc * v);
        out[at] = acc;
      }
    }
  }
}

/** Positions of each row of `x` (`rows x cols`) in sorted order into `out`; ties keep increasing positions. */
export function argsort(x: TypedArray, out: Int32Array, rows: number, cols: number, descending: boolean): void {
  const sign = descending ? -1 : 1;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const order = Array.from({ length: cols }, (_, c) => c);
    order.sort((a, b) => {
      const va = x[base + a];
      const vb = x[base + b];
      // NOTE: NaN is the greatest value; comparing numerically makes -0 equal to 0.
      const na = Number.isNaN(va);
      const nb = Number.isNaN(vb);
      const cmp = na || nb ? (na ? 1 : 0) - (nb ? 1 : 0) : va < vb ? -1 : va > vb ? 1 : 0;
      return cmp !== 0 ? sign * cmp : a - b;
    });
    for (let c = 0; c < cols; c++) out[base + c] = order[c];
  }
}
