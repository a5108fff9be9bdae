/**
 * Dtype conversion, copies, and moving data between backends. `cast` is the internal form (it returns `x`
 * itself when nothing changes, so temporaries are easy to dispose); the public `to`/`castTo` always return a
 * new tensor object, sharing storage when nothing changes.
 */
import type { Backend } from '../backend/backend.js';
import type { DType } from '../backend/dtype.js';
import { backendOf, empty, recorder, runKernel, withOp } from '../engine/dispatch.js';
import { ArgumentError, DTypeError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkDType, checkTensor, describe } from '../tensor/validate.js';
import { alias } from './movement.js';

/** What the copies keep for their gradients: nothing but, for a move, the backend the gradient goes back to. */
interface CopyOps {
  clone: { saved: []; ctx: null };
  to: { saved: []; ctx: Backend };
}

const record = recorder<CopyOps>({
  clone: (g) => [g],
  to: (g, _, from) => [copyTo(g, from)],
});

/** `x` converted to `dtype` (a new tensor; `x` itself when the dtype already matches). */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const backend = backendOf('to', x);
  const out = empty(backend, x.shape, dtype, [x]);
  runKernel(
    backend,
    'cast',
    { x: x.storage.handle, from: x.dtype, to: dtype, out: out.storage.handle, n: x.size },
    'to',
    [x],
  );
  return out;
}

/**
 * `x` converted to `dtype`, always as a new tensor (a view sharing `x`'s storage when the dtype already
 * matches). float32 -> int32 saturates and maps NaN to 0; anything -> bool is `x != 0` (docs/numerics.md).
 */
export function castTo(x: Tensor, dtype: DType): Tensor {
  return castOrAlias('cast', x, dtype);
}

function castOrAlias(op: string, x: Tensor, dtype: DType): Tensor {
  return withOp(op, () => {
    checkTensor(op, x);
    checkDType(op, dtype);
    return x.dtype === dtype ? alias(x, op) : cast(x, dtype);
  });
}

/** `x` on `target` (a dtype or a backend), always as a new tensor object (`Tensor.to`). */
export function to(x: Tensor, target: DType | Backend): Tensor {
  if (typeof target === 'string') return castOrAlias('to', x, target);
  return withOp('to', () => {
    if (typeof target !== 'object' || target === null || typeof target.alloc !== 'function')
      throw new ArgumentError(`to: expected a dtype or a backend, got ${describe(target)}`);
    return x.backend === target ? alias(x, 'to') : copyTo(x, target);
  });
}

/** Throws unless `x` is float32. */
export function requireFloat(op: string, x: Tensor): void {
  checkTensor(op, x);
  if (x.dtype !== 'float32') throw new DTypeError(`${op}: expected a float32 tensor, got ${x.dtype}`);
}

/** A copy of `x` with its own storage (gradients flow through). */
export function clone(x: Tensor): Tensor {
  return withOp('clone', () => {
    checkTensor('clone', x);
    const backend = backendOf('clone', x);
    const out = empty(backend, x.shape, x.dtype, [x]);
    const args = {
      dtype: x.dtype,
      x: x.storage.handle,
      xOffset: 0,
      xStrides: [1],
      out: out.storage.handle,
      outOffset: 0,
      outStrides: [1],
      shape: [x.size],
    };
    runKernel(backend, 'copyStrided', args, 'clone', [x]);
    return record(out, 'clone', { inputs: [x], saved: [], ctx: null });
  });
}

/** `x`'s data on another backend (gradients flow back to `x`'s backend). */
export function copyTo(x: Tensor, backend: Backend): Tensor {
  if (x.backend === backend) return x;
  const out = empty(backend, x.shape, x.dtype, [x]);
  backend.write(out.storage.handle, x.dataSync());
  return record(out, 'to', { inputs: [x], saved: [], ctx: x.backend });
}
