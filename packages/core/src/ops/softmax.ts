/**
 * softmax and logSoftmax. On the last dim a backend's fused kernel is used when it has one; otherwise (and
 * on other dims) the max-shifted composite. Either way the graph records one node with the analytic
 * gradient, so both paths differentiate identically.
 */

import { noGrad } from '../autograd/grad-mode.js';
import { backendOf, empty, hasFused, recorder, runFused, withOp } from '../engine/dispatch.js';
import { tidy } from '../engine/lifetime.js';
import { normalizeDim } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { requireFloat } from './cast.js';
import { div, exp, mul, sub } from './elementwise.js';
import { logsumexp, max, sum } from './reduce.js';

function fusedLastDim(name: 'softmax' | 'logSoftmax', x: Tensor, d: number): Tensor | null {
  const backend = backendOf(name, x);
  // NOTE: with no elements there is nothing to normalize (and no max to shift by): the result is empty too.
  if (x.size === 0) return empty(backend, x.shape, 'float32', [x]);
  if (!hasFused(backend, name) || d !== x.ndim - 1 || x.ndim === 0) return null;
  const cols = x.shape[d];
  const out = empty(backend, x.shape, 'float32', [x]);
  runFused(backend, name, { x: x.storage.handle, out: out.storage.handle, rows: x.size / cols, cols }, name, [x]);
  return out;
}

/** What softmax and logSoftmax save: their output, and the dim as `ctx`. */
interface SoftmaxOps {
  softmax: { saved: [out: Tensor]; ctx: number };
  logSoftmax: { saved: [out: Tensor]; ctx: number };
}

const record = recorder<SoftmaxOps>({
  // d softmax: out * (g - sum(g * out))
  softmax: (g, [out], d) => [mul(out, sub(g, sum(mul(g, out), d, true)))],
  // d logSoftmax: g - softmax * sum(g)
  logSoftmax: (g, [out], d) => [sub(g, mul(exp(out), sum(g, d, true)))],
});

/** Softmax along `dim`. */
export function softmax(x: Tensor, dim = -1): Tensor {
  return withOp('softmax', () => {
    requireFloat('softmax', x);
    const d = normalizeDim('softmax', dim, x.ndim);
    const out = tidy(() =>
      noGrad(
        () =>
          fusedLastDim('softmax', x, d) ??
          (() => {
            const e = exp(sub(x, max(x, d, true)));
            return div(e, sum(e, d, true));
          })(),
      ),
    );
    return record(out, 'softmax', { inputs: [x], saved: [out], ctx: d });
  });
}

/** Log-softmax along `dim`. */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  return withOp('logSoftmax', () => {
    requireFloat('logSoftmax', x);
    const d = normalizeDim('logSoftmax', dim, x.ndim);
    const out = tidy(() => noGrad(() => fusedLastDim('logSoftmax', x, d) ?? sub(x, logsumexp(x, d, true))));
    return record(out, 'logSoftmax', { inputs: [x], saved: [out], ctx: d });
  });
}
