/**
 * `dropout2d`: zeroes whole channels. The mask has one entry per `(N, C)` (the first two dims), drawn on the
 * host from the core generator like `dropout`'s, and broadcasts over the rest.
 */
import { withOp } from '../../engine/dispatch.js';
import { ArgumentError, fmtShape, ShapeError } from '../../errors.js';
import { mul } from '../../ops/elementwise.js';
import { tensor } from '../../tensor/creation.js';
import { defaultGenerator } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions, checkTensor, describe } from '../../tensor/validate.js';
import type { DropoutOptions } from './activation.js';

/**
 * Zeroes each channel of x `[N, C, H, W]` with probability `p` and scales the rest by `1 / (1 - p)`; identity
 * when not training. NOTE: a 3-D input is treated as `[N, C, L]` (one mask entry per first two dims), what
 * PyTorch 1.13 does with a warning; a 2-D or smaller input is an error.
 */
export function dropout2d(x: Tensor, p = 0.5, training = true, options?: DropoutOptions): Tensor {
  return withOp('dropout2d', () => {
    checkTensor('dropout2d', x);
    if (typeof p !== 'number' || !(p >= 0 && p <= 1))
      throw new ArgumentError(`dropout2d: p must be in [0, 1], got ${describe(p)}`);
    if (typeof training !== 'boolean')
      throw new ArgumentError(`dropout2d: training must be a boolean, got ${describe(training)}`);
    checkOptions('dropout2d', options, ['generator']);
    if (x.ndim < 3)
      throw new ShapeError(`dropout2d: input must be [N, C, H, W] (or [N, C, L]), got ${fmtShape(x.shape)}`);
    if (!training || p === 0) return x;
    const g = options?.generator ?? defaultGenerator;
    const scale = p === 1 ? 0 : 1 / (1 - p);
    const mask = new Float32Array(x.shape[0] * x.shape[1]);
    for (let i = 0; i < mask.length; i++) mask[i] = g.nextFloat() < p ? 0 : scale;
    const shape = x.shape.map((s, i) => (i < 2 ? s : 1));
    const m = tensor(mask, { shape, backend: x.backend });
    return mul(x, m);
  });
}
