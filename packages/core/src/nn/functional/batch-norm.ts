/**
 * `batchNorm` and `groupNorm`, composed from core ops (so autograd differentiates them). Batch norm in
 * training normalizes with the batch statistics and updates the running statistics in place (`copy_`,
 * outside the graph), with the unbiased batch variance as PyTorch does; in eval it uses the running ones.
 */

import { noGrad } from '../../autograd/grad-mode.js';
import { withOp } from '../../engine/dispatch.js';
import { ArgumentError, fmtShape, ShapeError } from '../../errors.js';
import { copyInto } from '../../ops/assign.js';
import { add, mul, rsqrt, sub } from '../../ops/elementwise.js';
import { reshape } from '../../ops/movement.js';
import { mean } from '../../ops/reduce.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkInt, checkOptions, checkTensor, describe } from '../../tensor/validate.js';

/** Options of `batchNorm`. */
export interface BatchNormOptions {
  /** Use (and update) the batch statistics instead of the running ones (default false, like PyTorch). */
  training?: boolean;
  /** Weight of the new batch in the running statistics (default 0.1): `running = (1 - m)·running + m·batch`. */
  momentum?: number;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

/** Options of `groupNorm`. */
export interface GroupNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

function checkEps(op: string, eps: unknown): number {
  if (typeof eps !== 'number' || !(eps >= 0))
    throw new ArgumentError(`${op}: eps must be a number >= 0, got ${describe(eps)}`);
  return eps;
}

function checkPerChannel(op: string, name: string, t: Tensor | null | undefined, x: Tensor, c: number): void {
  if (t === null || t === undefined) return;
  checkTensor(op, t, name);
  if (t.ndim !== 1 || t.shape[0] !== c)
    throw new ShapeError(
      `${op}: ${name} must have shape [${c}] for input ${fmtShape(x.shape)}, got ${fmtShape(t.shape)}`,
    );
}

/** `[1, C, 1, ...]`: a per-channel vector shaped to broadcast against `[N, C, ...]`. */
function channelShape(x: Tensor): number[] {
  return x.shape.map((d, i) => (i === 1 ? d : 1));
}

function affine(x: Tensor, out: Tensor, weight?: Tensor | null, bias?: Tensor | null): Tensor {
  const shape = channelShape(x);
  if (weight) out = mul(out, reshape(weight, shape));
  if (bias) out = add(out, reshape(bias, shape));
  return out;
}

/**
 * Batch normalization over an `[N, C, ...]` input per channel `C`: `(x - mean) / sqrt(var + eps) · weight + bias`.
 * In training the batch statistics (biased variance) normalize, and the running statistics, when given, are
 * updated in place with the unbiased variance; otherwise `runningMean`/`runningVar` normalize.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight?: Tensor | null,
  bias?: Tensor | null,
  options?: BatchNormOptions,
): Tensor {
  return withOp('batchNorm', () => {
    checkTensor('batchNorm', x);
    checkOptions('batchNorm', options, ['training', 'momentum', 'eps']);
    if (x.ndim < 2)
      throw new ShapeError(`batchNorm: input must be [N, C, ...] (2 or more dims), got ${fmtShape(x.shape)}`);
    const c = x.shape[1];
    checkPerChannel('batchNorm', 'runningMean', runningMean, x, c);
    checkPerChannel('batchNorm', 'runningVar', runningVar, x, c);
    checkPerChannel('batchNorm', 'weight', weight, x, c);
    checkPerChannel('batchNorm', 'bias', bias, x, c);
    const training = options?.training ?? false;
    if (typeof training !== 'boolean')
      throw new ArgumentError(`batchNorm: training must be a boolean, got ${describe(training)}`);
    const momentum = options?.momentum ?? 0.1;
    if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1))
      throw new ArgumentError(`batchNorm: momentum must be in [0, 1], got ${describe(momentum)}`);
    const eps = checkEps('batchNorm', options?.eps ?? 1e-5);
    const shape = channelShape(x);
    if (!training) {
      if (!runningMean || !runningVar)
        throw new ArgumentError('batchNorm: runningMean and runningVar are required when training is false');
      const scale = rsqrt(add(reshape(runningVar, shape), eps));
      return affine(x, mul(sub(x, reshape(runningMean, shape)), scale), weight, bias);
    }
    const count = x.size / c;
    if (count <= 1)
      throw new ShapeError(
        `batchNorm: expected more than 1 value per channel when training, got input ${fmtShape(x.shape)}`,
      );
    const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
    const batchMean = mean(x, dims, true);
    const centered = sub(x, batchMean);
    const batchVar = mean(mul(centered, centered), dims, true);
    if (runningMean || runningVar) {
      noGrad(() => {
        // NOTE: the running variance takes the unbiased batch variance (n / (n - 1)), as PyTorch does.
        if (runningMean)
          copyInto(runningMean, add(mul(runningMean, 1 - momentum), mul(reshape(batchMean, [c]), momentum)));
        if (runningVar)
          copyInto(
            runningVar,
            add(mul(runningVar, 1 - momentum), mul(reshape(batchVar, [c]), (momentum * count) / (count - 1))),
          );
      });
    }
    return affine(x, mul(centered, rsqrt(add(batchVar, eps))), weight, bias);
  });
}

/** Group normalization of `[N, C, ...]`: channels split into `numGroups` groups normalized together, then per-channel affine. */
export function groupNorm(
  x: Tensor,
  numGroups: number,
  weight?: Tensor | null,
  bias?: Tensor | null,
  options?: GroupNormOptions,
): Tensor {
  return withOp('groupNorm', () => {
    checkTensor('groupNorm', x);
    checkOptions('groupNorm', options, ['eps']);
    if (x.ndim < 2)
      throw new ShapeError(`groupNorm: input must be [N, C, ...] (2 or more dims), got ${fmtShape(x.shape)}`);
    const c = x.shape[1];
    const g = checkInt('groupNorm', 'numGroups', numGroups, 1);
    if (c % g !== 0)
      throw new ShapeError(
        `groupNorm: ${c} channels of input ${fmtShape(x.shape)} are not divisible by numGroups ${g}`,
      );
    checkPerChannel('groupNorm', 'weight', weight, x, c);
    checkPerChannel('groupNorm', 'bias', bias, x, c);
    const eps = checkEps('groupNorm', options?.eps ?? 1e-5);
    const grouped = reshape(x, [x.shape[0], g, -1]);
    const centered = sub(grouped, mean(grouped, 2, true));
    const variance = mean(mul(centered, centered), 2, true);
    return affine(x, reshape(mul(centered, rsqrt(add(variance, eps))), x.shape), weight, bias);
  });
}
