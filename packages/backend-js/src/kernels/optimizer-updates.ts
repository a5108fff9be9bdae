/**
 * Fused in-place optimizer steps following torch.optim.SGD, Adam and AdamW. Optimizer state (momentum
 * buffer, moments) is float32 storage, so each state value is rounded when stored and read back
 * rounded; transient values (the decayed gradient, the denominator) stay float64 within an element.
 */

/** Hyper-parameters of `sgdUpdate`, as in torch.optim.SGD. */
export interface SgdOptions {
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  firstStep: boolean;
  maximize: boolean;
}

/**
 * One SGD step in place: `g = ±grad + wd·param`; with a momentum buffer, `buf = firstStep ? g :
 * momentum·buf + (1 - dampening)·g` and `g = nesterov ? g + momentum·buf : buf`; then `param -= lr·g`.
 */
export function sgdUpdate(
  param: Float32Array,
  grad: Float32Array,
  buf: Float32Array | null,
  n: number,
  opt: SgdOptions,
): void {
  const { lr, momentum, nesterov, weightDecay: wd, firstStep } = opt;
  const sign = opt.maximize ? -1 : 1;
  const keep = 1 - opt.dampening;
  for (let i = 0; i < n; i++) {
    const p = param[i];
    let g = sign * grad[i];
    // NOTE: skip the decay term when wd is 0 so that p = ±Infinity does not turn g into NaN (0·Inf).
    if (wd !== 0) g += wd * p;
    if (buf !== null) {
      const b = Math.fround(firstStep ? g : momentum * buf[i] + keep * g);
      buf[i] = b;
      g = nesterov ? g + momentum * b : b;
    }
    param[i] = p - lr * g;
  }
}

/** Hyper-parameters of `adamUpdate`, as in torch.optim.Adam (decoupled = false) and AdamW (true). */
export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupled: boolean;
  /** The step number, counted from 1. */
  step: number;
  maximize: boolean;
}

/**
 * One Adam/AdamW step in place. AdamW first scales `param *= 1 - lr·wd`; Adam adds `wd·param` to the
 * gradient. Then `m = β1·m + (1-β1)·g`, `v = β2·v + (1-β2)·g²` (amsgrad: `vmax = max(vmax, v)` is used
 * for v), `param -= lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + eps)`.
 */
export function adamUpdate(
  param: Float32Array,
  grad: Float32Array,
  expAvg: Float32Array,
  expAvgSq: Float32Array,
  maxExpAvgSq: Float32Array | null,
  n: number,
  opt: AdamOptions,
): void {
  const { lr, beta1, beta2, eps, weightDecay: wd, decoupled, step } = opt;
  const sign = opt.maximize ? -1 : 1;
  const stepSize = lr / (1 - beta1 ** step);
  const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
  const coupledWd = !decoupled && wd !== 0 ? wd : 0;
  const decay = decoupled && wd !== 0 ? 1 - lr * wd : 1;
  const k1 = 1 - beta1;
  const k2 = 1 - beta2;
  for (let i = 0; i < n; i++) {
    let p = param[i];
    let g = sign * grad[i];
    if (coupledWd !== 0) g += coupledWd * p;
    if (decay !== 1) p = Math.fround(p * decay);
    const m = Math.fround(beta1 * expAvg[i] + k1 * g);
    expAvg[i] = m;
    let v = Math.fround(beta2 * expAvgSq[i] + k2 * g * g);
    expAvgSq[i] = v;
    if (maxExpAvgSq !== null) {
      v = Math.max(maxExpAvgSq[i], v);
      maxExpAvgSq[i] = v;
    }
    const denom = Math.sqrt(v) / bc2Sqrt + eps;
    param[i] = p - (stepSize * m) / denom;
  }
}
