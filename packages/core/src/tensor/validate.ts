/**
 * Argument checks at the entry of the public functions and Tensor methods: shapes, dims, dtypes, option
 * objects, operands, and the conversion of a number to what an int32 or bool element stores. Each throws a
 * CpError naming the op, the value it got and what it expected, before anything is allocated, so garbage
 * never reaches a backend as a bare TypeError/RangeError or as a wrong answer.
 */

import { DTYPES, type DType, isDType } from '../backend/dtype.js';
import { ArgumentError, DTypeError } from '../errors.js';
import { Tensor, type TensorLike } from './tensor.js';

/** The smallest int32. */
export const INT32_MIN = -2147483648;
/** The largest int32. */
export const INT32_MAX = 2147483647;

/** A short description of any value for an error message: numbers as is, strings quoted, tensors by shape. */
export function describe(v: unknown): string {
  if (v instanceof Tensor) return `a ${v.dtype} tensor of shape [${v.shape.join(', ')}]`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === undefined || v === null) return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) {
    try {
      const s = JSON.stringify(v);
      return s.length > 80 ? `an array of length ${v.length}` : s;
    } catch {
      return `an array of length ${v.length}`;
    }
  }
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  return `an object (${Object.prototype.toString.call(v).slice(8, -1)})`;
}

function fmtDims(dims: readonly unknown[]): string {
  return `[${dims.map((d) => (typeof d === 'number' ? String(d) : describe(d))).join(', ')}]`;
}

/** `dtype` as a DType, or a DTypeError listing the supported dtypes. */
export function checkDType(op: string, dtype: unknown): DType {
  if (!isDType(dtype)) {
    throw new DTypeError(`${op}: unknown dtype ${describeDType(dtype)}; supported dtypes are ${DTYPES.join(', ')}`);
  }
  return dtype;
}

function describeDType(dtype: unknown): string {
  return typeof dtype === 'string' ? `'${dtype}'` : describe(dtype);
}

/**
 * A copy of `shape` after checking it is an array of integers >= 0 whose product is a safe integer
 * (ArgumentError otherwise).
 */
export function checkShape(op: string, shape: unknown): number[] {
  if (!Array.isArray(shape))
    throw new ArgumentError(`${op}: shape must be an array of integers, got ${describe(shape)}`);
  let size = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new ArgumentError(`${op}: invalid shape ${fmtDims(shape)}: sizes must be integers >= 0`);
    size *= d;
  }
  if (!Number.isSafeInteger(size))
    throw new ArgumentError(`${op}: shape ${fmtDims(shape)} has ${size} elements, more than any backend can hold`);
  return [...shape];
}

/** `v` as an integer (ArgumentError naming `name` otherwise); `min` bounds it below. */
export function checkInt(op: string, name: string, v: unknown, min = Number.NEGATIVE_INFINITY): number {
  if (!Number.isInteger(v) || (v as number) < min) {
    const bound = min === Number.NEGATIVE_INFINITY ? '' : ` >= ${min}`;
    throw new ArgumentError(`${op}: ${name} must be an integer${bound}, got ${describe(v)}`);
  }
  return v as number;
}

/** `v` as a number (finite when `finite`), or an ArgumentError naming `name`. */
export function checkNumber(op: string, name: string, v: unknown, finite = false): number {
  if (typeof v !== 'number' || (finite && !Number.isFinite(v))) {
    throw new ArgumentError(`${op}: ${name} must be a ${finite ? 'finite ' : ''}number, got ${describe(v)}`);
  }
  return v;
}

/** `v` as a tensor, or an ArgumentError (`name` says which argument, when the op has several). */
export function checkTensor(op: string, v: unknown, name?: string): Tensor {
  if (!(v instanceof Tensor))
    throw new ArgumentError(`${op}: ${name ? `${name}: ` : ''}expected a tensor, got ${describe(v)}`);
  if (v.isDisposed) throw v._disposedError(op);
  return v;
}

/** `v` as a tensor or a plain number, or an ArgumentError. */
export function checkTensorLike(op: string, v: unknown, name?: string): TensorLike {
  if (!(v instanceof Tensor) && typeof v !== 'number') {
    throw new ArgumentError(`${op}: ${name ? `${name}: ` : ''}expected a tensor or a number, got ${describe(v)}`);
  }
  if (v instanceof Tensor && v.isDisposed) throw v._disposedError(op);
  return v;
}

/** Checks that `options` is undefined or an object with only the `allowed` keys. */
export function checkOptions(op: string, options: unknown, allowed: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new ArgumentError(`${op}: options must be an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new ArgumentError(`${op}: unknown option '${key}' (expected one of ${allowed.join(', ')})`);
    }
  }
}

/**
 * A number as an int32 element from data (creation, `full`, `fill_`): truncated toward zero, and an
 * ArgumentError when it does not fit (NaN and ±Infinity included), like PyTorch's "value cannot be
 * converted to type int32 without overflow". `where` says which element, for the message.
 */
export function toInt32Exact(op: string, v: number, where = ''): number {
  // NOTE: the range test is on the truncated value, so -2147483648.9 is accepted as -2147483648.
  const t = Math.trunc(v);
  if (!(t >= INT32_MIN && t <= INT32_MAX)) {
    throw new ArgumentError(`${op}: value ${v}${where} cannot be converted to int32 without overflow`);
  }
  return t;
}

/** A number as a bool element: 1 when non-zero (NaN included, like PyTorch), else 0. */
export function toBoolByte(v: number): number {
  return v !== 0 ? 1 : 0;
}

/** What an element of `dtype` stores for the number `v` given as data (see `toInt32Exact`, `toBoolByte`). */
export function storedValue(op: string, v: number, dtype: DType, where = ''): number {
  if (dtype === 'int32') return toInt32Exact(op, v, where);
  if (dtype === 'bool') return toBoolByte(v);
  return v;
}

/** `v` as a boolean, or an ArgumentError naming the op and the argument. */
export function checkBool(op: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new ArgumentError(`${op}: ${name} must be a boolean, got ${describe(v)}`);
  return v;
}
