/**
 * Shape arithmetic: sizes, contiguous strides, broadcasting (PyTorch's rules), dim normalization, and
 * merging adjacent dims so kernels see the simplest equivalent layout.
 */
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';

/** A tensor shape. */
export type Shape = readonly number[];

/** Number of elements of a shape (1 for a scalar). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a contiguous tensor. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** True when two shapes are equal. */
export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The broadcast of several shapes, or a ShapeError naming `op` and the shapes. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = rank - s.length + i;
      const d = s[i];
      if (out[j] === 1) out[j] = d;
      else if (d !== 1 && d !== out[j]) {
        throw new ShapeError(
          `${op}: shapes ${shapes.map(fmtShape).join(' and ')} cannot be broadcast together (dim ${j})`,
        );
      }
    }
  }
  return out;
}

/** Strides to read an input of shape `from` as if broadcast to `to` (0 on broadcast dims). */
export function broadcastStrides(from: Shape, to: Shape): number[] {
  const src = contiguousStrides(from);
  const out = new Array<number>(to.length).fill(0);
  for (let i = 0; i < from.length; i++) {
    const j = to.length - from.length + i;
    out[j] = from[i] === 1 && to[j] !== 1 ? 0 : src[i];
  }
  return out;
}

/** The broadcast output `shape` of `shapes` and the collapsed layout a broadcast kernel reads them with. */
export function broadcastLayout(
  op: string,
  ...shapes: Shape[]
): { shape: number[]; kernelShape: number[]; strides: number[][] } {
  const shape = broadcastShapes(op, ...shapes);
  const collapsed = collapseLayout(
    shape,
    shapes.map((s) => broadcastStrides(s, shape)),
  );
  return { shape, kernelShape: collapsed.shape, strides: collapsed.strides };
}

/** Normalizes a possibly negative dim for a tensor of rank `ndim`. */
export function normalizeDim(op: string, dim: number, ndim: number): number {
  const r = Math.max(ndim, 1);
  if (!Number.isInteger(dim)) {
    const got = typeof dim === 'string' ? JSON.stringify(dim) : String(dim);
    throw new ArgumentError(`${op}: dim must be an integer, got ${got}`);
  }
  if (dim < -r || dim >= r) {
    throw new ArgumentError(
      `${op}: dim ${dim} is out of range for a tensor with ${ndim} dims (expected -${r} to ${r - 1})`,
    );
  }
  return dim < 0 ? dim + r : dim;
}

/** Normalizes a dim argument (number, list, or undefined = all dims) to sorted unique dims. */
export function normalizeDims(op: string, dim: number | readonly number[] | undefined, ndim: number): number[] {
  if (dim === undefined) return Array.from({ length: ndim }, (_, i) => i);
  if (typeof dim !== 'number' && !(Array.isArray(dim) && dim.every((d) => typeof d === 'number'))) {
    let got: string;
    try {
      got = JSON.stringify(dim) ?? String(dim);
    } catch {
      got = String(dim);
    }
    throw new ArgumentError(`${op}: dim must be an integer or a list of integers, got ${got}`);
  }
  const list = typeof dim === 'number' ? [dim] : dim;
  const dims = list.map((d) => normalizeDim(op, d, ndim));
  const unique = [...new Set(dims)].sort((a, b) => a - b);
  if (unique.length !== dims.length) throw new ArgumentError(`${op}: dim ${JSON.stringify(list)} repeats a dim`);
  return unique;
}

/**
 * Merges adjacent dims that every operand walks contiguously (and drops size-1 dims), so an elementwise
 * kernel sees the simplest equivalent layout: same-shape operands become rank 1 with stride 1.
 */
export function collapseLayout(shape: Shape, stridesList: number[][]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = stridesList.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    const mergeable = last >= 0 && stridesList.every((s, k) => outStrides[k][last] === s[d] * shape[d]);
    if (mergeable) {
      outShape[last] *= shape[d];
      stridesList.forEach((s, k) => {
        outStrides[k][last] = s[d];
      });
    } else {
      outShape.push(shape[d]);
      stridesList.forEach((s, k) => {
        outStrides[k].push(s[d]);
      });
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: stridesList.map(() => [1]) };
  return { shape: outShape, strides: outStrides };
}
