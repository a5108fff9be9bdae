/**
 * `oneHot(indices, numClasses)` (PyTorch's `F.one_hot`): an int32 tensor with one more dim, 1 at each
 * index's class and 0 elsewhere. The indices are read once to check their range (and, for
 * `numClasses = -1`, to find it); the result is one `eq` against `arange` and a cast.
 */

import { withOp } from '../../engine/dispatch.js';
import { ArgumentError, DTypeError } from '../../errors.js';
import { castTo } from '../../ops/cast.js';
import { compare } from '../../ops/compare.js';
import { unsqueeze } from '../../ops/movement.js';
import { arange } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkInt, checkTensor } from '../../tensor/validate.js';

/**
 * One-hot encoding of int32 `indices` (any shape) into `numClasses` classes: the result has shape
 * `[...indices.shape, numClasses]` and dtype int32 (PyTorch: int64). `numClasses = -1` (the default) uses
 * `max(indices) + 1`. Not differentiable.
 */
export function oneHot(indices: Tensor, numClasses = -1): Tensor {
  return withOp('oneHot', () => {
    checkTensor('oneHot', indices, 'indices');
    if (indices.dtype !== 'int32') throw new DTypeError(`oneHot: indices must be int32, got ${indices.dtype}`);
    checkInt('oneHot', 'numClasses', numClasses, -1);
    const data = indices.dataSync() as Int32Array;
    let top = -1;
    for (let i = 0; i < data.length; i++) {
      if (data[i] < 0) throw new ArgumentError(`oneHot: index ${data[i]} (at flat position ${i}) is negative`);
      top = Math.max(top, data[i]);
    }
    let n = numClasses;
    if (n === -1) {
      if (data.length === 0)
        throw new ArgumentError('oneHot: cannot infer numClasses from an empty tensor; pass numClasses');
      n = top + 1;
    }
    if (top >= n) throw new ArgumentError(`oneHot: index ${top} is out of range for numClasses ${n}`);
    const classes = arange(n, undefined, 1, { dtype: 'int32', backend: indices.backend });
    return castTo(compare('eq', unsqueeze(indices, -1), classes), 'int32');
  });
}
