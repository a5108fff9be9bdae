/**
 * `symmetric()`: square matrices (batched over leading dims) equal to their transpose. The projection
 * `(X + Xᵀ)/2` is exact, linear and leaves symmetric matrices bit for bit (x + x = 2x exactly).
 */
import { ArgumentError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Constraint } from '../constraint.js';

function requireSquare(x: Tensor): void {
  if (x.ndim < 2 || x.shape[x.ndim - 1] !== x.shape[x.ndim - 2]) {
    throw new ArgumentError(`symmetric: needs square matrices in the last two dims, got shape ${fmtShape(x.shape)}`);
  }
}

/** `X = Xᵀ` over the last two dims. */
export class SymmetricConstraint extends Constraint {
  readonly name = 'symmetric';
  override readonly convex = true;

  /** `(X + Xᵀ)/2`: finite unless an entry is beyond half of float32's range (the sum overflows). */
  override get safeProjection(): boolean {
    return true;
  }

  override project_(x: Tensor): void {
    requireSquare(x);
    x.copy_(this.transform(x));
  }

  override violation(value: Tensor): number {
    requireSquare(value);
    return value.size === 0 ? 0 : value.sub(value.transpose(-2, -1)).abs().max().item();
  }

  /** `(raw + rawᵀ)/2`. */
  override transform(raw: Tensor): Tensor {
    requireSquare(raw);
    return raw.add(raw.transpose(-2, -1)).mul(0.5);
  }

  override inverse(value: Tensor): Tensor {
    return value.clone();
  }
}

/** Symmetric square matrices (over the last two dims). */
export function symmetric(): SymmetricConstraint {
  return new SymmetricConstraint();
}
