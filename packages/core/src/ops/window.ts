/**
 * Windows over the spatial dims of `[N, C, H, W]` tensors, built from two required kernels: `gather` is
 * unfold (im2col: every window tap of every output position, as columns a matmul consumes) and its adjoint
 * `scatterAdd` is fold (col2im). Convolution, its transpose, pooling, padding and all their gradients are
 * these two plus matmul and reductions (see docs/architecture.md, Decisions).
 *
 * A window geometry is two axis maps, one per spatial dim: for tap `k` of output `o` the input row (or
 * column) it reads, or -1 in the padding. Their product is an int32 index table, built on the host once per
 * geometry and cached on the host, and never read back for a range check (the tables are in range by
 * construction).
 */

import type { Backend } from '../backend/backend.js';
import { recorder, withOp } from '../engine/dispatch.js';
import { full, tensor } from '../tensor/creation.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { type GatherPlan, runGather, runScatterAdd } from './indexing.js';
import { cat, reshape, slice } from './movement.js';

export type { GatherPlan } from './indexing.js';

/** For tap `k` of output `o` along one dim, the input position `map[k * outSize + o]`, or -1 (padding). */
export interface AxisMap {
  inSize: number;
  outSize: number;
  taps: number;
  map: Int32Array;
  /** Identifies the map in the index cache. */
  key: string;
}

/** The axis map of a sliding window: output `o`, tap `k` reads `o * stride - padBefore + k * dilation`. */
export function slidingAxis(
  inSize: number,
  outSize: number,
  kernel: number,
  stride: number,
  padBefore: number,
  dilation: number,
): AxisMap {
  const map = new Int32Array(kernel * outSize);
  for (let k = 0; k < kernel; k++) {
    for (let o = 0; o < outSize; o++) {
      const i = o * stride - padBefore + k * dilation;
      map[k * outSize + o] = i >= 0 && i < inSize ? i : -1;
    }
  }
  return {
    inSize,
    outSize,
    taps: kernel,
    map,
    key: `s${inSize},${outSize},${kernel},${stride},${padBefore},${dilation}`,
  };
}

/** The axis map of adaptive pooling: output `o` covers `[floor(o·in/out), ceil((o+1)·in/out))`. */
export function adaptiveAxis(inSize: number, outSize: number): AxisMap {
  const start = (o: number) => Math.floor((o * inSize) / outSize);
  const end = (o: number) => Math.ceil(((o + 1) * inSize) / outSize);
  let taps = 0;
  for (let o = 0; o < outSize; o++) taps = Math.max(taps, end(o) - start(o));
  const map = new Int32Array(taps * outSize);
  for (let k = 0; k < taps; k++) {
    for (let o = 0; o < outSize; o++) map[k * outSize + o] = start(o) + k < end(o) ? start(o) + k : -1;
  }
  return { inSize, outSize, taps, map, key: `a${inSize},${outSize}` };
}

/** Number of in-range taps of every output position, `[outH * outW]` (the divisor of an average pool). */
export function tapCounts(rows: AxisMap, cols: AxisMap): Float32Array {
  const count = (a: AxisMap, o: number) => {
    let n = 0;
    for (let k = 0; k < a.taps; k++) if (a.map[k * a.outSize + o] >= 0) n++;
    return n;
  };
  const out = new Float32Array(rows.outSize * cols.outSize);
  for (let i = 0; i < rows.outSize; i++)
    for (let j = 0; j < cols.outSize; j++) out[i * cols.outSize + j] = count(rows, i) * count(cols, j);
  return out;
}

/** A window geometry over an `[inH, inW]` plane and its index table (padding taps read `inH * inW`). */
export interface Window2d {
  rows: AxisMap;
  cols: AxisMap;
}

function windowTable(w: Window2d, tapsLast: boolean): { table: Int32Array; padded: boolean } {
  const { rows, cols } = w;
  const L = rows.outSize * cols.outSize;
  const plane = rows.inSize * cols.inSize;
  const taps = rows.taps * cols.taps;
  const table = new Int32Array(taps * L);
  let padded = false;
  for (let ki = 0; ki < rows.taps; ki++) {
    for (let kj = 0; kj < cols.taps; kj++) {
      const k = ki * cols.taps + kj;
      for (let oi = 0; oi < rows.outSize; oi++) {
        const r = rows.map[ki * rows.outSize + oi];
        for (let oj = 0; oj < cols.outSize; oj++) {
          const c = cols.map[kj * cols.outSize + oj];
          const inside = r >= 0 && c >= 0;
          if (!inside) padded = true;
          const l = oi * cols.outSize + oj;
          table[tapsLast ? l * taps + k : k * L + l] = inside ? r * cols.inSize + c : plane;
        }
      }
    }
  }
  return { table, padded };
}

/**
 * The index table of the rows layout over `channels` planes: entry `(l·C + c)·taps + k` is tap k of output l
 * in channel c, read from the flat `[C·inH·inW]` sample (`c·plane + r·inW + col`), or the padding slot
 * `C·plane`.
 */
function rowsTable(w: Window2d, channels: number): { table: Int32Array; padded: boolean } {
  const { table: taps, padded } = windowTable(w, true);
  const k = w.rows.taps * w.cols.taps;
  const L = w.rows.outSize * w.cols.outSize;
  const plane = w.rows.inSize * w.cols.inSize;
  const table = new Int32Array(L * channels * k);
  for (let l = 0; l < L; l++)
    for (let c = 0; c < channels; c++)
      for (let t = 0; t < k; t++) {
        const v = taps[l * k + t];
        table[(l * channels + c) * k + t] = v === plane ? channels * plane : c * plane + v;
      }
  return { table, padded };
}

const MAX_CACHED = 256;
const tables = new Map<string, { table: Int32Array; padded: boolean }>();

/**
 * The int32 index table of a geometry, uploaded to `backend` (the rows layout of `unfold2dRows` when
 * `channels` > 0); `padded` says whether any tap reads the padding slot. The host table is cached per
 * geometry.
 * NOTE: the uploaded tensor is per call (the op scope frees it, or the graph node that saves it), never
 * cached on the backend: a cache would be storage no lifetime rule owns. Uploading K·L int32s costs far less
 * than the product they feed.
 */
export function windowIndex(
  backend: Backend,
  w: Window2d,
  tapsLast = false,
  channels = 0,
): { index: Tensor; padded: boolean } {
  const key = `${w.rows.key}|${w.cols.key}|${tapsLast}|${channels}`;
  let entry = tables.get(key);
  if (!entry) {
    entry = channels > 0 ? rowsTable(w, channels) : windowTable(w, tapsLast);
    if (tables.size >= MAX_CACHED) tables.delete(tables.keys().next().value as string);
    tables.set(key, entry);
  }
  return { index: tensor(entry.table, { dtype: 'int32', backend }), padded: entry.padded };
}

/** What the window ops save: the index table, the plan and the shape of the other side. */
interface WindowOps {
  unfold: { saved: [index: Tensor]; ctx: { plan: GatherPlan; shape: Shape } };
  fold: { saved: [index: Tensor]; ctx: { plan: GatherPlan; shape: Shape } };
}

const record = recorder<WindowOps>({
  unfold: (g, [index], { plan, shape }) => [fold(g, index, plan, shape)],
  fold: (g, [index], { plan, shape }) => [unfoldBy(g, index, plan, shape)],
});

/** `out[o, c, i] = x[o, index[...], i]` with a recorded adjoint; `index` must be in range (not checked). */
export function unfoldBy(x: Tensor, index: Tensor, plan: GatherPlan, outShape: Shape): Tensor {
  const out = runGather('unfold', x, index, plan, outShape);
  return record(out, 'unfold', { inputs: [x], saved: [index], ctx: { plan, shape: x.shape } });
}

/** `out[o, index[...], i] += src[o, c, i]` into zeros of `shape`, with a recorded adjoint (`unfoldBy`). */
export function fold(src: Tensor, index: Tensor, plan: GatherPlan, shape: Shape): Tensor {
  const out = runScatterAdd('fold', src, index, plan, shape);
  return record(out, 'fold', { inputs: [src], saved: [index], ctx: { plan, shape: src.shape } });
}

/**
 * Unfold (im2col) of x `[N, C, inH, inW]` to `[N, C, taps, L]` (`taps = kH·kW`, `L = outH·outW`), or to
 * `[N, C, L, taps]` when `tapsLast` (what a reduction over each window reads contiguously), taps in the
 * padding reading `padValue`.
 */
export function unfold2d(x: Tensor, w: Window2d, padValue: number, tapsLast = false): Tensor {
  return withOp('unfold', () => {
    const [n, c] = x.shape;
    const plane = w.rows.inSize * w.cols.inSize;
    const { index, padded } = windowIndex(x.backend, w, tapsLast);
    const flat = reshape(x, [n * c, plane]);
    const src = padded ? cat([flat, full([n * c, 1], padValue, { backend: x.backend })], 1) : flat;
    const taps = w.rows.taps * w.cols.taps;
    const L = w.rows.outSize * w.cols.outSize;
    const plan: GatherPlan = {
      outer: n * c,
      size: src.shape[1],
      inner: 1,
      count: taps * L,
      indexStrides: [0, 1, 0],
    };
    return reshape(unfoldBy(src, index, plan, [n * c, taps * L, 1]), tapsLast ? [n, c, L, taps] : [n, c, taps, L]);
  });
}

/**
 * Unfold (im2col) of x `[N, C, inH, inW]` in the rows layout `[N·L, C·taps]`: one row per output position of
 * every sample, channels then taps along it, so that a convolution of the whole batch is ONE product with the
 * `[O, C·taps]` weight (a product per sample is too small to split across threads). Padding taps read 0.
 */
export function unfold2dRows(x: Tensor, w: Window2d): Tensor {
  return withOp('unfold', () => {
    const [n, c] = x.shape;
    const sample = c * w.rows.inSize * w.cols.inSize;
    const { index, padded } = windowIndex(x.backend, w, true, c);
    const flat = reshape(x, [n, sample]);
    const src = padded ? cat([flat, full([n, 1], 0, { backend: x.backend })], 1) : flat;
    const row = c * w.rows.taps * w.cols.taps;
    const L = w.rows.outSize * w.cols.outSize;
    const plan: GatherPlan = { outer: n, size: src.shape[1], inner: 1, count: L * row, indexStrides: [0, 1, 0] };
    return reshape(unfoldBy(src, index, plan, [n, L * row, 1]), [n * L, row]);
  });
}

/** Fold (col2im), the adjoint of `unfold2d`: cols `[N, C, taps, L]` summed into `[N, C, inH, inW]`. */
export function fold2d(cols: Tensor, w: Window2d): Tensor {
  return withOp('fold', () => {
    const [n, c] = cols.shape;
    const plane = w.rows.inSize * w.cols.inSize;
    const { index, padded } = windowIndex(cols.backend, w);
    const size = padded ? plane + 1 : plane;
    const taps = w.rows.taps * w.cols.taps;
    const L = w.rows.outSize * w.cols.outSize;
    const plan: GatherPlan = { outer: n * c, size, inner: 1, count: taps * L, indexStrides: [0, 1, 0] };
    const summed = fold(reshape(cols, [n * c, taps * L, 1]), index, plan, [n * c, size, 1]);
    const inside = padded ? slice(summed, 1, 0, plane) : summed;
    return reshape(inside, [n, c, w.rows.inSize, w.cols.inSize]);
  });
}
