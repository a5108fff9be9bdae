/**
 * In-place writes into a tensor's storage: `copy_` (PyTorch's name), used by optimizers, constraints and
 * `loadStateDict`. They are never recorded in the graph; writing into a leaf that requires grad is only
 * allowed with gradient recording off, as in PyTorch.
 */
import { isGradEnabled } from '../autograd/grad-mode.js';
import { runKernel, withOp } from '../engine/dispatch.js';
import { AutogradError, fmtShape, ShapeError } from '../errors.js';
import { fillValue } from '../tensor/creation.js';
import { sameShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkTensor } from '../tensor/validate.js';
import { cast, copyTo } from './cast.js';
import { expand } from './movement.js';

/** Copies `src` (broadcast to `target`'s shape, converted to its dtype and backend) into `target`'s storage. */
export function copyInto(target: Tensor, src: Tensor): Tensor {
  return withOp('copy_', () => {
    checkTensor('copy_', target, 'self');
    checkTensor('copy_', src, 'src');
    if (target.requiresGrad && isGradEnabled()) {
      throw new AutogradError(
        'copy_: cannot write into a tensor that requires grad while gradients are recorded; wrap it in noGrad()',
      );
    }
    const given = src;
    if (src.size !== 1 && !sameShape(src.shape, target.shape)) {
      try {
        src = expand(src, target.shape);
      } catch {
        throw new ShapeError(
          `copy_: source shape ${fmtShape(src.shape)} cannot be broadcast to ${fmtShape(target.shape)}`,
        );
      }
    }
    const onBackend = copyTo(src, target.backend);
    const moved = cast(onBackend, target.dtype);
    const backend = target.backend;
    if (moved.storage === target.storage) return target;
    if (moved.size === 1 && target.size !== 1) {
      const v = moved.item();
      const args = { dtype: target.dtype, out: target.storage.handle, offset: 0, n: target.size, value: v };
      runKernel(backend, 'fill', args, 'copy_', [target, given]);
    } else if (target.size > 0) {
      const args = {
        dtype: target.dtype,
        x: moved.storage.handle,
        xOffset: 0,
        xStrides: [1],
        out: target.storage.handle,
        outOffset: 0,
        outStrides: [1],
        shape: [target.size],
      };
      runKernel(backend, 'copyStrided', args, 'copy_', [target, given]);
    }
    return target;
  });
}

/** Fills `target` with `value` in place. */
export function fillInto(target: Tensor, value: number): Tensor {
  return withOp('fill_', () => {
    checkTensor('fill_', target, 'self');
    if (target.requiresGrad && isGradEnabled()) {
      throw new AutogradError(
        'fill_: cannot write into a tensor that requires grad while gradients are recorded; wrap it in noGrad()',
      );
    }
    const v = fillValue('fill_', value, target.dtype);
    const args = { dtype: target.dtype, out: target.storage.handle, offset: 0, n: target.size, value: v };
    runKernel(target.backend, 'fill', args, 'fill_', [target]);
    return target;
  });
}
