/**
 * Binary elementwise ops against one scalar: `x op s`, or `s op x` when reversed. One tight loop per
 * op and direction, chosen by a switch outside it.
 */
import type { BinaryOp } from '@cp/core/backend';
import { UnsupportedDTypeError } from '../errors.js';

/**
 * `out = x op s` (or `s op x` when `reverse`), float32. NOTE: `s` is used as the float64 number it is,
 * so the result is the float32 rounding of the exact float64 operation.
 */
export function binaryScalarF32(
  op: BinaryOp,
  x: Float32Array,
  s: number,
  reverse: boolean,
  out: Float32Array,
  n: number,
): void {
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) out[i] = x[i] + s;
      return;
    case 'sub':
      if (reverse) for (let i = 0; i < n; i++) out[i] = s - x[i];
      else for (let i = 0; i < n; i++) out[i] = x[i] - s;
      return;
    case 'mul':
      for (let i = 0; i < n; i++) out[i] = x[i] * s;
      return;
    case 'div':
      if (reverse) for (let i = 0; i < n; i++) out[i] = s / x[i];
      else for (let i = 0; i < n; i++) out[i] = x[i] / s;
      return;
    case 'pow':
      if (reverse) for (let i = 0; i < n; i++) out[i] = s ** x[i];
      else for (let i = 0; i < n; i++) out[i] = x[i] ** s;
      return;
    case 'max':
      for (let i = 0; i < n; i++) out[i] = Math.max(x[i], s);
      return;
    case 'min':
      for (let i = 0; i < n; i++) out[i] = Math.min(x[i], s);
      return;
    default:
      throw new UnsupportedDTypeError('binaryScalar', op, 'float32');
  }
}

/** `out = x op s` (or `s op x` when `reverse`), int32; `s` must already be an int32 value. */
export function binaryScalarI32(
  op: BinaryOp,
  x: Int32Array,
  s: number,
  reverse: boolean,
  out: Int32Array,
  n: number,
): void {
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) out[i] = (x[i] + s) | 0;
      return;
    case 'sub':
      if (reverse) for (let i = 0; i < n; i++) out[i] = (s - x[i]) | 0;
      else for (let i = 0; i < n; i++) out[i] = (x[i] - s) | 0;
      return;
    case 'mul':
      for (let i = 0; i < n; i++) out[i] = Math.imul(x[i], s);
      return;
    case 'max':
      for (let i = 0; i < n; i++) out[i] = Math.max(x[i], s);
      return;
    case 'min':
      for (let i = 0; i < n; i++) out[i] = Math.min(x[i], s);
      return;
    default:
      throw new UnsupportedDTypeError('binaryScalar', op, 'int32');
  }
}
