/**
 * `linear(x, weight, bias)`: `x·weightᵀ + bias`, with x of any rank `[..., in]`, as ONE recorded op. The
 * forward is one matmul kernel with the transpose flag (so `weight.t()` is never materialized) and one
 * broadcast add of the bias into the product; the rule is written out: `dx = g·W`, `dW = gᵀ·x` (one kernel
 * each, transpose flags again) and `db` = the sum of g over its rows. All run on 2-D `[rows, features]` views of the
 * contiguous operands, so a layer costs one op and one graph node, not the five ops (three reshapes, a
 * matmul, an add) and their five nodes it was made of; the kernels and their order are those of the
 * composite, so the values are too.
 */

import { backendOf, empty, recorder, runKernel, withOp } from '../../engine/dispatch.js';
import { DTypeError, fmtShape, ShapeError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkTensor } from '../../tensor/validate.js';

/** What `linear` saves: the input and the weight (the bias is not read by the rule). */
interface LinearOps {
  linear: { saved: [x: Tensor, weight: Tensor]; ctx: { rows: number; bias: boolean } };
}

/** `out (m x n) = op(a) · op(b)` for 2-D views of contiguous storage, as the matmul kernel computes it. */
function product(
  a: Tensor,
  b: Tensor,
  outShape: readonly number[],
  [m, k, n]: [number, number, number],
  transA: boolean,
  transB: boolean,
): Tensor {
  const backend = backendOf('linear', a, b);
  const out = empty(backend, outShape, 'float32', [a, b]);
  const args = {
    a: a.storage.handle,
    b: b.storage.handle,
    out: out.storage.handle,
    batch: 1,
    m,
    k,
    n,
    transA,
    transB,
    aBatchStride: m * k,
    bBatchStride: k * n,
  };
  runKernel(backend, 'matmul', args, 'linear', [a, b]);
  return out;
}

/** The sum of g `[rows, n]` over its rows, as a `[n]` tensor. */
function sumRows(g: Tensor, rows: number, n: number): Tensor {
  const backend = backendOf('linear', g);
  const out = empty(backend, [n], 'float32', [g]);
  const args = {
    op: 'sum',
    dtype: 'float32',
    x: g.storage.handle,
    out: out.storage.handle,
    outer: 1,
    size: rows,
    inner: n,
  } as const;
  runKernel(backend, 'reduce', args, 'linear', [g]);
  return out;
}

/** `xw + bias` over the rows of `xw` `[rows, n]`: written over `xw` when the backend allows it. */
function addBias(xw: Tensor, bias: Tensor, rows: number, n: number): Tensor {
  const backend = backendOf('linear', xw, bias);
  const out = backend.capabilities.inPlace ? xw : empty(backend, xw.shape, 'float32', [xw, bias]);
  const args = {
    op: 'add',
    dtype: 'float32',
    a: xw.storage.handle,
    b: bias.storage.handle,
    out: out.storage.handle,
    shape: [rows, n],
    aStrides: [n, 1],
    bStrides: [0, 1],
  } as const;
  runKernel(backend, 'binary', args, 'linear', [xw, bias]);
  return out;
}

const record = recorder<LinearOps>({
  // NOTE: each gradient is computed only when its input needs it (x of a first layer never does).
  linear: (g, [x, w], { rows, bias }, needs) => {
    const [outF, inF] = w.shape;
    return [
      needs[0] ? product(g, w, x.shape, [rows, outF, inF], false, false) : null,
      needs[1] ? product(g, x, w.shape, [outF, rows, inF], true, false) : null,
      ...(bias ? [needs[2] ? sumRows(g, rows, outF) : null] : []),
    ];
  },
});

/** `x·weightᵀ + bias` for x `[..., in]`, weight `[out, in]`, bias `[out]`; the result is `[..., out]`. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return withOp('linear', () => {
    checkTensor('linear', x, 'input');
    checkTensor('linear', weight, 'weight');
    const b = bias ?? null;
    if (b !== null) checkTensor('linear', b, 'bias');
    if (x.dtype !== 'float32' || weight.dtype !== 'float32' || (b !== null && b.dtype !== 'float32')) {
      const got = `${x.dtype} input, ${weight.dtype} weight${b !== null ? ` and ${b.dtype} bias` : ''}`;
      throw new DTypeError(`linear: expected float32 input, weight and bias, got ${got}`);
    }
    if (weight.ndim !== 2) throw new ShapeError(`linear: weight must be 2-D [out, in], got ${fmtShape(weight.shape)}`);
    const [outFeatures, inFeatures] = weight.shape;
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== inFeatures) {
      throw new ShapeError(
        `linear: input ${fmtShape(x.shape)} does not fit weight ${fmtShape(weight.shape)}: the input's last dim must be inFeatures = ${inFeatures}`,
      );
    }
    if (b !== null && (b.ndim !== 1 || b.shape[0] !== outFeatures)) {
      throw new ShapeError(
        `linear: bias must have shape [${outFeatures}] for weight ${fmtShape(weight.shape)}, got ${fmtShape(b.shape)}`,
      );
    }
    const lead = x.shape.slice(0, -1);
    const rows = lead.reduce((n, d) => n * d, 1);
    const xw = product(x, weight, [...lead, outFeatures], [rows, inFeatures, outFeatures], false, true);
    const out = b !== null ? addBias(xw, b, rows, outFeatures) : xw;
    const inputs = b !== null ? [x, weight, b] : [x, weight];
    return record(out, 'linear', { inputs, saved: [x, weight], ctx: { rows, bias: b !== null } });
  });
}
