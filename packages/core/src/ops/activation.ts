/**
 * Activations. relu, sigmoid and tanh are kernels (fast and exact at the edges; their gradient rules are
 * in elementwise.ts's table of unary rules); leakyRelu, gelu and softplus are composites whose gradients
 * come from their parts.
 */
import { withOp } from '../engine/dispatch.js';
import { tidy } from '../engine/lifetime.js';
import { ArgumentError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkNumber, checkTensor, describe } from '../tensor/validate.js';
import { compare, where } from './compare.js';
import { abs, add, div, erf, exp, log1p, maximum, mul, neg, unary } from './elementwise.js';

/** `max(x, 0)`; gradient 0 at 0 (like PyTorch). */
export const relu = (x: Tensor): Tensor => unary('relu', x);

/** `1 / (1 + e^-x)`. */
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);

/** Hyperbolic tangent. */
export const tanh = (x: Tensor): Tensor => unary('tanh', x);

/** `x` for x > 0, else `slope * x`. */
export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  return withOp('leakyRelu', () => {
    checkTensor('leakyRelu', x);
    checkNumber('leakyRelu', 'negativeSlope', slope);
    return tidy(() => {
      return where(compare('gt', x, 0), x, mul(x, slope));
    });
  });
}

/** GELU: `x·Φ(x)` exactly (erf), or the tanh approximation. */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  return withOp('gelu', () => {
    checkTensor('gelu', x);
    if (approximate !== 'none' && approximate !== 'tanh')
      throw new ArgumentError(`gelu: approximate must be 'none' or 'tanh', got ${describe(approximate)}`);
    return tidy(() => {
      if (approximate === 'tanh') {
        const inner = mul(add(x, mul(mul(mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
        return mul(mul(x, 0.5), add(tanh(inner), 1));
      }
      return mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1));
    });
  });
}

/**
 * `log(1 + e^(beta·x)) / beta`, and `x` where `beta·x > threshold` (PyTorch's rule). Written as
 * `max(z, 0) + log1p(e^-|z|)` so it neither overflows nor loses precision for large |z|.
 */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  return withOp('softplus', () => {
    checkTensor('softplus', x);
    checkNumber('softplus', 'beta', beta);
    checkNumber('softplus', 'threshold', threshold);
    return tidy(() => {
      const z = beta === 1 ? x : mul(x, beta);
      const smooth = add(maximum(z, 0), log1p(exp(neg(abs(z)))));
      const y = beta === 1 ? smooth : div(smooth, beta);
      return where(compare('gt', z, threshold), x, y);
    });
  });
}
