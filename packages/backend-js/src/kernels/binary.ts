/**
 * Broadcast binary elementwise ops (the scalar forms are in binary-scalar.ts). Each op has one row function with
 * unit-stride, scalar-operand and strided loops; `forEachRow2` walks the outer dims. float32 rounds
 * once per element at the store; int32 add/sub/mul wrap like Int32 arithmetic.
 */
import type { BinaryOp } from '@cp/core/backend';
import { UnsupportedDTypeError } from '../errors.js';
import { fmod, logaddexp, mathRow, remainder } from './binary-math.js';
import { forEachRow2, type Row2 } from './broadcast.js';

function addF32(
  o: Float32Array,
  oi: number,
  a: Float32Array,
  ai: number,
  sa: number,
  b: Float32Array,
  bi: number,
  sb: number,
  len: number,
): void {
  const end = oi + len;
  if (sa === 1 && sb === 1) {
    for (; oi < end; oi++, ai++, bi++) o[oi] = a[ai] + b[bi];
  } else if (sb === 0) {
    const y = b[bi];
    for (; oi < end; oi++, ai += sa) o[oi] = a[ai] + y;
  } else if (sa === 0) {
    const x = a[ai];
    for (; oi < end; oi++, bi += sb) o[oi] = x + b[bi];
  } else {
    for (; oi < end; oi++, ai += sa, bi += sb) o[oi] = a[ai] + b[bi];
  }
}

function subF32(
  o: Float32Array,
  oi: number,
  a: Float32Array,
  ai: number,
  sa: number,
  b: Float32Array,
  bi: number,
  sb: number,
  len: number,
): void {
  const end = oi + len;
  if (sa === 1 && sb === 1) {
    for (; oi < end; oi++, ai++, bi++) o[oi] = a[ai] - b[bi];
  } else if (sb === 0) {
    const y = b[bi];
    for (; oi < end; oi++, ai += sa) o[oi] = a[ai] - y;
  } else if (sa === 0) {
    const x = a[ai];
    for (; oi < end; oi++, bi += sb) o[oi] = x - b[bi];
  } else {
    for (; oi < end; oi++, ai += sa, bi += sb) o[oi] = a[ai] - b[bi];
  }
}

function mulF32(
  o: Float32Array,
  oi: number,
  a: Float32Array,
  ai: number,
  sa: number,
  b: Float32Array,
  bi: number,
  sb: number,
  len: number,
): void {
  const end = oi + len;
  if (sa === 1 && sb === 1) {
    for (; oi < end; oi++, ai++, bi++) o[oi] = a[ai] * b[bi];
  } else if (sb === 0) {
    const y = b[bi];
    for (; oi < end; oi++, ai += sa) o[oi] = a[ai] * y;
  } else if (sa === 0) {
    const x = a[ai];
    for (; oi < end; oi++, bi += sb) o[oi] = x * b[bi];
  } else {
    for (; oi < end; oi++, ai += sa, bi += sb) o[oi] = a[ai] * b[bi];
  }
}

function divF32(
  o: Float32Array,
  oi: number,
  a: Float32Array,
  ai: number,
  sa: number,
  b: Float32Array,
  bi: number,
  sb: number,
  len: number,
): void {
  const end = oi + len;
  if (sa === 1 && sb === 1) {
    for (; oi < end; oi++, ai++, bi++) o[oi] = a[ai] / b[bi];
  } else if (sb === 0) {
    const y = b[bi];
    for (; oi < end; oi++, ai += sa) o[oi] = a[ai] / y;
  } else if (sa === 0) {
    const x = a[ai];
    for (; oi < end; oi++, bi += sb) o[oi] = x / b[bi];
  } else {
    for (; oi < end; oi++, ai += sa, bi += sb) o[oi] = a[ai] / b[bi];
  }
}

/**
 * `x ** y` with C's/IEEE 754's special cases, which JavaScript's `**` does not follow: `pow(1, y) = 1` and
 * `pow(-1, ±Infinity) = 1` even for NaN or infinite `y` (the other backends and PyTorch agree with C).
 */
export function powIeee(x: number, y: number): number {
  if (x === 1 || (x === -1 && (y === Infinity || y === -Infinity))) return 1;
  return x ** y;
}

function powF32(
  o: Float32Array,
  oi: number,
  a: Float32Array,
  ai: number,
  sa: number,
  b: Float32Array,
  bi: number,
  sb: number,
  len: number,
): void {
  const end = oi + len;
  if (sa === 1 && sb === 1) {
    for (; oi < end; oi++, ai++, bi++) o[oi] = powIeee(a[ai], b[bi]);
  } else if (sb === 0) {
    const y = b[bi];
    for (; oi < end; oi++, ai += sa) o[oi] = powIeee(a[ai], y);
  } else if (sa === 0) {
    const x = a[ai];
    for (; oi < end; oi++, bi += sb) o[oi] = powIeee(x, b[bi]);
  } else {
    for (; oi < end; oi++, ai += sa, bi += sb) o[oi] = powIeee(a[ai], b[bi]);
  }
}

function maxF32(
  o: Float32Array,
  oi: number,
  a: Float32Array,
  ai: number,
  sa: number,
  b: Float32Array,
  bi: number,
  sb: number,
  len: number,
): void {
  const end = oi + len;
  if (sa === 1 && sb === 1) {
    for (; oi < end; oi++, ai++, bi++) o[oi] = Math.max(a[ai], b[bi]);
  } else if (sb === 0) {
    const y = b[bi];
    for (; oi < end; oi++, ai += sa) o[oi] = Math.max(a[ai], y);
  } else if (sa === 0) {
    const x = a[ai];
    for (; oi < end; oi++, bi += sb) o[oi] = Math.max(x, b[bi]);
  } else {
    for (; oi < end; oi++, ai += sa, bi += sb) o[oi] = Math.max(a[ai], b[bi]);
  }
}

function minF32(
  o: Float32Array,
  oi: number,
  a: Float32Array,
  ai: number,
  sa: number,
  b: Float32Array,
  bi: number,
  sb: number,
  len: number,
): void {
  const end = oi + len;
  if (sa === 1 && sb === 1) {
    for (; oi < end; oi++, ai++, bi++) o[oi] = Math.min(a[ai], b[bi]);
  } else if (sb === 0) {
    const y = b[bi];
    for (; oi < end; oi++, ai += sa) o[oi] = Math.min(a[ai], y);
  } else if (sa === 0) {
    const x = a[ai];
    for (; oi < end; oi++, bi += sb) o[oi] = Math.min(x, b[bi]);
  } else {
    for (; oi < end; oi++, ai += sa, bi += sb) o[oi] = Math.min(a[ai], b[bi]);
  }
}

function addI32(
  o: Int32Array,
  oi: number,
  a: Int32Array,
  ai: number,
  sa: number,
  b: Int32Array,
  bi: number,
  sb: number,
  len: number,
): void {
  const end = oi + len;
  if (sa === 1 && sb === 1) {
    for (; oi < end; oi++, ai++, bi++) o[oi] = (a[ai] + b[bi]) | 0;
  } else if (sb === 0) {
    const y = b[bi];
    for (; oi < end; oi++, ai += sa) o[oi] = (a[ai] + y) | 0;
  } else if (sa === 0) {
    const x = a[ai];
    for (; oi < end; oi++, bi += sb) o[oi] = (x + b[bi]) | 0;
  } else {
    for (; oi < end; oi++, ai += sa, bi += sb) o[oi] = (a[ai] + b[bi]) | 0;
  }
}

function subI32(
  o: Int32Array,
  oi: number,
  a: Int32Array,
  ai: number,
  sa: number,
  b: Int32Array,
  bi: number,
  sb: number,
  len: number,
): void {
  const end = oi + len;
  if (sa === 1 && sb === 1) {
    for (; oi < end; oi++, ai++, bi++) o[oi] = (a[ai] - b[bi]) | 0;
  } else if (sb === 0) {
    const y = b[bi];
    for (; oi < end; oi++, ai += sa) o[oi] = (a[ai] - y) | 0;
  } else if (sa === 0) {
    const x = a[ai];
    for (; oi < end; oi++, bi += sb) o[oi] = (x - b[bi]) | 0;
  } else {
    for (; oi < end; oi++, ai += sa, bi += sb) o[oi] = (a[ai] - b[bi]) | 0;
  }
}

function mulI32(
  o: Int32Array,
  oi: number,
  a: Int32Array,
  ai: number,
  sa: number,
  b: Int32Array,
  bi: number,
  sb: number,
  len: number,
): void {
  const end = oi + len;
  if (sa === 1 && sb === 1) {
    for (; oi < end; oi++, ai++, bi++) o[oi] = Math.imul(a[ai], b[bi]);
  } else if (sb === 0) {
    const y = b[bi];
    for (; oi < end; oi++, ai += sa) o[oi] = Math.imul(a[ai], y);
  } else if (sa === 0) {
    const x = a[ai];
    for (; oi < end; oi++, bi += sb) o[oi] = Math.imul(x, b[bi]);
  } else {
    for (; oi < end; oi++, ai += sa, bi += sb) o[oi] = Math.imul(a[ai], b[bi]);
  }
}

function maxI32(
  o: Int32Array,
  oi: number,
  a: Int32Array,
  ai: number,
  sa: number,
  b: Int32Array,
  bi: number,
  sb: number,
  len: number,
): void {
  const end = oi + len;
  if (sa === 1 && sb === 1) {
    for (; oi < end; oi++, ai++, bi++) o[oi] = Math.max(a[ai], b[bi]);
  } else if (sb === 0) {
    const y = b[bi];
    for (; oi < end; oi++, ai += sa) o[oi] = Math.max(a[ai], y);
  } else if (sa === 0) {
    const x = a[ai];
    for (; oi < end; oi++, bi += sb) o[oi] = Math.max(x, b[bi]);
  } else {
    for (; oi < end; oi++, ai += sa, bi += sb) o[oi] = Math.max(a[ai], b[bi]);
  }
}

function minI32(
  o: Int32Array,
  oi: number,
  a: Int32Array,
  ai: number,
  sa: number,
  b: Int32Array,
  bi: number,
  sb: number,
  len: number,
): void {
  const end = oi + len;
  if (sa === 1 && sb === 1) {
    for (; oi < end; oi++, ai++, bi++) o[oi] = Math.min(a[ai], b[bi]);
  } else if (sb === 0) {
    const y = b[bi];
    for (; oi < end; oi++, ai += sa) o[oi] = Math.min(a[ai], y);
  } else if (sa === 0) {
    const x = a[ai];
    for (; oi < end; oi++, bi += sb) o[oi] = Math.min(x, b[bi]);
  } else {
    for (; oi < end; oi++, ai += sa, bi += sb) o[oi] = Math.min(a[ai], b[bi]);
  }
}

/** Row functions of float32 binary ops. */
const F32_ROWS: { readonly [P in BinaryOp]: Row2<Float32Array, Float32Array, Float32Array> } = {
  add: addF32,
  sub: subF32,
  mul: mulF32,
  div: divF32,
  pow: powF32,
  max: maxF32,
  min: minF32,
  atan2: mathRow(Math.atan2),
  fmod: mathRow(fmod),
  remainder: mathRow(remainder),
  logaddexp: mathRow(logaddexp),
};

/** Row functions of int32 binary ops; `null` marks the float32-only ops (a new op must choose). */
const I32_ROWS: { readonly [P in BinaryOp]: Row2<Int32Array, Int32Array, Int32Array> | null } = {
  add: addI32,
  sub: subI32,
  mul: mulI32,
  div: null,
  pow: null,
  max: maxI32,
  min: minI32,
  atan2: null,
  fmod: null,
  remainder: null,
  logaddexp: null,
};

/** `out = a op b` over a broadcast layout, float32. */
export function binaryF32(
  op: BinaryOp,
  shape: readonly number[],
  a: Float32Array,
  aStrides: readonly number[],
  b: Float32Array,
  bStrides: readonly number[],
  out: Float32Array,
): void {
  forEachRow2(shape, aStrides, bStrides, F32_ROWS[op], out, a, b);
}

/** `out = a op b` over a broadcast layout, int32 (add, sub, mul, max, min). */
export function binaryI32(
  op: BinaryOp,
  shape: readonly number[],
  a: Int32Array,
  aStrides: readonly number[],
  b: Int32Array,
  bStrides: readonly number[],
  out: Int32Array,
): void {
  const row = I32_ROWS[op];
  if (row === null) throw new UnsupportedDTypeError('binary', op, 'int32');
  forEachRow2(shape, aStrides, bStrides, row, out, a, b);
}
