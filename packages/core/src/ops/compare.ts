/** Comparisons (bool results), `where`, and `clamp`. Comparisons have no gradient; `where` routes it. */
import type { CompareOp } from '../backend/kernels.js';
import { backendOf, empty, recorder, runKernel, withOp } from '../engine/dispatch.js';
import { ArgumentError, DTypeError } from '../errors.js';
import { broadcastLayout, type Shape } from '../tensor/shape.js';
import type { Tensor, TensorLike } from '../tensor/tensor.js';
import { checkTensor, checkTensorLike } from '../tensor/validate.js';
import { cast } from './cast.js';
import { maximum, minimum, promote, scalarTensor, unbroadcast } from './elementwise.js';

function asTensor(v: TensorLike, like: Tensor): Tensor {
  if (typeof v !== 'number') return v;
  const dtype = !Number.isInteger(v) || like.dtype === 'float32' ? 'float32' : 'int32';
  return scalarTensor(v, like, dtype);
}

/** `a op b` elementwise with broadcasting; a bool tensor. */
export function compare(op: CompareOp, a: TensorLike, b: TensorLike): Tensor {
  return withOp(op, () => {
    checkTensorLike(op, a);
    checkTensorLike(op, b);
    if (typeof a === 'number') {
      if (typeof b === 'number')
        throw new ArgumentError(`${op}: at least one operand must be a tensor, got ${a} and ${b}`);
      a = asTensor(a, b);
    }
    const tb = asTensor(b, a);
    const dtype = promote(a.dtype, tb.dtype);
    const ca = cast(a, dtype);
    const cb = cast(tb, dtype);
    const backend = backendOf(op, ca, cb);
    const { shape, kernelShape, strides } = broadcastLayout(op, ca.shape, cb.shape);
    const out = empty(backend, shape, 'bool', [ca, cb]);
    const [aStrides, bStrides] = strides;
    runKernel(
      backend,
      'compare',
      {
        op,
        dtype,
        a: ca.storage.handle,
        b: cb.storage.handle,
        out: out.storage.handle,
        shape: kernelShape,
        aStrides,
        bStrides,
      },
      op,
      [ca, cb],
    );
    return out;
  });
}

/** What `where` saves: the condition, and the shapes of both branches. */
interface WhereOps {
  where: { saved: [condition: Tensor]; ctx: [aShape: Shape, bShape: Shape] };
}

const record = recorder<WhereOps>({
  where: (g, [condition], [aShape, bShape], needs) => [
    needs[0] ? unbroadcast(where(condition, g, 0), aShape) : null,
    needs[1] ? unbroadcast(where(condition, 0, g), bShape) : null,
  ],
});

/** `condition ? a : b` elementwise with broadcasting; the gradient goes to the branch that was taken. */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  return withOp('where', () => {
    checkTensor('where', condition, 'condition');
    checkTensorLike('where', a);
    checkTensorLike('where', b);
    if (condition.dtype !== 'bool') throw new DTypeError(`where: condition must be bool, got ${condition.dtype}`);
    const ta = asTensor(a, typeof b === 'number' ? condition : b);
    const tb = asTensor(b, ta);
    const dtype = promote(ta.dtype, tb.dtype);
    const ca = cast(ta, dtype);
    const cb = cast(tb, dtype);
    const backend = backendOf('where', condition, ca, cb);
    const { shape, kernelShape, strides } = broadcastLayout('where', condition.shape, ca.shape, cb.shape);
    const out = empty(backend, shape, dtype, [condition, ca, cb]);
    const args = {
      dtype,
      cond: condition.storage.handle,
      a: ca.storage.handle,
      b: cb.storage.handle,
      out: out.storage.handle,
      shape: kernelShape,
      condStrides: strides[0],
      aStrides: strides[1],
      bStrides: strides[2],
    };
    runKernel(backend, 'where', args, 'where', [condition, ca, cb]);
    return record(out, 'where', { inputs: [ca, cb], saved: [condition], ctx: [ca.shape, cb.shape] });
  });
}

/** Clamps `x` into `[min, max]`; a missing bound is not applied. Gradient flows where x is inside. */
export function clamp(x: Tensor, min?: TensorLike | null, max?: TensorLike | null): Tensor {
  return withOp('clamp', () => {
    checkTensor('clamp', x);
    if (min == null && max == null) throw new ArgumentError('clamp: at least one of min and max must be given');
    if (min != null) checkTensorLike('clamp', min, 'min');
    if (max != null) checkTensorLike('clamp', max, 'max');
    let out = x;
    if (min != null) out = maximumKeepGrad(out, min, 'lower');
    if (max != null) out = maximumKeepGrad(out, max, 'upper');
    return out;
  });
}

// NOTE: clamp's gradient is 1 at the bound itself (PyTorch), unlike maximum/minimum's half-half tie split,
// so it is written with where().
function maximumKeepGrad(x: Tensor, bound: TensorLike, side: 'lower' | 'upper'): Tensor {
  if (!x.requiresGrad || typeof bound !== 'number') return side === 'lower' ? maximum(x, bound) : minimum(x, bound);
  const outside = side === 'lower' ? compare('lt', x, bound) : compare('gt', x, bound);
  return where(outside, bound, x);
}
