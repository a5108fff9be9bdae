/** `layerNorm`: normalization over the trailing dims, composed from core ops (so autograd differentiates it). */

import { withOp } from '../../engine/dispatch.js';
import { ArgumentError, fmtShape, ShapeError } from '../../errors.js';
import { add, mul, rsqrt, sub } from '../../ops/elementwise.js';
import { mean } from '../../ops/reduce.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions, checkTensor, describe } from '../../tensor/validate.js';

/** Options of `layerNorm`. */
export interface LayerNormOptions {
  /** Scale of shape `normalizedShape`. */
  weight?: Tensor | null;
  /** Shift of shape `normalizedShape`. */
  bias?: Tensor | null;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

/** `(x - mean) / sqrt(var + eps) · weight + bias` over the last `normalizedShape.length` dims (biased variance). */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], options?: LayerNormOptions): Tensor {
  return withOp('layerNorm', () => {
    checkTensor('layerNorm', x);
    checkOptions('layerNorm', options, ['weight', 'bias', 'eps']);
    if (typeof normalizedShape !== 'number' && !Array.isArray(normalizedShape)) {
      throw new ArgumentError(
        `layerNorm: normalizedShape must be an integer or a list of them, got ${describe(normalizedShape)}`,
      );
    }
    if (options?.weight) checkTensor('layerNorm', options.weight, 'weight');
    if (options?.bias) checkTensor('layerNorm', options.bias, 'bias');
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    const k = shape.length;
    if (k === 0 || x.ndim < k || shape.some((d, i) => x.shape[x.ndim - k + i] !== d)) {
      throw new ShapeError(
        `layerNorm: input ${fmtShape(x.shape)} does not end with normalizedShape ${fmtShape(shape)}`,
      );
    }
    for (const [name, t] of [
      ['weight', options?.weight],
      ['bias', options?.bias],
    ] as const) {
      if (t && (t.ndim !== k || t.shape.some((d, i) => d !== shape[i]))) {
        throw new ShapeError(`layerNorm: ${name} must have shape ${fmtShape(shape)}, got ${fmtShape(t.shape)}`);
      }
    }
    const dims = shape.map((_, i) => x.ndim - k + i);
    const centered = sub(x, mean(x, dims, true));
    const variance = mean(mul(centered, centered), dims, true);
    let out = mul(centered, rsqrt(add(variance, options?.eps ?? 1e-5)));
    if (options?.weight) out = mul(out, options.weight);
    if (options?.bias) out = add(out, options.bias);
    return out;
  });
}
