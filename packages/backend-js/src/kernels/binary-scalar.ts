/**
 * Binary elementwise ops against one scalar: `x op s`, or `s op x` when reversed. One tight loop per
 * op and direction, chosen by a switch outside it.
 */
import type { BinaryOp } from '@cp/core/backend';
import { UnsupportedDTypeError } from '../errors.js';
import { powIeee } from './binary.js';
import { fmod, logaddexp, remainder } from './binary-math.js';

/**
 * `out = x op s` (or `s op x` when `reverse`), float32. The caller passes `s` already rounded to float32,
 * so each result is the float32 rounding of an exact float64 operation on float32 operands.
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
      if (reverse) for (let i = 0; i < n; i++) out[i] = powIeee(s, x[i]);
      else for (let i = 0; i < n; i++) out[i] = powIeee(x[i], s);
      return;
    case 'max':
      for (let i = 0; i < n; i++) out[i] = Math.max(x[i], s);
      return;
    case 'min':
      for (let i = 0; i < n; i++) out[i] = Math.min(x[i], s);
      return;
    case 'atan2':
      loop(Math.atan2, x, s, reverse, out, n);
      return;
    case 'fmod':
      loop(fmod, x, s, reverse, out, n);
      return;
    case 'remainder':
      loop(remainder, x, s, reverse, out, n);
      return;
    case 'logaddexp':
      loop(logaddexp, x, s, reverse, out, n);
      return;
    default: {
      const exhaustive: never = op;
      throw new UnsupportedDTypeError('binaryScalar', exhaustive, 'float32');
    }
  }
}

function loop(
  fn: (a: number, b: number) => number,
  x: Float32Array,
  s: number,
  rev: boolean,
  out: Float32Array,
  n: number,
) {
  if (rev) for (let i = 0; i < n; i++) out[i] = fn(s, x[i]);
  else for (let i = 0; i < n; i++) out[i] = fn(x[i], s);
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
    case 'div':
    case 'pow':
    case 'atan2':
    case 'fmod':
    case 'remainder':
    case 'logaddexp':
      throw new UnsupportedDTypeError('binaryScalar', op, 'int32');
    default: {
      const exhaustive: never = op;
      throw new UnsupportedDTypeError('binaryScalar', exhaustive, 'int32');
    }
  }
}
