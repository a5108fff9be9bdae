/**
 * Scans and sorting: `cumsum`/`cumprod` on the `scan` kernel, and `sort`/`argsort`/`topk` on the `argsort`
 * kernel (a stable permutation of contiguous rows; the sorted dim is moved last and back with `transpose`).
 * Sorted values are a `gather` of the input at the indices, so their gradient is gather's: the incoming
 * gradient scattered back to the indices. cumsum's gradient is a reversed cumsum; cumprod's is PyTorch's,
 * zeros included.
 */

import type { ScanOp } from '../backend/kernels.js';
import { backendOf, empty, recorder, runKernel, withOp } from '../engine/dispatch.js';
import { ArgumentError, fmtShape } from '../errors.js';
import { normalizeDim, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkBool, checkInt, checkOptions, checkTensor } from '../tensor/validate.js';
import { cast } from './cast.js';
import { compare, where } from './compare.js';
import { div, mul, scalarTensor } from './elementwise.js';
import { gatherChecked } from './indexing.js';
import { narrow, reshape, transpose } from './movement.js';
import { flip } from './rearrange.js';

interface SortOps {
  cumsum: { saved: []; ctx: number };
  cumprod: { saved: [x: Tensor, out: Tensor]; ctx: number };
}

const record = recorder<SortOps>({
  cumsum: (g, _, dim) => [reverseCumsum(g, dim)],
  cumprod: (g, [x, out], dim) => [cumprodGrad(g, x, out, dim)],
});

/** `sum over j >= i of g[j]` along `dim`. */
function reverseCumsum(g: Tensor, dim: number): Tensor {
  return flip(cumsum(flip(g, dim), dim), dim);
}

/**
 * PyTorch's cumprod gradient: before a slice's first zero, `reverseCumsum(g·out) / x`; at the first zero,
 * `reverseCumsum(g·out')` where out' is the cumprod with that zero replaced by 1; after it, 0.
 */
function cumprodGrad(g: Tensor, x: Tensor, out: Tensor, dim: number): Tensor {
  const zero = compare('eq', x, 0);
  const zerosSoFar = cumsum(cast(zero, 'int32'), dim);
  const before = compare('eq', zerosSoFar, 0);
  const first = mul(cast(zero, 'int32'), cast(compare('eq', zerosSoFar, 1), 'int32'));
  const isFirst = compare('eq', first, 1);
  const one = scalarTensor(1, x);
  const safe = where(zero, one, x);
  const plain = div(reverseCumsum(mul(g, out), dim), safe);
  const atZero = reverseCumsum(mul(g, cumprod(where(isFirst, one, x), dim)), dim);
  return where(before, plain, where(isFirst, atZero, scalarTensor(0, x)));
}

function runScan(op: 'cumsum' | 'cumprod', kernelOp: ScanOp, x: Tensor, dim: number): Tensor {
  checkTensor(op, x);
  const d = normalizeDim(op, dim, x.ndim);
  // NOTE: PyTorch promotes bool (and integer) inputs to int64; cp has no int64, so bool becomes int32.
  const input = x.dtype === 'bool' ? cast(x, 'int32') : x;
  const backend = backendOf(op, input);
  const out = empty(backend, x.shape, input.dtype, [input]);
  const shape = x.ndim === 0 ? [1] : x.shape;
  const args = {
    op: kernelOp,
    dtype: input.dtype,
    x: input.storage.handle,
    out: out.storage.handle,
    outer: sizeOf(shape.slice(0, d)),
    size: shape[d],
    inner: sizeOf(shape.slice(d + 1)),
  };
  if (out.size > 0) runKernel(backend, 'scan', args, op, [input]);
  return out;
}

/** Running sums along `dim` (torch.cumsum): `out[i] = x[0] + ... + x[i]`. bool inputs give int32. */
export function cumsum(x: Tensor, dim: number): Tensor {
  return withOp('cumsum', () => {
    const out = runScan('cumsum', 'sum', x, dim);
    return record(out, 'cumsum', { inputs: [x], saved: [], ctx: normalizeDim('cumsum', dim, x.ndim) });
  });
}

/** Running products along `dim` (torch.cumprod), with PyTorch's gradient where x has zeros. */
export function cumprod(x: Tensor, dim: number): Tensor {
  return withOp('cumprod', () => {
    const out = runScan('cumprod', 'prod', x, dim);
    const d = normalizeDim('cumprod', dim, x.ndim);
    return record(out, 'cumprod', { inputs: [x], saved: [x, out], ctx: d });
  });
}

/** Options of `sort` and `argsort`. */
export interface SortOptions {
  /** The dim to sort along (default -1). */
  dim?: number;
  /** Largest first (default false). */
  descending?: boolean;
  /** Keep the order of equal elements. cp's sort is always stable, so this changes nothing. */
  stable?: boolean;
}

/** Options of `topk`. */
export interface TopkOptions {
  /** The dim to pick along (default -1). */
  dim?: number;
  /** The k largest (default true) or the k smallest. */
  largest?: boolean;
  /** Return them in sorted order (default true). cp always sorts them. */
  sorted?: boolean;
}

/** Values and their int32 positions along the dim, as `sort` and `topk` return them. */
export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

/** The sorting permutation of `x` along `d` (int32, x's shape): the argsort kernel on rows. */
function sortIndices(op: string, x: Tensor, d: number, descending: boolean): Tensor {
  if (x.ndim === 0) return reshape(sortIndices(op, reshape(x, [1]), 0, descending), []);
  const last = x.ndim - 1;
  const rows = d === last ? x : transpose(x, d, last);
  const input = rows.dtype === 'bool' ? cast(rows, 'int32') : rows;
  const backend = backendOf(op, input);
  const out = empty(backend, input.shape, 'int32', [input]);
  const cols = input.shape[last];
  const args = {
    dtype: input.dtype,
    x: input.storage.handle,
    out: out.storage.handle,
    rows: cols === 0 ? 0 : input.size / cols,
    cols,
    descending,
  };
  if (out.size > 0) runKernel(backend, 'argsort', args, op, [input]);
  return d === last ? out : transpose(out, d, last);
}

function sortOptions(op: string, x: Tensor, options: SortOptions | undefined): { d: number; descending: boolean } {
  checkTensor(op, x);
  checkOptions(op, options, ['dim', 'descending', 'stable']);
  const d = normalizeDim(op, checkInt(op, 'dim', options?.dim ?? -1), x.ndim);
  const descending = checkBool(op, 'descending', options?.descending ?? false);
  checkBool(op, 'stable', options?.stable ?? true);
  return { d, descending };
}

/** Gathers `x` at its own sorting permutation along `d` (no read-back; a 0-d input through a one-element view). */
function valuesAt(x: Tensor, d: number, indices: Tensor): Tensor {
  if (x.ndim > 0) return gatherChecked(x, d, indices);
  return reshape(gatherChecked(reshape(x, [1]), 0, reshape(indices, [1])), []);
}

/**
 * `x` sorted along `dim` (torch.sort): `{ values, indices }`, indices int32 (PyTorch: int64). NaN sorts
 * above every number (last ascending, first descending); equal elements keep their order (always stable).
 * The gradient of `values` flows back to the places the indices name.
 */
export function sort(x: Tensor, options?: SortOptions): ValuesIndices {
  return withOp('sort', () => {
    const { d, descending } = sortOptions('sort', x, options);
    const indices = sortIndices('sort', x, d, descending);
    return { values: valuesAt(x, d, indices), indices };
  });
}

/** The int32 positions that sort `x` along `dim` (torch.argsort); see `sort`. Not differentiable. */
export function argsort(x: Tensor, options?: SortOptions): Tensor {
  return withOp('argsort', () => {
    const { d, descending } = sortOptions('argsort', x, options);
    return sortIndices('argsort', x, d, descending);
  });
}

/**
 * The `k` largest (or smallest) elements along `dim` and their int32 positions (torch.topk), in sorted
 * order; ties go to the lower position, and NaN counts as the largest value.
 */
export function topk(x: Tensor, k: number, options?: TopkOptions): ValuesIndices {
  return withOp('topk', () => {
    checkTensor('topk', x);
    checkOptions('topk', options, ['dim', 'largest', 'sorted']);
    const d = normalizeDim('topk', checkInt('topk', 'dim', options?.dim ?? -1), x.ndim);
    const largest = checkBool('topk', 'largest', options?.largest ?? true);
    checkBool('topk', 'sorted', options?.sorted ?? true);
    checkInt('topk', 'k', k);
    const size = x.ndim === 0 ? 1 : x.shape[d];
    // NOTE: a 0-d input is one element, so k must be 1 there (the result is 0-d, as in PyTorch).
    if (k < 0 || k > size || (x.ndim === 0 && k !== 1))
      throw new ArgumentError(
        `topk: k = ${k} is out of range for dim ${d} of size ${size} (shape ${fmtShape(x.shape)})`,
      );
    const all = sortIndices('topk', x, d, largest);
    const indices = x.ndim === 0 || k === size ? all : narrow(all, d, 0, k);
    return { values: valuesAt(x, d, indices), indices };
  });
}
