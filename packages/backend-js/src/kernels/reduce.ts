/**
 * Reductions over the middle axis of an `[outer, size, inner]` view. Float sums and products
 * accumulate in float64 in sequential order and round once; max/min propagate NaN (Math.max does,
 * and gives max(-0, +0) = +0). When inner > 1 the rows are walked contiguously into a scratch row.
 */
import type { ArgReduceOp, ReduceOp, TypedArray } from '@cp/core/backend';

/** The identity of each reduction (the result of an empty one) in float32. */
const F32_INIT: { readonly [P in ReduceOp]: number } = { sum: 0, prod: 1, max: -Infinity, min: Infinity };
/** The identity of each reduction in int32. */
const I32_INIT: { readonly [P in ReduceOp]: number } = { sum: 0, prod: 1, max: -2147483648, min: 2147483647 };

/** The exhaustiveness check of the reduce switches: a new `ReduceOp` fails to compile here. */
function unknownOp(op: never): never {
  throw new Error(`js backend: reduce op '${String(op)}' has no kernel`);
}

/** `out[o, i] = op over s of x[o, s, i]` for float32 (and bool, whose 0/1 values reduce the same way). */
export function reduceFloat(
  op: ReduceOp,
  x: TypedArray,
  out: TypedArray,
  outer: number,
  size: number,
  inner: number,
): void {
  // NOTE: size 0 gives the identity: 0 for sum, 1 for prod, -Infinity / +Infinity for max / min.
  const init = F32_INIT[op];
  if (inner === 1) {
    for (let o = 0, base = 0; o < outer; o++, base += size) {
      const end = base + size;
      let acc = init;
      switch (op) {
        case 'sum':
          for (let j = base; j < end; j++) acc += x[j];
          break;
        case 'prod':
          for (let j = base; j < end; j++) acc *= x[j];
          break;
        case 'max':
          for (let j = base; j < end; j++) acc = Math.max(acc, x[j]);
          break;
        case 'min':
          for (let j = base; j < end; j++) acc = Math.min(acc, x[j]);
          break;
        default:
          unknownOp(op);
      }
      out[o] = acc;
    }
    return;
  }
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(init);
    let j = o * size * inner;
    for (let s = 0; s < size; s++) {
      switch (op) {
        case 'sum':
          for (let i = 0; i < inner; i++, j++) acc[i] += x[j];
          break;
        case 'prod':
          for (let i = 0; i < inner; i++, j++) acc[i] *= x[j];
          break;
        case 'max':
          for (let i = 0; i < inner; i++, j++) acc[i] = Math.max(acc[i], x[j]);
          break;
        case 'min':
          for (let i = 0; i < inner; i++, j++) acc[i] = Math.min(acc[i], x[j]);
          break;
        default:
          unknownOp(op);
      }
    }
    const ob = o * inner;
    for (let i = 0; i < inner; i++) out[ob + i] = acc[i];
  }
}

/** `out[o, i] = op over s of x[o, s, i]` for int32: sum and prod wrap like Int32 arithmetic. */
export function reduceI32(
  op: ReduceOp,
  x: Int32Array,
  out: Int32Array,
  outer: number,
  size: number,
  inner: number,
): void {
  const init = I32_INIT[op];
  const acc = new Int32Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(init);
    let j = o * size * inner;
    for (let s = 0; s < size; s++) {
      switch (op) {
        case 'sum':
          for (let i = 0; i < inner; i++, j++) acc[i] = (acc[i] + x[j]) | 0;
          break;
        case 'prod':
          for (let i = 0; i < inner; i++, j++) acc[i] = Math.imul(acc[i], x[j]);
          break;
        case 'max':
          for (let i = 0; i < inner; i++, j++) if (x[j] > acc[i]) acc[i] = x[j];
          break;
        case 'min':
          for (let i = 0; i < inner; i++, j++) if (x[j] < acc[i]) acc[i] = x[j];
          break;
        default:
          unknownOp(op);
      }
    }
    out.set(acc, o * inner);
  }
}

/** Whether each arg-reduction looks for the largest element (a new `ArgReduceOp` fails to compile here). */
const IS_MAX: { readonly [P in ArgReduceOp]: boolean } = { argmax: true, argmin: false };

/**
 * `out[o, i]` = the index along the middle axis of the largest (argmax) or smallest (argmin) element;
 * ties go to the first index, and the first NaN counts as the extreme. `size >= 1`.
 */
export function argReduce(
  op: ArgReduceOp,
  x: TypedArray,
  out: Int32Array,
  outer: number,
  size: number,
  inner: number,
): void {
  const best = new Float64Array(inner);
  const bestAt = new Int32Array(inner);
  const max = IS_MAX[op];
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    for (let i = 0; i < inner; i++) best[i] = x[base + i];
    bestAt.fill(0);
    let j = base + inner;
    for (let s = 1; s < size; s++) {
      if (max) {
        for (let i = 0; i < inner; i++, j++) {
          const v = x[j];
          const b = best[i];
          // NOTE: once best is NaN nothing replaces it; a NaN v replaces any non-NaN best.
          if (v > b || (Number.isNaN(v) && !Number.isNaN(b))) {
            best[i] = v;
            bestAt[i] = s;
          }
        }
      } else {
        for (let i = 0; i < inner; i++, j++) {
          const v = x[j];
          const b = best[i];
          if (v < b || (Number.isNaN(v) && !Number.isNaN(b))) {
            best[i] = v;
            bestAt[i] = s;
          }
        }
      }
    }
    out.set(bestAt, o * inner);
  }
}
