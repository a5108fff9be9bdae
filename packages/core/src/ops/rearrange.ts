/**
 * Rearranging and masking ops written with other ops, so their gradients come from the composition:
 * `repeat`/`tile` (reshape + expand), `flip` (indexSelect with a reversed index), `roll` (cat of two
 * slices), `triu`/`tril` and `maskedFill` (where with a bool mask). PyTorch's names and semantics.
 */

import type { Backend } from '../backend/backend.js';
import type { DType, TypedArray } from '../backend/dtype.js';
import { backendOf, empty, withOp } from '../engine/dispatch.js';
import { ArgumentError, DTypeError, fmtShape, ShapeError } from '../errors.js';
import { broadcastShapes, normalizeDim, type Shape, sameShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkInt, checkTensor, describe } from '../tensor/validate.js';
import { castTo } from './cast.js';
import { where } from './compare.js';
import { scalarTensor } from './elementwise.js';
import { indexSelectChecked } from './indexing.js';
import { alias, cat, expand, reshape, slice } from './movement.js';

/** @internal A tensor on `backend` holding `data` (made by core from host data: masks and index vectors). */
export function hostTensor(backend: Backend, data: TypedArray, shape: Shape, dtype: DType): Tensor {
  const t = empty(backend, shape, dtype);
  if (t.size > 0) backend.write(t.storage.handle, data);
  return t;
}

function checkIntList(op: string, name: string, v: unknown): number[] {
  const list = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(list) || list.some((d) => !Number.isInteger(d)))
    throw new ArgumentError(`${op}: ${name} must be an integer or a list of integers, got ${describe(v)}`);
  return list as number[];
}

/**
 * `x` repeated `reps[i]` times along each dim (torch.Tensor.repeat): `reps` has at least `x.ndim` entries,
 * and extra leading entries add new dims. Unlike `expand`, the data is copied.
 */
export function repeat(x: Tensor, reps: readonly number[]): Tensor {
  return withOp('repeat', () => {
    checkTensor('repeat', x);
    const r = checkIntList('repeat', 'reps', reps);
    if (r.some((v) => v < 0)) throw new ArgumentError(`repeat: reps must be >= 0, got ${JSON.stringify(r)}`);
    if (r.length < x.ndim) {
      throw new ShapeError(
        `repeat: got ${r.length} repeat counts for a tensor of shape ${fmtShape(x.shape)}; give at least ${x.ndim} (use tile to prepend 1s)`,
      );
    }
    const shape = [...new Array<number>(r.length - x.ndim).fill(1), ...x.shape];
    // NOTE: [s0, s1] -> [1, s0, 1, s1] -> expand to [r0, s0, r1, s1] -> [r0*s0, r1*s1]: one copy, and
    // the gradient is expand's sum over the repeat dims.
    const interleaved = shape.flatMap((s) => [1, s]);
    const target = shape.flatMap((s, i) => [r[i], s]);
    const expanded = expand(reshape(x, interleaved), target);
    return reshape(
      expanded,
      shape.map((s, i) => s * r[i]),
    );
  });
}

/** `repeat` with NumPy's rule for short `reps`: missing leading entries are 1 (torch.tile). */
export function tile(x: Tensor, reps: readonly number[]): Tensor {
  return withOp('tile', () => {
    checkTensor('tile', x);
    const r = checkIntList('tile', 'reps', reps);
    return repeat(x, [...new Array<number>(Math.max(0, x.ndim - r.length)).fill(1), ...r]);
  });
}

function distinctDims(op: string, dims: number[], ndim: number): number[] {
  const norm = dims.map((d) => normalizeDim(op, d, ndim));
  if (new Set(norm).size !== norm.length) throw new ArgumentError(`${op}: dims ${JSON.stringify(dims)} repeat a dim`);
  return norm;
}

/** Reverses the order of elements along each of `dims` (torch.flip). */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  return withOp('flip', () => {
    checkTensor('flip', x);
    const ds = distinctDims('flip', checkIntList('flip', 'dims', dims), x.ndim);
    const backend = backendOf('flip', x);
    let out = x;
    for (const d of x.ndim === 0 ? [] : ds) {
      const n = x.shape[d];
      if (n <= 1) continue;
      const index = hostTensor(
        backend,
        Int32Array.from({ length: n }, (_, i) => n - 1 - i),
        [n],
        'int32',
      );
      out = indexSelectChecked(out, d, index);
    }
    return out === x ? alias(x, 'flip') : out;
  });
}

/**
 * Rolls elements along `dims` by `shifts` (torch.roll): an element at `i` moves to `(i + shift) mod n`.
 * Without `dims`, the flattened tensor is rolled and the shape restored.
 */
export function roll(x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
  return withOp('roll', () => {
    checkTensor('roll', x);
    const s = checkIntList('roll', 'shifts', shifts);
    if (dims === undefined) {
      if (s.length !== 1)
        throw new ArgumentError(`roll: without dims, shifts must be one number, got ${describe(shifts)}`);
      return reshape(roll(reshape(x, [x.size]), s, 0), x.shape);
    }
    const ds = checkIntList('roll', 'dims', dims).map((d) => normalizeDim('roll', d, x.ndim));
    if (ds.length !== s.length)
      throw new ArgumentError(`roll: shifts ${describe(shifts)} and dims ${describe(dims)} must have the same length`);
    let out = x;
    ds.forEach((d, k) => {
      const n = x.ndim === 0 ? 1 : x.shape[d];
      const shift = n === 0 ? 0 : ((s[k] % n) + n) % n;
      if (shift === 0) return;
      out = cat([slice(out, d, n - shift), slice(out, d, 0, n - shift)], d);
    });
    return out === x ? alias(x, 'roll') : out;
  });
}

function triangle(op: 'triu' | 'tril', x: Tensor, diagonal: number): Tensor {
  return withOp(op, () => {
    checkTensor(op, x);
    checkInt(op, 'diagonal', diagonal);
    if (x.ndim < 2) throw new ShapeError(`${op}: input must have at least 2 dims, got shape ${fmtShape(x.shape)}`);
    const [m, n] = x.shape.slice(-2);
    const keep = new Uint8Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) keep[i * n + j] = (op === 'triu' ? j - i >= diagonal : j - i <= diagonal) ? 1 : 0;
    }
    return where(hostTensor(backendOf(op, x), keep, [m, n], 'bool'), x, scalarTensor(0, x));
  });
}

/**
 * The upper triangle of the last two dims (torch.triu): elements with `col - row >= diagonal` are kept,
 * the rest are 0. `diagonal` 0 is the main diagonal, positive above it, negative below.
 */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return triangle('triu', x, diagonal);
}

/** The lower triangle of the last two dims (torch.tril): elements with `col - row <= diagonal` are kept. */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return triangle('tril', x, diagonal);
}

/**
 * `x` with `value` where the bool `mask` (broadcast to x's shape) is true (torch.masked_fill). `value` is a
 * number or a 0-d tensor (whose gradient is the sum of the gradient at the filled places); the result has
 * x's dtype.
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number | Tensor): Tensor {
  return withOp('maskedFill', () => {
    checkTensor('maskedFill', x);
    checkTensor('maskedFill', mask, 'mask');
    if (mask.dtype !== 'bool') throw new DTypeError(`maskedFill: mask must be bool, got ${mask.dtype}`);
    if (!sameShape(broadcastShapes('maskedFill', mask.shape, x.shape), x.shape)) {
      throw new ShapeError(
        `maskedFill: mask of shape ${fmtShape(mask.shape)} does not broadcast to the input's shape ${fmtShape(x.shape)}`,
      );
    }
    if (typeof value === 'number') return where(mask, scalarTensor(value, x), x);
    checkTensor('maskedFill', value, 'value');
    if (value.ndim !== 0)
      throw new ShapeError(`maskedFill: value must be a number or a 0-d tensor, got shape ${fmtShape(value.shape)}`);
    return where(mask, castTo(value, x.dtype), x);
  });
}
