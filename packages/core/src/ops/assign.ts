/**
 * In-place writes into a tensor's storage: `copy_` (PyTorch's name), used by optimizers, constraints and
 * `loadStateDict`. They are never recorded in the graph; writing into a leaf that requires grad is only
 * allowed with gradient recording off, as in PyTorch.
 */
import { isGradEnabled } from '../autograd/grad-mode.js';
import { ArgumentError, AutogradError, fmtShape, ShapeError } from '../errors.js';
import { sameShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { cast, copyTo } from './cast.js';
import { expand } from './movement.js';

/** Copies `src` (broadcast to `target`'s shape, converted to its dtype and backend) into `target`'s storage. */
export function copyInto(target: Tensor, src: Tensor): Tensor {
  if (target.requiresGrad && isGradEnabled()) {
    throw new AutogradError(
      'copy_: cannot write into a tensor that requires grad while gradients are recorded; wrap it in noGrad()',
    );
  }
  if (src.size !== 1 && !sameShape(src.shape, target.shape)) {
    try {
      src = expand(src, target.shape);
    } catch {
      throw new ShapeError(
        `copy_: source shape ${fmtShape(src.shape)} cannot be broadcast to ${fmtShape(target.shape)}`,
      );
    }
  }
  const moved = cast(copyTo(src, target.backend), target.dtype);
  const backend = target.backend;
  if (moved.storage === target.storage) return target;
  if (moved.size === 1 && target.size !== 1) {
    const v = moved.item();
    backend.kernels.fill({ dtype: target.dtype, out: target.storage.handle, offset: 0, n: target.size, value: v });
  } else if (target.size > 0) {
    backend.kernels.copyStrided({
      dtype: target.dtype,
      x: moved.storage.handle,
      xOffset: 0,
      xStrides: [1],
      out: target.storage.handle,
      outOffset: 0,
      outStrides: [1],
      shape: [target.size],
    });
  }
  return target;
}

/** Fills `target` with `value` in place. */
export function fillInto(target: Tensor, value: number): Tensor {
  if (target.requiresGrad && isGradEnabled()) {
    throw new AutogradError(
      'fill_: cannot write into a tensor that requires grad while gradients are recorded; wrap it in noGrad()',
    );
  }
  if (typeof value !== 'number') throw new ArgumentError('fill_: value must be a number');
  target.backend.kernels.fill({ dtype: target.dtype, out: target.storage.handle, offset: 0, n: target.size, value });
  return target;
}
