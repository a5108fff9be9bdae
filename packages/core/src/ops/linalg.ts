/**
 * Matrix products with PyTorch's rules: 1-D operands are promoted and the added dim removed, batch dims
 * broadcast. Everything lowers to one batched kernel call with transpose flags, so the backward pass
 * (A^T·G and G·B^T) never copies a transposed operand.
 */

import { isGradEnabled } from '../autograd/grad-mode.js';
import { backendOf, empty, hasFused, recorder, runFused, runKernel, withOp } from '../engine/dispatch.js';
import { DTypeError, fmtShape, ShapeError } from '../errors.js';
import { broadcastShapes, sameShape, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkTensor } from '../tensor/validate.js';
import { expand, reshape } from './movement.js';
import { sumTo } from './reduce.js';

/** `op(a) · op(b)` on 3-D `[batch | 1, rows, cols]` tensors; `op` transposes the last two dims when flagged. */
export function bmm(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const [ba, ra, ca] = a.shape;
  const [bb, rb, cb] = b.shape;
  const m = transA ? ca : ra;
  const k = transA ? ra : ca;
  const kb = transB ? cb : rb;
  const n = transB ? rb : cb;
  if (k !== kb || (ba !== bb && ba !== 1 && bb !== 1)) {
    throw new ShapeError(
      `matmul: cannot multiply ${fmtShape(a.shape)}${transA ? 'ᵀ' : ''} by ${fmtShape(b.shape)}${transB ? 'ᵀ' : ''}`,
    );
  }
  const batch = Math.max(ba, bb);
  const backend = backendOf('matmul', a, b);
  const out = empty(backend, [batch, m, n], 'float32', [a, b]);
  const args = {
    a: a.storage.handle,
    b: b.storage.handle,
    out: out.storage.handle,
    batch,
    m,
    k,
    n,
    transA,
    transB,
    aBatchStride: ba === 1 ? 0 : m * k,
    bBatchStride: bb === 1 ? 0 : k * n,
  };
  runKernel(backend, 'matmul', args, 'matmul', [a, b]);
  return record(out, 'matmul', { inputs: [a, b], saved: [a, b], ctx: { transA, transB } });
}

/**
 * `op(a)·op(a)ᵀ` of a 3-D `[batch, rows, cols]` float32 tensor (`op` transposes the last two dims when
 * `transA`): the backend's fused `syrk` (one triangle, mirrored, so the result is exactly symmetric) when it
 * has one and no gradient is recorded, else `bmm` (the fallback, differentiable).
 */
export function syrk(a: Tensor, transA: boolean): Tensor {
  const [batch, rows, cols] = a.shape;
  const backend = backendOf('syrk', a);
  if (!hasFused(backend, 'syrk') || (isGradEnabled() && a.requiresGrad)) return bmm(a, a, transA, !transA);
  const n = transA ? cols : rows;
  const out = empty(backend, [batch, n, n], 'float32', [a]);
  const args = { a: a.storage.handle, out: out.storage.handle, batch, n, k: transA ? rows : cols, transA };
  runFused(backend, 'syrk', args, 'syrk', [a]);
  return out;
}

/** What `bmm` saves: both operands and the transpose flags. */
interface LinalgOps {
  matmul: { saved: [a: Tensor, b: Tensor]; ctx: { transA: boolean; transB: boolean } };
}

const record = recorder<LinalgOps>({
  // NOTE: each gradient is computed only when its input needs it (x of a Linear layer never does).
  matmul: (g, [a, b], { transA, transB }, needs) => [
    needs[0] ? sumTo(transA ? bmm(b, g, transB, true) : bmm(g, b, false, !transB), a.shape) : null,
    needs[1] ? sumTo(transB ? bmm(g, a, true, transA) : bmm(a, g, !transA, false), b.shape) : null,
  ],
});

/** Matrix product of `a` and `b` (float32) with PyTorch's `matmul` semantics. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  return withOp('matmul', () => {
    checkTensor('matmul', a, 'first operand');
    checkTensor('matmul', b, 'second operand');
    if (a.dtype !== 'float32' || b.dtype !== 'float32')
      throw new DTypeError(`matmul: expected float32 tensors, got ${a.dtype} and ${b.dtype}`);
    if (a.ndim === 0 || b.ndim === 0)
      throw new ShapeError(
        `matmul: both arguments need at least 1 dim, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
      );
    const a2 = a.ndim === 1 ? reshape(a, [1, a.shape[0]]) : a;
    const b2 = b.ndim === 1 ? reshape(b, [b.shape[0], 1]) : b;
    const m = a2.shape[a2.ndim - 2];
    const k = a2.shape[a2.ndim - 1];
    const n = b2.shape[b2.ndim - 1];
    if (b2.shape[b2.ndim - 2] !== k) {
      throw new ShapeError(
        `matmul: inner dims differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)} (${k} vs ${b2.shape[b2.ndim - 2]})`,
      );
    }
    const batchA = a2.shape.slice(0, -2);
    const batchB = b2.shape.slice(0, -2);
    const batch = broadcastShapes('matmul', batchA, batchB);
    const flatBatch = (t: Tensor, own: readonly number[], rows: number, cols: number): Tensor => {
      // A batch that is broadcast in a pattern one stride cannot express (e.g. [3, 1] against [3, 4]) is expanded.
      const ownSize = sizeOf(own);
      const full =
        ownSize === 1 || sameShape([...Array(batch.length - own.length).fill(1), ...own], batch)
          ? t
          : expand(t, [...batch, rows, cols]);
      return reshape(full, [full === t ? ownSize : sizeOf(batch), rows, cols]);
    };
    const a3 = flatBatch(a2, batchA, m, k);
    const b3 = flatBatch(b2, batchB, k, n);
    const out = bmm(a3, b3, false, false);
    const shape = [...batch, m, n];
    if (a.ndim === 1) shape.splice(shape.length - 2, 1);
    if (b.ndim === 1) shape.splice(shape.length - 1, 1);
    return reshape(out, shape);
  });
}
