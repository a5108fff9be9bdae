/**
 * The analytic VJP of the box reparametrizations (`lo + softplus(r)`, `hi - softplus(-r)`, `lo + w·σ(r)`), so the
 * optimizer's step does not run autograd through the transform: `σ(r)`, `σ(-r)` or `w·σ(r)·σ(-r)` times the
 * gradient. With the backend's fused `boxTransform` the value and the VJP take one pass (and the value matches
 * `transform()` bit for bit, which uses the same kernel); without it, core ops.
 */
import { empty } from '../../engine/dispatch.js';
import { sigmoid } from '../../ops/activation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { fusedFor } from '../kernels.js';

/** The box transform's value and VJP at `raw` (either bound may be infinite): null unless the backend has the kernel. */
export function fusedBoxTransform(
  raw: Tensor,
  lo: number,
  hi: number,
  grad: Tensor | null,
): { value: Tensor; grad: Tensor | null } | null {
  const fused = fusedFor(raw, 'boxTransform');
  if (!fused || raw.dtype !== 'float32' || (grad !== null && grad.dtype !== 'float32')) return null;
  const value = empty(raw.backend, raw.shape, 'float32', [raw]);
  const g = grad === null ? null : empty(raw.backend, raw.shape, 'float32', [grad]);
  fused({
    raw: raw.storage.handle,
    out: value.storage.handle,
    n: raw.size,
    lo,
    hi,
    grad: grad === null ? null : grad.storage.handle,
    gradOut: g === null ? null : g.storage.handle,
  });
  return { value, grad: g };
}

/** `grad·T'(raw)` for the box `[lo, hi]` with core ops (the fallback of `fusedBoxTransform`). */
export function boxVjp(raw: Tensor, grad: Tensor, lo: number, hi: number): Tensor {
  if (lo !== -Infinity && hi !== Infinity) {
    // NOTE: σ(r)·σ(-r) = s·(1 - s) with s = σ(-|r|) <= 1/2, so neither factor cancels.
    const s = sigmoid(raw.abs().neg());
    return grad.mul(s.mul(s.neg().add(1)).mul(hi - lo));
  }
  if (lo !== -Infinity) return grad.mul(sigmoid(raw));
  if (hi !== Infinity) return grad.mul(sigmoid(raw.neg()));
  return grad.clone();
}
