/**
 * `linear(x, weight, bias)`: `x·weightᵀ + bias`, with x of any rank `[..., in]`. The product goes straight
 * to the batched matmul with the transpose flag, so `weight.t()` is never materialized, forward or backward.
 */

import { withOp } from '../../engine/dispatch.js';
import { DTypeError, fmtShape, ShapeError } from '../../errors.js';
import { add } from '../../ops/elementwise.js';
import { bmm } from '../../ops/linalg.js';
import { reshape } from '../../ops/movement.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkTensor } from '../../tensor/validate.js';

/** `x·weightᵀ + bias` for x `[..., in]`, weight `[out, in]`, bias `[out]`; the result is `[..., out]`. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return withOp('linear', () => {
    checkTensor('linear', x, 'input');
    checkTensor('linear', weight, 'weight');
    if (bias !== undefined && bias !== null) checkTensor('linear', bias, 'bias');
    if (x.dtype !== 'float32' || weight.dtype !== 'float32') {
      throw new DTypeError(`linear: expected float32 input and weight, got ${x.dtype} and ${weight.dtype}`);
    }
    if (weight.ndim !== 2) throw new ShapeError(`linear: weight must be 2-D [out, in], got ${fmtShape(weight.shape)}`);
    const [outFeatures, inFeatures] = weight.shape;
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== inFeatures) {
      throw new ShapeError(
        `linear: input ${fmtShape(x.shape)} does not fit weight ${fmtShape(weight.shape)}: the input's last dim must be inFeatures = ${inFeatures}`,
      );
    }
    if (bias && (bias.ndim !== 1 || bias.shape[0] !== outFeatures)) {
      throw new ShapeError(
        `linear: bias must have shape [${outFeatures}] for weight ${fmtShape(weight.shape)}, got ${fmtShape(bias.shape)}`,
      );
    }
    const lead = x.shape.slice(0, -1);
    const rows = lead.reduce((n, d) => n * d, 1);
    const product = bmm(reshape(x, [1, rows, inFeatures]), reshape(weight, [1, outFeatures, inFeatures]), false, true);
    const out = reshape(product, [...lead, outFeatures]);
    return bias ? add(out, bias) : out;
  });
}
