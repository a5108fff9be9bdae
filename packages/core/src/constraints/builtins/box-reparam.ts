/**
 * The analytic derivative and VJP of the box reparametrizations (`lo + softplus(r)`, `hi - softplus(-r)`,
 * `lo + w·σ(r)`), so the optimizer's step does not run autograd through the transform: the derivative `σ(r)`,
 * `σ(-r)` or `w·σ(r)·σ(-r)` in float32, taken as 0 below 2^-100 (`FLAT`), and the VJP `grad·derivative`. With the
 * backend's fused `boxTransform` the value and the derivative or the VJP take one pass (and the value matches
 * `transform()` bit for bit, which uses the same kernel); without it, core ops. Either way the VJP equals
 * `grad.mul(derivative)` bit for bit, so the step may keep the derivative for the next step instead.
 */
import { empty } from '../../engine/dispatch.js';
import { sigmoid } from '../../ops/activation.js';
import { compare, where } from '../../ops/compare.js';
import { onesLike } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { fusedFor } from '../kernels.js';

/** Derivatives below this count as 0 (an element deep in a flat tail; its gradient would be mostly subnormal). */
const FLAT = 2 ** -100;

/**
 * The box transform's value at `raw` (either bound may be infinite) and, as asked, its VJP for `grad` and its
 * derivative: null unless the backend has the kernel.
 */
export function fusedBoxTransform(
  raw: Tensor,
  lo: number,
  hi: number,
  grad: Tensor | null,
  withSlope = false,
): { value: Tensor; grad: Tensor | null; slope: Tensor | null } | null {
  const fused = fusedFor(raw, 'boxTransform');
  if (!fused || raw.dtype !== 'float32' || (grad !== null && grad.dtype !== 'float32')) return null;
  const value = empty(raw.backend, raw.shape, 'float32', [raw]);
  const g = grad === null ? null : empty(raw.backend, raw.shape, 'float32', [grad]);
  const slope = withSlope ? empty(raw.backend, raw.shape, 'float32', [raw]) : null;
  fused({
    raw: raw.storage.handle,
    out: value.storage.handle,
    n: raw.size,
    lo,
    hi,
    grad: grad === null ? null : grad.storage.handle,
    gradOut: g === null ? null : g.storage.handle,
    slope: slope === null ? null : slope.storage.handle,
  });
  return { value, grad: g, slope };
}

/** `T'(raw)` for the box `[lo, hi]` with core ops (the fallback of `fusedBoxTransform`), 0 below `FLAT`. */
export function boxSlope(raw: Tensor, lo: number, hi: number): Tensor {
  let d: Tensor;
  if (lo !== -Infinity && hi !== Infinity) {
    // NOTE: σ(r)·σ(-r) = s·(1 - s) with s = σ(-|r|) <= 1/2, so neither factor cancels.
    const s = sigmoid(raw.abs().neg());
    d = s.mul(s.neg().add(1)).mul(hi - lo);
  } else if (lo !== -Infinity) d = sigmoid(raw);
  else if (hi !== Infinity) d = sigmoid(raw.neg());
  else return onesLike(raw);
  return where(compare('lt', d, FLAT), 0, d);
}
