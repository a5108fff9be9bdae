/**
 * Writing into places picked by indices, out of place: `scatterAdd` and `indexAdd` on the `scatterAdd`
 * kernel (one recorded op whose adjoint is the `gather` kernel), and `scatter`, `indexPut` and
 * `maskedScatter` composed from it with `where`. PyTorch's semantics; where cp differs (an index must
 * match the input outside `dim`, duplicate places in an assignment), the doc comment says so.
 */

import { noGrad } from '../autograd/grad-mode.js';
import type { TypedArray } from '../backend/dtype.js';
import { backendOf, empty, recorder, runKernel, withOp } from '../engine/dispatch.js';
import { ArgumentError, DTypeError, fmtShape, ShapeError } from '../errors.js';
import { broadcastShapes, contiguousStrides, normalizeDim, type Shape, sameShape, sizeOf } from '../tensor/shape.js';
import type { Tensor, TensorLike } from '../tensor/tensor.js';
import { checkNumber, checkOptions, checkTensor, checkTensorLike, describe } from '../tensor/validate.js';
import { castTo } from './cast.js';
import { where } from './compare.js';
import { mul, scalarTensor } from './elementwise.js';
import { expand, reshape, slice } from './movement.js';
import { hostTensor } from './rearrange.js';

/** The scatterAdd kernel's view: out `[outer, size, inner]`, src `[outer, count, inner]`, index strides. */
interface ScatterPlan {
  outer: number;
  size: number;
  inner: number;
  count: number;
  indexStrides: [number, number, number];
}

interface ScatterOps {
  scatterAdd: { saved: [index: Tensor]; ctx: { plan: ScatterPlan; srcShape: Shape } };
  /** An assignment: `hit` marks the written places of the input (broadcast over its trailing dims). */
  assign: { saved: [index: Tensor, hit: Tensor]; ctx: { plan: ScatterPlan; srcShape: Shape } };
}

const record = recorder<ScatterOps>({
  scatterAdd: (g, [index], { plan, srcShape }, needs) => [
    needs[0] ? g : null,
    needs[1] ? gatherPlan(g, index, plan, srcShape) : null,
  ],
  // NOTE: PyTorch's rule: every src entry gets the gradient at its place, a repeated place's losers too.
  assign: (g, [index, hit], { plan, srcShape }, needs) => [
    needs[0] ? where(hit, scalarTensor(0, g), g) : null,
    needs[1] ? gatherPlan(g, index, plan, srcShape) : null,
  ],
});

/** `out[o, c, i] = g[o, index[...], i]`: the adjoint of the scatter. */
function gatherPlan(g: Tensor, index: Tensor, plan: ScatterPlan, shape: Shape): Tensor {
  const backend = backendOf('scatterAdd', g, index);
  const out = empty(backend, shape, g.dtype, [g, index]);
  if (out.size > 0) {
    const args = { dtype: g.dtype, x: g.storage.handle, index: index.storage.handle, out: out.storage.handle, ...plan };
    runKernel(backend, 'gather', args, 'scatterAdd', [g, index]);
  }
  return out;
}

/** `x` with `src` added at the planned places: a copy of x, then the kernel. Recorded for x and src. */
function addAt(op: string, x: Tensor, index: Tensor, src: Tensor, plan: ScatterPlan): Tensor {
  const backend = backendOf(op, x, index, src);
  const out = empty(backend, x.shape, x.dtype, [x, src, index]);
  if (out.size > 0) {
    const strides = contiguousStrides(x.shape);
    const copy = {
      dtype: x.dtype,
      x: x.storage.handle,
      xOffset: 0,
      xStrides: strides,
      out: out.storage.handle,
      outOffset: 0,
      outStrides: strides,
      shape: x.shape,
    };
    runKernel(backend, 'copyStrided', copy, op, [x]);
  }
  if (src.size > 0) {
    const args = { dtype: x.dtype, src: src.storage.handle, index: index.storage.handle, out: out.storage.handle };
    runKernel(backend, 'scatterAdd', { ...args, ...plan }, op, [x, src, index]);
  }
  return record(out, 'scatterAdd', { name: op, inputs: [x, src], saved: [index], ctx: { plan, srcShape: src.shape } });
}

/** The index's values, checked to be int32 and in `[-size, size)` (or `[0, size)`), with negatives wrapped. */
function indexValues(op: string, index: Tensor, size: number, negatives: boolean): Int32Array {
  if (index.dtype !== 'int32') throw new DTypeError(`${op}: index must be int32, got ${index.dtype}`);
  const data = Int32Array.from(index.dataSync() as Int32Array);
  const lo = negatives ? -size : 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < lo || v >= size)
      throw new ArgumentError(`${op}: index ${v} (at flat position ${i}) is out of range for size ${size}`);
    if (v < 0) data[i] = v + size;
  }
  return data;
}

function checkScatterDtypes(op: string, x: Tensor, src: Tensor): void {
  if (x.dtype === 'bool') throw new DTypeError(`${op}: bool inputs are not supported (use float32 or int32)`);
  if (src.dtype !== x.dtype) throw new DTypeError(`${op}: src is ${src.dtype} but the input is ${x.dtype}`);
}

/** The plan of a torch.scatter-style call, with src cut to the index's shape. */
function scatterPlan(op: string, x: Tensor, dim: number, index: Tensor, src: Tensor) {
  checkTensor(op, x);
  checkTensor(op, index, 'index');
  checkTensor(op, src, 'src');
  checkScatterDtypes(op, x, src);
  const d = normalizeDim(op, dim, x.ndim);
  const xs = x.ndim === 0 ? [1] : x.shape;
  const is = index.ndim === 0 ? [1] : index.shape;
  const ss = src.ndim === 0 ? [1] : src.shape;
  // NOTE: PyTorch lets the index be smaller than the input outside `dim`; cp requires it to match there.
  if (is.length !== xs.length || is.some((v, i) => i !== d && v !== xs[i]) || ss.length !== is.length) {
    throw new ShapeError(
      `${op}: index shape ${fmtShape(index.shape)} must match input shape ${fmtShape(x.shape)} except in dim ${d}, and src (${fmtShape(src.shape)}) must have the same rank`,
    );
  }
  if (ss.some((v, i) => v < is[i]))
    throw new ShapeError(
      `${op}: src shape ${fmtShape(src.shape)} is smaller than index shape ${fmtShape(index.shape)}`,
    );
  const values = indexValues(op, index, xs[d], false);
  let cut = reshape(src, ss);
  ss.forEach((v, i) => {
    if (v > is[i]) cut = slice(cut, i, 0, is[i]);
  });
  const inner = sizeOf(xs.slice(d + 1));
  const count = is[d];
  const plan: ScatterPlan = {
    outer: sizeOf(xs.slice(0, d)),
    size: xs[d],
    inner,
    count,
    indexStrides: [count * inner, inner, 1],
  };
  return { plan, values, src: reshape(cut, index.shape) };
}

/**
 * `x` with `src[..., j, ...]` added at `[..., index[..., j, ...], ...]` along `dim` (torch.scatter_add);
 * repeated indices add up. `index` matches `x` outside `dim` (PyTorch also allows it smaller there); `src`
 * may be larger than `index` (only the index's shape of it is used).
 */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  return withOp('scatterAdd', () => {
    const { plan, src: cut } = scatterPlan('scatterAdd', x, dim, index, src);
    return addAt('scatterAdd', x, index, cut, plan);
  });
}

/** Bool tensors over the written places of the input (`hit`) and the index entries that write last (`win`). */
function lastWriters(like: Tensor, targets: Int32Array, size: number, shapes: [Shape, Shape]) {
  const owner = new Int32Array(size).fill(-1);
  for (let k = 0; k < targets.length; k++) owner[targets[k]] = k;
  const hit = new Uint8Array(size);
  const win = new Uint8Array(targets.length);
  for (let t = 0; t < size; t++) {
    if (owner[t] >= 0) {
      hit[t] = 1;
      win[owner[t]] = 1;
    }
  }
  const be = backendOf('scatter', like);
  return { hit: hostTensor(be, hit, shapes[0], 'bool'), win: hostTensor(be, win, shapes[1], 'bool') };
}

/**
 * `x` with `src` written at the planned places: `addAt` into a `-0` base where each place is written once
 * (by its last writer; `-0 + v` is exactly `v`), then `where` keeps `x` at the places nothing writes. The
 * parts run without a graph; the result records the `assign` rule. `targets[k]` is the place entry `k` of
 * src writes; `shapes` are those of the place mask (x's, or x's leading dim and 1s when a place is a
 * whole row) and of the entry mask (src's, likewise).
 */
function assignAt(
  op: string,
  x: Tensor,
  index: Tensor,
  src: Tensor,
  plan: ScatterPlan,
  targets: Int32Array,
  shapes: [Shape, Shape],
): Tensor {
  const { hit, win } = lastWriters(x, targets, sizeOf(shapes[0]), shapes);
  const out = noGrad(() => {
    const winners = where(win, src, scalarTensor(0, src));
    return where(hit, addAt(op, expand(scalarTensor(-0, x), x.shape), index, winners, plan), x);
  });
  return record(out, 'assign', { name: op, inputs: [x, src], saved: [index, hit], ctx: { plan, srcShape: src.shape } });
}

/** The flat places of x that each index entry of a scatter plan writes. */
function scatterTargets(values: Int32Array, plan: ScatterPlan): Int32Array {
  const { count, inner, size } = plan;
  const out = new Int32Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const o = Math.floor(k / (count * inner));
    const i = k % inner;
    out[k] = (o * size + values[k]) * inner + i;
  }
  return out;
}

/**
 * `x` with `src[..., j, ...]` (or the number `value`) written at `[..., index[..., j, ...], ...]` along
 * `dim` (torch.scatter, out of place). Where an index repeats a place the last entry in row-major order
 * wins, as on PyTorch's CPU; every entry of `src` receives the gradient at its place, as in PyTorch.
 */
export function scatter(x: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor {
  return withOp('scatter', () => {
    checkTensor('scatter', x);
    checkTensor('scatter', index, 'index');
    checkTensorLike('scatter', src, 'src');
    const full = typeof src === 'number' ? expand(scalarTensor(src, x), index.shape) : src;
    const { plan, values, src: cut } = scatterPlan('scatter', x, dim, index, full);
    return assignAt('scatter', x, index, cut, plan, scatterTargets(values, plan), [x.shape, cut.shape]);
  });
}

/** Options of `indexAdd`. */
export interface IndexAddOptions {
  /** `source` is multiplied by `alpha` first (default 1). */
  alpha?: number;
}

/**
 * `x` with `alpha * source[..., j, ...]` added at `[..., index[j], ...]` along `dim` (torch.index_add);
 * `index` is 1-D int32 in `[0, size)`, and `source` is x's shape with `dim` of
 * the index's length. Repeated indices add up.
 */
export function indexAdd(x: Tensor, dim: number, index: Tensor, source: Tensor, options?: IndexAddOptions): Tensor {
  return withOp('indexAdd', () => {
    checkTensor('indexAdd', x);
    checkTensor('indexAdd', index, 'index');
    checkTensor('indexAdd', source, 'source');
    checkOptions('indexAdd', options, ['alpha']);
    checkScatterDtypes('indexAdd', x, source);
    const alpha = checkNumber('indexAdd', 'alpha', options?.alpha ?? 1);
    const d = normalizeDim('indexAdd', dim, x.ndim);
    if (index.ndim > 1) throw new ShapeError(`indexAdd: index must be 0-D or 1-D, got shape ${fmtShape(index.shape)}`);
    const xs = x.ndim === 0 ? [1] : x.shape;
    const want = xs.map((v, i) => (i === d ? index.size : v));
    if (!sameShape(source.ndim === 0 ? [1] : source.shape, want)) {
      throw new ShapeError(
        `indexAdd: source shape ${fmtShape(source.shape)} must be the input's ${fmtShape(x.shape)} with dim ${d} of size ${index.size} (the index length)`,
      );
    }
    const values = indexValues('indexAdd', index, xs[d], false);
    const idx = hostTensor(backendOf('indexAdd', x), values, [values.length], 'int32');
    const plan: ScatterPlan = {
      outer: sizeOf(xs.slice(0, d)),
      size: xs[d],
      inner: sizeOf(xs.slice(d + 1)),
      count: index.size,
      indexStrides: [0, 1, 0],
    };
    return addAt('indexAdd', x, idx, alpha === 1 ? source : mul(source, alpha), plan);
  });
}

/** Options of `indexPut`. */
export interface IndexPutOptions {
  /** Add `values` instead of writing them (repeated places add up). Default false. */
  accumulate?: boolean;
}

/** Per index tensor (int32, or one bool mask split into its nonzero coordinates), the host coordinates. */
function indexCoordinates(x: Tensor, indices: readonly Tensor[]): { coords: Int32Array[]; shape: Shape } {
  if (!Array.isArray(indices) || indices.length === 0)
    throw new ArgumentError(`indexPut: indices must be a non-empty list of tensors, got ${describe(indices)}`);
  indices.forEach((t, i) => {
    checkTensor('indexPut', t, `indices[${i}]`);
  });
  if (indices.length === 1 && indices[0].dtype === 'bool') {
    const mask: Tensor = indices[0];
    if (mask.ndim > x.ndim || mask.shape.some((v, i) => v !== x.shape[i])) {
      throw new ShapeError(
        `indexPut: a bool mask of shape ${fmtShape(mask.shape)} must match the leading dims of the input ${fmtShape(x.shape)}`,
      );
    }
    const data = mask.dataSync();
    const strides = contiguousStrides(mask.shape);
    const picks: number[] = [];
    for (let i = 0; i < data.length; i++) if (data[i]) picks.push(i);
    const coords = mask.shape.map((_, m) => Int32Array.from(picks, (p) => Math.floor(p / strides[m]) % mask.shape[m]));
    return { coords, shape: [picks.length] };
  }
  if (indices.length > x.ndim)
    throw new ShapeError(`indexPut: ${indices.length} index tensors for an input of shape ${fmtShape(x.shape)}`);
  const shape = broadcastShapes('indexPut', ...indices.map((t) => t.shape));
  const coords = indices.map((t, m) => {
    const values = indexValues('indexPut', t, x.shape[m], true);
    const strides = contiguousStrides(t.shape);
    const bs = shape.length - t.ndim;
    const outStrides = contiguousStrides(shape);
    return Int32Array.from({ length: sizeOf(shape) }, (_, k) => {
      let at = 0;
      for (let a = 0; a < t.ndim; a++) {
        const coord = Math.floor(k / outStrides[a + bs]) % shape[a + bs];
        at += t.shape[a] === 1 ? 0 : coord * strides[a];
      }
      return values[at];
    });
  });
  return { coords, shape };
}

/**
 * `x` with `values` written at `x[indices[0], indices[1], ...]` (torch.index_put, out of place): the index
 * tensors (int32, negatives from the end) broadcast together and pick places in the leading dims; a single
 * bool mask over the leading dims picks its true places. `values` broadcasts to the picked shape. With
 * `accumulate`, values add up; without it a repeated place keeps the last value (every value there
 * receives the gradient, as in PyTorch).
 */
export function indexPut(x: Tensor, indices: readonly Tensor[], values: TensorLike, options?: IndexPutOptions): Tensor {
  return withOp('indexPut', () => {
    checkTensor('indexPut', x);
    checkTensorLike('indexPut', values, 'values');
    checkOptions('indexPut', options, ['accumulate']);
    const accumulate = options?.accumulate ?? false;
    if (typeof accumulate !== 'boolean')
      throw new ArgumentError(`indexPut: accumulate must be a boolean, got ${describe(accumulate)}`);
    const { coords, shape } = indexCoordinates(x, indices);
    const k = coords.length;
    const lead = x.shape.slice(0, k);
    const rest = x.shape.slice(k);
    const strides = contiguousStrides(lead);
    const rows = Int32Array.from({ length: sizeOf(shape) }, (_, j) =>
      coords.reduce((s, c, m) => s + c[j] * strides[m], 0),
    );
    const v = typeof values === 'number' ? scalarTensor(values, x) : castTo(values, x.dtype);
    const picked = [...shape, ...rest];
    const fits =
      v.ndim <= picked.length && v.shape.every((d, i) => d === 1 || d === picked[picked.length - v.ndim + i]);
    if (!fits) {
      throw new ShapeError(
        `indexPut: values of shape ${fmtShape(v.shape)} do not broadcast to the picked shape ${fmtShape(picked)}`,
      );
    }
    const src = reshape(expand(v, picked), [rows.length, ...rest]);
    const flat = reshape(x, [sizeOf(lead), ...rest]);
    const idx = hostTensor(backendOf('indexPut', x), rows, [rows.length], 'int32');
    if (accumulate) return reshape(indexAdd(flat, 0, idx, src), x.shape);
    const plan: ScatterPlan = {
      outer: 1,
      size: sizeOf(lead),
      inner: sizeOf(rest),
      count: rows.length,
      indexStrides: [0, 1, 0],
    };
    const ones = rest.map(() => 1);
    return reshape(
      assignAt('indexPut', flat, idx, src, plan, rows, [
        [sizeOf(lead), ...ones],
        [rows.length, ...ones],
      ]),
      x.shape,
    );
  });
}

/**
 * `x` with the elements of `source`, in row-major order, written at the places where the bool `mask`
 * (broadcast to x's shape) is true (torch.masked_scatter). `source` needs at least as many elements as the
 * mask has true places; the rest of it is unused (and gets a zero gradient).
 */
export function maskedScatter(x: Tensor, mask: Tensor, source: Tensor): Tensor {
  return withOp('maskedScatter', () => {
    checkTensor('maskedScatter', x);
    checkTensor('maskedScatter', mask, 'mask');
    checkTensor('maskedScatter', source, 'source');
    if (mask.dtype !== 'bool') throw new DTypeError(`maskedScatter: mask must be bool, got ${mask.dtype}`);
    checkScatterDtypes('maskedScatter', x, source);
    if (!sameShape(broadcastShapes('maskedScatter', mask.shape, x.shape), x.shape)) {
      throw new ShapeError(
        `maskedScatter: mask of shape ${fmtShape(mask.shape)} does not broadcast to the input's shape ${fmtShape(x.shape)}`,
      );
    }
    const full = expand(mask, x.shape);
    const data: TypedArray = full.dataSync();
    const places: number[] = [];
    for (let i = 0; i < data.length; i++) if (data[i]) places.push(i);
    if (source.size < places.length) {
      throw new ShapeError(
        `maskedScatter: the mask has ${places.length} true places but source (${fmtShape(source.shape)}) has only ${source.size} elements`,
      );
    }
    const be = backendOf('maskedScatter', x);
    const idx = hostTensor(be, Int32Array.from(places), [places.length], 'int32');
    const src = slice(reshape(source, [source.size]), 0, 0, places.length);
    const plan: ScatterPlan = { outer: 1, size: x.size, inner: 1, count: places.length, indexStrides: [0, 1, 0] };
    const targets = Int32Array.from(places);
    return reshape(
      assignAt('maskedScatter', reshape(x, [x.size]), idx, src, plan, targets, [[x.size], [places.length]]),
      x.shape,
    );
  });
}
