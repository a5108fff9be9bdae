/**
 * Broadcast comparisons into a bool (0/1) output, for every dtype. JS comparison already gives the
 * contract's NaN rule: any NaN operand compares false, except `ne`, which is true; -0 equals +0.
 */
import type { CompareOp, TypedArray } from '@cp/core/backend';
import { forEachRow2, type Row2 } from './broadcast.js';

function eqRow(
  o: Uint8Array,
  oi: number,
  a: TypedArray,
  ai: number,
  sa: number,
  b: TypedArray,
  bi: number,
  sb: number,
  len: number,
): void {
  const end = oi + len;
  if (sa === 1 && sb === 1) {
    for (; oi < end; oi++, ai++, bi++) o[oi] = +(a[ai] === b[bi]);
  } else if (sb === 0) {
    const y = b[bi];
    for (; oi < end; oi++, ai += sa) o[oi] = +(a[ai] === y);
  } else if (sa === 0) {
    const x = a[ai];
    for (; oi < end; oi++, bi += sb) o[oi] = +(x === b[bi]);
  } else {
    for (; oi < end; oi++, ai += sa, bi += sb) o[oi] = +(a[ai] === b[bi]);
  }
}

function neRow(
  o: Uint8Array,
  oi: number,
  a: TypedArray,
  ai: number,
  sa: number,
  b: TypedArray,
  bi: number,
  sb: number,
  len: number,
): void {
  const end = oi + len;
  if (sa === 1 && sb === 1) {
    for (; oi < end; oi++, ai++, bi++) o[oi] = +(a[ai] !== b[bi]);
  } else if (sb === 0) {
    const y = b[bi];
    for (; oi < end; oi++, ai += sa) o[oi] = +(a[ai] !== y);
  } else if (sa === 0) {
    const x = a[ai];
    for (; oi < end; oi++, bi += sb) o[oi] = +(x !== b[bi]);
  } else {
    for (; oi < end; oi++, ai += sa, bi += sb) o[oi] = +(a[ai] !== b[bi]);
  }
}

function ltRow(
  o: Uint8Array,
  oi: number,
  a: TypedArray,
  ai: number,
  sa: number,
  b: TypedArray,
  bi: number,
  sb: number,
  len: number,
): void {
  const end = oi + len;
  if (sa === 1 && sb === 1) {
    for (; oi < end; oi++, ai++, bi++) o[oi] = +(a[ai] < b[bi]);
  } else if (sb === 0) {
    const y = b[bi];
    for (; oi < end; oi++, ai += sa) o[oi] = +(a[ai] < y);
  } else if (sa === 0) {
    const x = a[ai];
    for (; oi < end; oi++, bi += sb) o[oi] = +(x < b[bi]);
  } else {
    for (; oi < end; oi++, ai += sa, bi += sb) o[oi] = +(a[ai] < b[bi]);
  }
}

function leRow(
  o: Uint8Array,
  oi: number,
  a: TypedArray,
  ai: number,
  sa: number,
  b: TypedArray,
  bi: number,
  sb: number,
  len: number,
): void {
  const end = oi + len;
  if (sa === 1 && sb === 1) {
    for (; oi < end; oi++, ai++, bi++) o[oi] = +(a[ai] <= b[bi]);
  } else if (sb === 0) {
    const y = b[bi];
    for (; oi < end; oi++, ai += sa) o[oi] = +(a[ai] <= y);
  } else if (sa === 0) {
    const x = a[ai];
    for (; oi < end; oi++, bi += sb) o[oi] = +(x <= b[bi]);
  } else {
    for (; oi < end; oi++, ai += sa, bi += sb) o[oi] = +(a[ai] <= b[bi]);
  }
}

function gtRow(
  o: Uint8Array,
  oi: number,
  a: TypedArray,
  ai: number,
  sa: number,
  b: TypedArray,
  bi: number,
  sb: number,
  len: number,
): void {
  const end = oi + len;
  if (sa === 1 && sb === 1) {
    for (; oi < end; oi++, ai++, bi++) o[oi] = +(a[ai] > b[bi]);
  } else if (sb === 0) {
    const y = b[bi];
    for (; oi < end; oi++, ai += sa) o[oi] = +(a[ai] > y);
  } else if (sa === 0) {
    const x = a[ai];
    for (; oi < end; oi++, bi += sb) o[oi] = +(x > b[bi]);
  } else {
    for (; oi < end; oi++, ai += sa, bi += sb) o[oi] = +(a[ai] > b[bi]);
  }
}

function geRow(
  o: Uint8Array,
  oi: number,
  a: TypedArray,
  ai: number,
  sa: number,
  b: TypedArray,
  bi: number,
  sb: number,
  len: number,
): void {
  const end = oi + len;
  if (sa === 1 && sb === 1) {
    for (; oi < end; oi++, ai++, bi++) o[oi] = +(a[ai] >= b[bi]);
  } else if (sb === 0) {
    const y = b[bi];
    for (; oi < end; oi++, ai += sa) o[oi] = +(a[ai] >= y);
  } else if (sa === 0) {
    const x = a[ai];
    for (; oi < end; oi++, bi += sb) o[oi] = +(x >= b[bi]);
  } else {
    for (; oi < end; oi++, ai += sa, bi += sb) o[oi] = +(a[ai] >= b[bi]);
  }
}

/** Row functions of the comparisons. */
const ROWS: Readonly<Record<CompareOp, Row2<Uint8Array, TypedArray, TypedArray>>> = {
  eq: eqRow,
  ne: neRow,
  lt: ltRow,
  le: leRow,
  gt: gtRow,
  ge: geRow,
};

/** `out = a op b` (1 or 0) over a broadcast layout; `a` and `b` share a dtype. */
export function compare(
  op: CompareOp,
  shape: readonly number[],
  a: TypedArray,
  aStrides: readonly number[],
  b: TypedArray,
  bStrides: readonly number[],
  out: Uint8Array,
): void {
  forEachRow2(shape, aStrides, bStrides, ROWS[op], out, a, b);
}
