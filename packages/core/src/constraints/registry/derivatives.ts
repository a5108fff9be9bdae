/**
 * The derivative of an elementwise reparametrization, kept from one optimizer step to the next: the step that
 * writes `value = transform(raw)` computes `transform'(raw)` in the same pass (`transformAndDerivative`) and keeps
 * both, and the next step's VJP is `grad·derivative` when the parameter still holds that value, so a step makes
 * one transcendental pass instead of two. A step replaces the entry only when it commits: a rolled-back step
 * puts the parameter and its raw tensor back bit for bit, for which the old entry holds. Every other writer of a
 * raw tensor (registration, `applyConstraints`, `loadStateDict`, the Lagrangian's snapshot) forgets it.
 */
import type { Parameter } from '../../nn/parameter.js';
import type { Tensor } from '../../tensor/tensor.js';

/** The value a step wrote and the derivative of the transform at its raw tensor. */
export interface KeptDerivative {
  value: Tensor;
  derivative: Tensor;
}

const kept = new WeakMap<Parameter, KeptDerivative>();

/** `param`'s kept derivative (owned here: the caller must not free or keep its tensors), or null. */
export function keptDerivative(param: Parameter): KeptDerivative | null {
  return kept.get(param) ?? null;
}

/** Keeps `value` and `derivative` (kept tensors, now owned here) for `param`'s next step. */
export function keepDerivative(param: Parameter, value: Tensor, derivative: Tensor): void {
  forgetDerivative(param);
  kept.set(param, { value, derivative });
}

/** Drops and frees `param`'s kept derivative, if any (its raw tensor is about to change). */
export function forgetDerivative(param: Parameter): void {
  const e = kept.get(param);
  kept.delete(param);
  e?.value.dispose();
  e?.derivative.dispose();
}
