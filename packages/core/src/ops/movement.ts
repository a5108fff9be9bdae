/**
 * Shape ops. reshape/view/squeeze/unsqueeze/flatten/detach share storage; permute, expand, slice and cat
 * materialize through the `copyStrided` kernel (cp tensors are always contiguous). Each records its
 * adjoint: permute -> inverse permute, expand -> sum, slice -> write into zeros, cat -> slices. An op that
 * changes nothing (same-shape reshape, identity permute, full slice...) still returns a new tensor object
 * sharing the storage, so disposing the result never frees the input.
 */

import { backendOf, empty, recorder, runKernel, withOp } from '../engine/dispatch.js';
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import { contiguousStrides, normalizeDim, type Shape, sameShape, sizeOf } from '../tensor/shape.js';
import { fromStorage, type Tensor } from '../tensor/tensor.js';
import { checkInt, checkTensor, describe } from '../tensor/validate.js';
import { sumTo } from './reduce.js';

/** What the shape ops keep for their adjoints: never a tensor, only shapes, dims and offsets. */
interface MovementOps {
  /** An op that changes nothing (same-shape reshape, identity permute, full slice...). */
  identity: { saved: []; ctx: null };
  reshape: { saved: []; ctx: Shape };
  permute: { saved: []; ctx: number[] };
  expand: { saved: []; ctx: Shape };
  slice: { saved: []; ctx: { shape: Shape; offset: number; strides: number[] } };
  cat: { saved: []; ctx: { sizes: number[]; dim: number } };
}

const record = recorder<MovementOps>({
  identity: (g) => [g],
  reshape: (g, _, shape) => [reshape(g, shape)],
  permute: (g, _, inverse) => [permute(g, inverse)],
  expand: (g, _, shape) => [sumTo(g, shape)],
  slice: (g, _, { shape, offset, strides }) => [scatterRegion(g, shape, offset, strides)],
  cat: (g, _, { sizes, dim }) => split(g, sizes, dim),
});

/** A new tensor object over the same storage with another shape (sizes must match). */
function shareStorage(x: Tensor, shape: Shape): Tensor {
  const s = x.storage;
  s.refs++;
  return fromStorage(s, shape, x.dtype, [x]);
}

/**
 * A new tensor over `x`'s storage with the same shape, recording an identity gradient: what an op that
 * changes nothing returns.
 */
export function alias(x: Tensor, op: string): Tensor {
  return withOp(op, () =>
    record(shareStorage(x, x.shape), 'identity', { name: op, inputs: [x], saved: [], ctx: null }),
  );
}

function fmtArg(shape: readonly unknown[]): string {
  return `[${shape.map((d) => (typeof d === 'number' ? String(d) : describe(d))).join(', ')}]`;
}

/** Same data, new shape; one dim may be -1. Shares storage. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  return withOp('reshape', () => {
    checkTensor('reshape', x);
    if (!Array.isArray(shape))
      throw new ArgumentError(`reshape: shape must be an array of integers, got ${describe(shape)}`);
    if (shape.some((d) => !Number.isInteger(d) || d < -1) || shape.filter((d) => d === -1).length > 1) {
      throw new ShapeError(
        `reshape: invalid shape ${fmtArg(shape)} for ${fmtShape(x.shape)}: sizes must be integers >= 0, and at most one may be -1`,
      );
    }
    const infer = shape.indexOf(-1);
    let resolved = [...shape];
    if (infer >= 0) {
      const known = sizeOf(shape.filter((_, i) => i !== infer));
      if (known === 0 || x.size % known !== 0) {
        throw new ShapeError(
          `reshape: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)}`,
        );
      }
      resolved = shape.map((d, i) => (i === infer ? x.size / known : d));
    }
    if (resolved.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(resolved) !== x.size) {
      throw new ShapeError(`reshape: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)}`);
    }
    const out = shareStorage(x, resolved);
    return record(out, 'reshape', { inputs: [x], saved: [], ctx: x.shape });
  });
}

/** A tensor sharing `x`'s data with no graph and no gradient. */
export function detach(x: Tensor): Tensor {
  return withOp('detach', () => {
    checkTensor('detach', x);
    return shareStorage(x, x.shape);
  });
}

/** Flattens dims `startDim..endDim` into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  return withOp('flatten', () => {
    checkTensor('flatten', x);
    // NOTE: a 0-d tensor takes dims 0 and -1, as in PyTorch.
    const s = normalizeDim('flatten', startDim, x.ndim);
    const e = normalizeDim('flatten', endDim, x.ndim);
    if (x.ndim === 0) return reshape(x, [1]);
    if (s > e) throw new ArgumentError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
    return reshape(x, [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
  });
}

/** Removes size-1 dims: all of them, or only `dim` (a no-op when that dim is not 1, like PyTorch). */
export function squeeze(x: Tensor, dim?: number): Tensor {
  return withOp('squeeze', () => {
    checkTensor('squeeze', x);
    if (dim === undefined)
      return reshape(
        x,
        x.shape.filter((d) => d !== 1),
      );
    const d = normalizeDim('squeeze', dim, x.ndim);
    if (x.ndim === 0 || x.shape[d] !== 1) return reshape(x, x.shape);
    return reshape(
      x,
      x.shape.filter((_, i) => i !== d),
    );
  });
}

/** Inserts a size-1 dim at `dim` (in `-(ndim+1)..ndim`). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  return withOp('unsqueeze', () => {
    checkTensor('unsqueeze', x);
    const d = normalizeDim('unsqueeze', dim, x.ndim + 1);
    return reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)]);
  });
}

/** Copies a strided view of `x` into a new contiguous tensor of `shape`, for op `op`. */
function gatherView(op: string, x: Tensor, shape: Shape, xStrides: number[], xOffset: number): Tensor {
  const backend = backendOf(op, x);
  const out = empty(backend, shape, x.dtype, [x]);
  if (out.size > 0) {
    const args = {
      dtype: x.dtype,
      x: x.storage.handle,
      xOffset,
      xStrides,
      out: out.storage.handle,
      outOffset: 0,
      outStrides: contiguousStrides(shape),
      shape,
    };
    runKernel(backend, 'copyStrided', args, op, [x]);
  }
  return out;
}

/** Reorders dims. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  return withOp('permute', () => {
    checkTensor('permute', x);
    if (!Array.isArray(dims))
      throw new ArgumentError(`permute: dims must be an array of integers, got ${describe(dims)}`);
    if (dims.length !== x.ndim)
      throw new ArgumentError(`permute: got ${dims.length} dims for a tensor with ${x.ndim} dims`);
    const norm = dims.map((d) => normalizeDim('permute', d, x.ndim));
    if (new Set(norm).size !== norm.length)
      throw new ArgumentError(`permute: dims ${JSON.stringify(dims)} repeat a dim`);
    if (norm.every((d, i) => d === i)) return alias(x, 'permute');
    const strides = contiguousStrides(x.shape);
    const out = gatherView(
      'permute',
      x,
      norm.map((d) => x.shape[d]),
      norm.map((d) => strides[d]),
      0,
    );
    const inverse = new Array<number>(norm.length);
    norm.forEach((d, i) => {
      inverse[d] = i;
    });
    return record(out, 'permute', { inputs: [x], saved: [], ctx: inverse });
  });
}

/** Swaps two dims. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  return withOp('transpose', () => {
    checkTensor('transpose', x);
    const order = x.shape.map((_, i) => i);
    const a = normalizeDim('transpose', dim0, x.ndim);
    const b = normalizeDim('transpose', dim1, x.ndim);
    [order[a], order[b]] = [order[b], order[a]];
    return permute(x, order);
  });
}

/** Broadcasts `x` to `shape` (-1 keeps an existing dim); only size-1 dims grow, new dims go in front. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  return expandAs('expand', x, shape);
}

/** `expand`, with `op` naming the public function in messages. */
function expandAs(op: string, x: Tensor, shape: readonly number[]): Tensor {
  return withOp(op, () => {
    checkTensor(op, x);
    if (!Array.isArray(shape))
      throw new ArgumentError(`${op}: shape must be an array of integers, got ${describe(shape)}`);
    const lead = shape.length - x.ndim;
    if (lead < 0) throw new ShapeError(`${op}: cannot expand ${fmtShape(x.shape)} to fewer dims ${fmtArg(shape)}`);
    for (let i = 0; i < shape.length; i++) {
      const d = shape[i];
      if (!Number.isInteger(d) || d < -1) {
        throw new ShapeError(
          `${op}: invalid target shape ${fmtArg(shape)} for a tensor of shape ${fmtShape(x.shape)}: sizes must be integers >= 0 (or -1 to keep an existing dim)`,
        );
      }
      if (d === -1 && i < lead) {
        throw new ShapeError(
          `${op}: -1 is not allowed for the new leading dim ${i} (target ${fmtArg(shape)}, tensor ${fmtShape(x.shape)})`,
        );
      }
    }
    const target = shape.map((d, i) => (d === -1 ? x.shape[i - lead] : d));
    if (!Number.isSafeInteger(sizeOf(target)))
      throw new ShapeError(`${op}: target shape ${fmtShape(target)} has too many elements`);
    const src = contiguousStrides(x.shape);
    const strides = target.map((d, i) => {
      if (i < lead) return 0;
      const own = x.shape[i - lead];
      if (own === d) return own === 1 ? 0 : src[i - lead];
      if (own !== 1) throw new ShapeError(`${op}: cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)} (dim ${i})`);
      return 0;
    });
    if (sameShape(target, x.shape)) return alias(x, op);
    const out = gatherView(op, x, target, strides, 0);
    return record(out, 'expand', { inputs: [x], saved: [], ctx: x.shape });
  });
}

/** `expand` for a full target shape (PyTorch's `broadcast_to`). */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  return expandAs('broadcastTo', x, shape);
}

/** Writes `g` into a zero tensor of `shape` at a strided region (the adjoint of slice). */
function scatterRegion(g: Tensor, shape: Shape, offset: number, strides: number[]): Tensor {
  const backend = backendOf('slice', g);
  const out = empty(backend, shape, g.dtype, [g]);
  runKernel(backend, 'fill', { dtype: g.dtype, out: out.storage.handle, offset: 0, n: out.size, value: 0 }, 'slice', [
    g,
  ]);
  if (g.size > 0) {
    const args = {
      dtype: g.dtype,
      x: g.storage.handle,
      xOffset: 0,
      xStrides: contiguousStrides(g.shape),
      out: out.storage.handle,
      outOffset: offset,
      outStrides: strides,
      shape: g.shape,
    };
    runKernel(backend, 'copyStrided', args, 'slice', [g]);
  }
  return out;
}

/** Elements `start..end` (exclusive) with `step` along `dim`; negative indices count from the end, like Python. */
export function slice(x: Tensor, dim: number, start: number | null = 0, end?: number | null, step = 1): Tensor {
  return withOp('slice', () => {
    checkTensor('slice', x);
    const d = normalizeDim('slice', dim, x.ndim);
    if (start !== null) checkInt('slice', 'start', start);
    if (end !== undefined && end !== null) checkInt('slice', 'end', end);
    if (!Number.isInteger(step) || step < 1)
      throw new ArgumentError(`slice: step must be a positive integer, got ${describe(step)}`);
    const len = x.shape[d];
    const clampIndex = (i: number) => Math.min(len, Math.max(0, i < 0 ? i + len : i));
    const s = clampIndex(start ?? 0);
    const e = Math.max(s, clampIndex(end ?? len));
    const count = Math.ceil((e - s) / step);
    if (s === 0 && count === len && step === 1) return alias(x, 'slice');
    const strides = contiguousStrides(x.shape);
    const shape = x.shape.map((v, i) => (i === d ? count : v));
    const viewStrides = strides.map((v, i) => (i === d ? v * step : v));
    const offset = s * strides[d];
    const out = gatherView('slice', x, shape, viewStrides, offset);
    return record(out, 'slice', { inputs: [x], saved: [], ctx: { shape: x.shape, offset, strides: viewStrides } });
  });
}

/** `length` elements from `start` along `dim` (errors when out of range, like PyTorch). */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  return withOp('narrow', () => {
    checkTensor('narrow', x);
    if (x.ndim === 0) throw new ShapeError('narrow: cannot be applied to a 0-d tensor');
    const d = normalizeDim('narrow', dim, x.ndim);
    checkInt('narrow', 'start', start);
    checkInt('narrow', 'length', length);
    const s = start < 0 ? start + x.shape[d] : start;
    if (s < 0 || length < 0 || s + length > x.shape[d]) {
      throw new ArgumentError(`narrow: start ${start} + length ${length} exceeds dim ${dim} of size ${x.shape[d]}`);
    }
    return slice(x, d, s, s + length);
  });
}

/** Splits along `dim` into pieces of `splitSize` (last may be smaller) or of the listed sizes. */
export function split(x: Tensor, splitSize: number | readonly number[], dim = 0): Tensor[] {
  return withOp('split', () => {
    checkTensor('split', x);
    if (x.ndim === 0) throw new ShapeError('split: cannot be applied to a 0-d tensor');
    const d = normalizeDim('split', dim, x.ndim);
    const len = x.shape[d];
    let sizes: number[];
    if (typeof splitSize === 'number') {
      if (!Number.isInteger(splitSize) || splitSize < 1)
        throw new ArgumentError(`split: splitSize must be a positive integer, got ${splitSize}`);
      sizes = [];
      for (let s = 0; s < len; s += splitSize) sizes.push(Math.min(splitSize, len - s));
    } else if (Array.isArray(splitSize)) {
      if (!splitSize.every((v) => Number.isInteger(v) && v >= 0))
        throw new ArgumentError(`split: sizes must be integers >= 0, got ${describe(splitSize)}`);
      sizes = [...splitSize];
      const total = sizes.reduce((a, b) => a + b, 0);
      if (total !== len)
        throw new ArgumentError(`split: sizes ${JSON.stringify(splitSize)} sum to ${total}, dim ${dim} has ${len}`);
    } else {
      throw new ArgumentError(
        `split: splitSize must be a positive integer or a list of sizes, got ${describe(splitSize)}`,
      );
    }
    const out: Tensor[] = [];
    let start = 0;
    for (const size of sizes) {
      out.push(narrow(x, d, start, size));
      start += size;
    }
    return out;
  });
}

/** Splits into `chunks` pieces of size `ceil(len / chunks)` along `dim` (PyTorch's rule). */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  return withOp('chunk', () => {
    checkTensor('chunk', x);
    if (x.ndim === 0) throw new ShapeError('chunk: cannot be applied to a 0-d tensor');
    if (!Number.isInteger(chunks) || chunks < 1)
      throw new ArgumentError(`chunk: chunks must be a positive integer, got ${describe(chunks)}`);
    const d = normalizeDim('chunk', dim, x.ndim);
    return split(x, Math.max(1, Math.ceil(x.shape[d] / chunks)), d);
  });
}

/** Checks that `tensors` is a non-empty array of tensors. */
function checkTensorList(op: string, tensors: readonly Tensor[]): void {
  if (!Array.isArray(tensors) || tensors.length === 0)
    throw new ArgumentError(`${op}: expected a non-empty list of tensors, got ${describe(tensors)}`);
  tensors.forEach((t, i) => {
    checkTensor(op, t, `the element at position ${i}`);
  });
}

/** Concatenates along `dim`; all other dims must match (0-d tensors cannot be concatenated, like PyTorch). */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  return withOp('cat', () => {
    checkTensorList('cat', tensors);
    tensors.forEach((t, i) => {
      if (t.ndim === 0) throw new ShapeError(`cat: zero-dimensional tensor (at position ${i}) cannot be concatenated`);
    });
    const first = tensors[0];
    const d = normalizeDim('cat', dim, first.ndim);
    for (const t of tensors) {
      if (t.ndim !== first.ndim || t.shape.some((v, i) => i !== d && v !== first.shape[i]) || t.dtype !== first.dtype) {
        throw new ShapeError(
          `cat: tensors must match except in dim ${dim}; got ${tensors.map((x) => `${fmtShape(x.shape)} ${x.dtype}`).join(', ')}`,
        );
      }
    }
    const backend = backendOf('cat', ...tensors);
    const shape = first.shape.map((v, i) => (i === d ? tensors.reduce((n, t) => n + t.shape[d], 0) : v));
    const out = empty(backend, shape, first.dtype, tensors);
    const outStrides = contiguousStrides(shape);
    let offset = 0;
    for (const t of tensors) {
      if (t.size > 0) {
        const args = {
          dtype: t.dtype,
          x: t.storage.handle,
          xOffset: 0,
          xStrides: contiguousStrides(t.shape),
          out: out.storage.handle,
          outOffset: offset * outStrides[d],
          outStrides,
          shape: t.shape,
        };
        runKernel(backend, 'copyStrided', args, 'cat', [t]);
      }
      offset += t.shape[d];
    }
    return record(out, 'cat', {
      inputs: [...tensors],
      saved: [],
      ctx: { sizes: tensors.map((t) => t.shape[d]), dim: d },
    });
  });
}

/** Stacks equal-shaped tensors along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  return withOp('stack', () => {
    checkTensorList('stack', tensors);
    const shape = tensors[0].shape;
    for (const t of tensors) {
      if (!sameShape(t.shape, shape))
        throw new ShapeError(
          `stack: all tensors must have the same shape; got ${tensors.map((x) => fmtShape(x.shape)).join(', ')}`,
        );
    }
    const d = normalizeDim('stack', dim, shape.length + 1);
    return cat(
      tensors.map((t) => unsqueeze(t, d)),
      d,
    );
  });
}
