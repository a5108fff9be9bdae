/**
 * `Parameter`: a float32 leaf tensor that requires gradients and can carry constraints. The constraint
 * methods delegate to the registry in constraints/, which owns the association.
 */
import {
  type ConstraintHandle,
  type ConstraintLike,
  type RegisterConstraintOptions,
  registerConstraint,
  registerGradConstraint,
} from '../constraints/registry/index.js';
import { DTypeError } from '../errors.js';
import { collectWhenUnreachable, Tensor } from '../tensor/tensor.js';

/** A trainable leaf tensor (like `torch.nn.Parameter`). */
export class Parameter extends Tensor {
  /**
   * Wraps `data` as a parameter sharing its storage (the tensor should not be used elsewhere afterwards).
   * `requiresGrad` defaults to true.
   */
  constructor(data: Tensor, requiresGrad = true) {
    if (data.dtype !== 'float32' && requiresGrad) {
      throw new DTypeError(`Parameter: only float32 tensors can require gradients; got ${data.dtype}`);
    }
    const storage = data.storage;
    storage.refs++;
    super(storage, data.shape, data.dtype);
    // NOTE: not tracked by tidy(): a model built inside a scope keeps its parameters (like tf.Variable).
    collectWhenUnreachable(this);
    this.requiresGrad = requiresGrad;
  }

  /**
   * Attaches a constraint (a built-in, a `Constraint`, or a function `(value) => Tensor`) that every optimizer
   * step enforces; the parameter is made feasible at once. `{ mode: 'reparametrize' }` optimizes a raw tensor
   * behind `value = transform(raw)` instead. Returns a handle whose `remove()` detaches it.
   */
  registerConstraint(c: ConstraintLike, options?: RegisterConstraintOptions): ConstraintHandle {
    return registerConstraint(this, c, options);
  }

  /** Attaches a constraint on this parameter's gradient, applied by the optimizer before clipping and the update. */
  registerGradConstraint(c: ConstraintLike): ConstraintHandle {
    return registerGradConstraint(this, c);
  }
}
