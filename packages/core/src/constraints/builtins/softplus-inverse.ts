/**
 * softplus⁻¹, the inverse every softplus reparametrization (scalar and per-element bounds) derives raw with.
 */
import type { Tensor } from '../../tensor/tensor.js';

/** softplus⁻¹(z) = z + log(-expm1(-z)), stable for tiny and huge z (no exp overflow). */
export function softplusInverse(z: Tensor): Tensor {
  return z.add(z.neg().expm1().neg().log());
}
