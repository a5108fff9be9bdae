/**
 * Index-based selection: `indexSelect` (rows of an embedding, say) and `gather` (torch.gather), both on the
 * `gather` kernel, with `scatterAdd` as their adjoint. Indices are checked here, so a bad label names the
 * op and the value instead of reading out of bounds.
 */

import { backendOf, empty, recorder, runKernel, withOp } from '../engine/dispatch.js';
import { ArgumentError, DTypeError, fmtShape, ShapeError } from '../errors.js';
import { normalizeDim, type Shape, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkTensor } from '../tensor/validate.js';

function checkIndex(op: string, index: Tensor, size: number): void {
  checkTensor(op, index, 'index');
  if (index.dtype !== 'int32') throw new DTypeError(`${op}: index must be int32, got ${index.dtype}`);
  const data = index.dataSync();
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < 0 || v >= size)
      throw new ArgumentError(`${op}: index ${v} (at flat position ${i}) is out of range for size ${size}`);
  }
}

/** The `gather`/`scatterAdd` layout: x viewed as `[outer, size, inner]`, out as `[outer, count, inner]`. */
export interface GatherPlan {
  outer: number;
  size: number;
  inner: number;
  count: number;
  indexStrides: [number, number, number];
}

/** Runs the `gather` kernel into a new tensor of `outShape` (the index is not checked here). */
export function runGather(op: string, x: Tensor, index: Tensor, plan: GatherPlan, outShape: Shape): Tensor {
  const backend = backendOf(op, x, index);
  const out = empty(backend, outShape, x.dtype, [x, index]);
  if (out.size > 0) {
    const args = { dtype: x.dtype, x: x.storage.handle, index: index.storage.handle, out: out.storage.handle, ...plan };
    runKernel(backend, 'gather', args, op, [x, index]);
  }
  return out;
}

/** Runs the `scatterAdd` kernel of `g` into zeros of `shape` (the index is not checked here). */
export function runScatterAdd(op: string, g: Tensor, index: Tensor, plan: GatherPlan, shape: Shape): Tensor {
  const backend = backendOf(op, g, index);
  const out = empty(backend, shape, g.dtype, [g]);
  runKernel(backend, 'fill', { dtype: g.dtype, out: out.storage.handle, offset: 0, n: out.size, value: 0 }, op, [g]);
  if (g.size > 0) {
    const args = {
      dtype: g.dtype,
      src: g.storage.handle,
      index: index.storage.handle,
      out: out.storage.handle,
      ...plan,
    };
    runKernel(backend, 'scatterAdd', args, op, [g, index]);
  }
  return out;
}

/** What the selections save for their adjoint (`scatterAdd`): the index, the plan and the input's shape. */
interface IndexingOps {
  indexSelect: { saved: [index: Tensor]; ctx: { plan: GatherPlan; shape: Shape } };
  gather: { saved: [index: Tensor]; ctx: { plan: GatherPlan; shape: Shape } };
}

const record = recorder<IndexingOps>({
  indexSelect: (g, [index], { plan, shape }) => [runScatterAdd('indexSelect', g, index, plan, shape)],
  gather: (g, [index], { plan, shape }) => [runScatterAdd('gather', g, index, plan, shape)],
});

/** Entries of `x` along `dim` picked by a 1-D int32 `index`. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  return withOp('indexSelect', () => {
    checkTensor('indexSelect', x);
    checkTensor('indexSelect', index, 'index');
    const d = normalizeDim('indexSelect', dim, x.ndim);
    if (index.ndim > 1)
      throw new ShapeError(`indexSelect: index must be 0-D or 1-D, got shape ${fmtShape(index.shape)}`);
    // NOTE: a 0-d input is one element along its only dim, so only a single index 0 fits it, as in PyTorch
    // (which returns the 0-d value for one index, and errors out of range otherwise).
    if (x.ndim === 0 && index.size !== 1) {
      throw new ShapeError(`indexSelect: a 0-d input takes exactly one index, got ${index.size}`);
    }
    checkIndex('indexSelect', index, x.ndim === 0 ? 1 : x.shape[d]);
    return indexSelectChecked(x, d, index);
  });
}

/** @internal `indexSelect` of an index core made in range itself (flip's reversal), without reading it back. */
export function indexSelectChecked(x: Tensor, d: number, index: Tensor): Tensor {
  return withOp('indexSelect', () => {
    const plan: GatherPlan = {
      outer: sizeOf(x.shape.slice(0, d)),
      size: x.ndim === 0 ? 1 : x.shape[d],
      inner: sizeOf(x.shape.slice(d + 1)),
      count: index.size,
      indexStrides: [0, 1, 0],
    };
    const outShape = x.shape.map((v, i) => (i === d ? index.size : v));
    const out = runGather('indexSelect', x, index, plan, outShape);
    return record(out, 'indexSelect', { inputs: [x], saved: [index], ctx: { plan, shape: x.shape } });
  });
}

/**
 * `out[..., j, ...] = x[..., index[..., j, ...], ...]` along `dim` (torch.gather). `index` has x's rank and
 * matches x in every other dim.
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  return withOp('gather', () => {
    checkTensor('gather', x);
    checkTensor('gather', index, 'index');
    const d = normalizeDim('gather', dim, x.ndim);
    if (index.ndim !== x.ndim || index.shape.some((v, i) => i !== d && v !== x.shape[i])) {
      throw new ShapeError(
        `gather: index shape ${fmtShape(index.shape)} must match input shape ${fmtShape(x.shape)} except in dim ${d}`,
      );
    }
    checkIndex('gather', index, x.shape[d]);
    return gatherChecked(x, d, index);
  });
}

/**
 * @internal `gather` of an index core made itself and knows to be in range (sort's permutation), without
 * reading it back: the same kernel and gradient rule, and no host read.
 */
export function gatherChecked(x: Tensor, d: number, index: Tensor): Tensor {
  return withOp('gather', () => {
    const inner = sizeOf(x.shape.slice(d + 1));
    const count = index.shape[d];
    const plan: GatherPlan = {
      outer: sizeOf(x.shape.slice(0, d)),
      size: x.shape[d],
      inner,
      count,
      indexStrides: [count * inner, inner, 1],
    };
    const out = runGather('gather', x, index, plan, index.shape);
    return record(out, 'gather', { inputs: [x], saved: [index], ctx: { plan, shape: x.shape } });
  });
}
