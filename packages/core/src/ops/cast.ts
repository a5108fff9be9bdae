/** Dtype conversion, copies, and moving data between backends. */
import type { Backend } from '../backend/backend.js';
import type { DType } from '../backend/dtype.js';
import { DTypeError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { backendOf, empty, record } from './dispatch.js';

/** `x` converted to `dtype` (a new tensor; `x` itself when the dtype already matches). */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const backend = backendOf('to', x);
  const out = empty(backend, x.shape, dtype, [x]);
  backend.kernels.cast({ x: x.storage.handle, from: x.dtype, to: dtype, out: out.storage.handle, n: x.size });
  return out;
}

/** Throws unless `x` is float32. */
export function requireFloat(op: string, x: Tensor): void {
  if (x.dtype !== 'float32') throw new DTypeError(`${op}: expected a float32 tensor, got ${x.dtype}`);
}

/** A copy of `x` with its own storage (gradients flow through). */
export function clone(x: Tensor): Tensor {
  const backend = backendOf('clone', x);
  const out = empty(backend, x.shape, x.dtype, [x]);
  const n = x.size;
  backend.kernels.copyStrided({
    dtype: x.dtype,
    x: x.storage.handle,
    xOffset: 0,
    xStrides: [1],
    out: out.storage.handle,
    outOffset: 0,
    outStrides: [1],
    shape: [n],
  });
  return record(out, 'clone', [x], (g) => [g]);
}

/** `x`'s data on another backend (gradients flow back to `x`'s backend). */
export function copyTo(x: Tensor, backend: Backend): Tensor {
  if (x.backend === backend) return x;
  const out = empty(backend, x.shape, x.dtype, [x]);
  backend.write(out.storage.handle, x.dataSync());
  return record(out, 'to', [x], (g) => [copyTo(g, x.backend)]);
}
