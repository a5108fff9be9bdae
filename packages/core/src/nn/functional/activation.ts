/**
 * Functional activations and dropout. The activations are core ops re-exported under nn.functional's
 * names; dropout draws its mask on the host from the core generator, so a seed reproduces it on any backend.
 */
import { withOp } from '../../engine/dispatch.js';
import { ArgumentError } from '../../errors.js';
import { mul } from '../../ops/elementwise.js';
import { tensor } from '../../tensor/creation.js';
import { defaultGenerator, type Generator } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions, checkTensor, describe } from '../../tensor/validate.js';

export { gelu, leakyRelu, relu, sigmoid, softplus, tanh } from '../../ops/activation.js';
export { logSoftmax, softmax } from '../../ops/softmax.js';

/** Options of `dropout`. */
export interface DropoutOptions {
  /** Where the mask comes from (default: the core default generator). */
  generator?: Generator;
}

/** Zeroes each element with probability `p` and scales the rest by `1 / (1 - p)`; identity when not training. */
export function dropout(x: Tensor, p = 0.5, training = true, options?: DropoutOptions): Tensor {
  return withOp('dropout', () => {
    checkTensor('dropout', x);
    if (typeof p !== 'number' || !(p >= 0 && p <= 1))
      throw new ArgumentError(`dropout: p must be in [0, 1], got ${describe(p)}`);
    if (typeof training !== 'boolean')
      throw new ArgumentError(`dropout: training must be a boolean, got ${describe(training)}`);
    checkOptions('dropout', options, ['generator']);
    if (!training || p === 0) return x;
    const g = options?.generator ?? defaultGenerator;
    // NOTE: p = 1 keeps nothing; the scale would be 1/0, so the mask is all zeros instead.
    const scale = p === 1 ? 0 : 1 / (1 - p);
    const mask = new Float32Array(x.size);
    for (let i = 0; i < mask.length; i++) mask[i] = g.nextFloat() < p ? 0 : scale;
    return mul(x, tensor(mask, { shape: x.shape, backend: x.backend }));
  });
}
