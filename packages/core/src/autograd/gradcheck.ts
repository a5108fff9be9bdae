/**
 * `gradcheck(fn, inputs)`: compares autograd's gradient of `sum(fn(inputs) * w)` (w a fixed random weight)
 * with central finite differences computed in float64 on the host. The perturbed points are rounded to
 * float32 on the way in, so the step actually taken is used in the quotient.
 */

import { tidy } from '../engine/lifetime.js';
import { tensor } from '../tensor/creation.js';
import { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { noGrad } from './grad-mode.js';

/** Options of `gradcheck`. */
export interface GradcheckOptions {
  /** Relative step: h = eps * max(1, |x|). Default 1e-2 (float32 needs a large step). */
  eps?: number;
  /** Allowed |analytic - numeric| <= atol + rtol * |numeric|. Defaults 1e-2 and 1e-2. */
  atol?: number;
  rtol?: number;
  /** Seed of the output weights. */
  seed?: number;
}

/** The result of a gradcheck: `ok`, and the worst mismatch with where it happened. */
export interface GradcheckResult {
  ok: boolean;
  maxError: number;
  worst: { input: number; index: number; analytic: number; numeric: number } | null;
}

/** Checks autograd's gradients of `fn` at `inputs` (float32 tensors) against finite differences. */
export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: Tensor[],
  options?: GradcheckOptions,
): GradcheckResult {
  const eps = options?.eps ?? 1e-2;
  const atol = options?.atol ?? 1e-2;
  const rtol = options?.rtol ?? 1e-2;
  const values = inputs.map((x) => Float32Array.from(x.dataSync() as Float32Array));
  const leaves = () =>
    inputs.map((x, i) => tensor(values[i], { shape: x.shape, requiresGrad: true, backend: x.backend }));
  const gen = new Generator(options?.seed ?? 1234);
  let weights: Float64Array | null = null;
  const objective = (out: Tensor): number => {
    const data = out.dataSync();
    if (!weights) weights = Float64Array.from({ length: data.length }, () => gen.nextFloat() * 2 - 1);
    let s = 0;
    for (let i = 0; i < data.length; i++) s += weights[i] * data[i];
    return s;
  };

  const analytic = tidy(() => {
    const xs = leaves();
    const out = fn(...xs);
    objective(out);
    const w = tensor(Float32Array.from(weights!), { shape: out.shape, backend: out.backend });
    out.backward(w);
    return xs.map((x) => {
      const grad = x.grad ? Float64Array.from(x.grad.dataSync()) : new Float64Array(x.size);
      x.grad?.dispose();
      return grad;
    });
  });

  let maxError = 0;
  let worst: GradcheckResult['worst'] = null;
  let ok = true;
  noGrad(() => {
    inputs.forEach((x, k) => {
      for (let i = 0; i < x.size; i++) {
        const orig = values[k][i];
        const h = eps * Math.max(1, Math.abs(orig));
        values[k][i] = orig + h;
        const up = values[k][i];
        const fUp = tidy(() => objective(fn(...leaves())));
        values[k][i] = orig - h;
        const down = values[k][i];
        const fDown = tidy(() => objective(fn(...leaves())));
        values[k][i] = orig;
        const numeric = (fUp - fDown) / (up - down);
        const err = Math.abs(analytic[k][i] - numeric);
        const bad = !(err <= atol + rtol * Math.abs(numeric));
        if (err > maxError || (bad && ok)) {
          maxError = Math.max(maxError, err);
          worst = { input: k, index: i, analytic: analytic[k][i], numeric };
        }
        if (bad) ok = false;
      }
    });
  });
  return { ok, maxError, worst };
}
