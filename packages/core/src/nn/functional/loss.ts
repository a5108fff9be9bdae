/**
 * Regression and binary losses with PyTorch's formulas and `reduction` ('mean' | 'sum' | 'none'). The
 * binary cross entropies record one graph node each with the analytic gradient, which stays finite where
 * the composite (log of a saturated sigmoid, |x| at 0) would not.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { recorder, withOp } from '../../engine/dispatch.js';
import { tidy } from '../../engine/lifetime.js';
import { ArgumentError, DTypeError, fmtShape, ShapeError } from '../../errors.js';
import { sigmoid } from '../../ops/activation.js';
import { clamp, compare, where } from '../../ops/compare.js';
import { abs, add, div, exp, log, log1p, maximum, mul, neg, sub } from '../../ops/elementwise.js';
import { mean, sum, sumTo } from '../../ops/reduce.js';
import { broadcastShapes, sameShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions, checkTensor } from '../../tensor/validate.js';

/** How a loss combines its elements: their mean (default), their sum, or none (the elementwise losses). */
export type Reduction = 'mean' | 'sum' | 'none';

/** The `reduction` option every loss takes. */
export interface LossOptions {
  reduction?: Reduction;
}

/** @internal Applies `reduction` to elementwise losses. */
export function reduceLoss(op: string, loss: Tensor, reduction: Reduction | undefined): Tensor {
  switch (reduction ?? 'mean') {
    case 'mean':
      return mean(loss);
    case 'sum':
      return sum(loss);
    case 'none':
      return loss;
    default:
      throw new ArgumentError(`${op}: reduction must be 'mean', 'sum' or 'none', got '${reduction as string}'`);
  }
}

/** @internal Throws unless `input` and `target` are float32 tensors of the same shape. */
export function checkPair(op: string, input: Tensor, target: Tensor): void {
  checkTensor(op, input, 'input');
  checkTensor(op, target, 'target');
  if (input.dtype !== 'float32' || target.dtype !== 'float32') {
    throw new DTypeError(`${op}: expected float32 input and target, got ${input.dtype} and ${target.dtype}`);
  }
  if (!sameShape(input.shape, target.shape)) {
    throw new ShapeError(
      `${op}: input ${fmtShape(input.shape)} and target ${fmtShape(target.shape)} must have the same shape`,
    );
  }
}

/** Mean squared error: `(input - target)²`, reduced. */
export function mseLoss(input: Tensor, target: Tensor, options?: LossOptions): Tensor {
  return withOp('mseLoss', () => {
    checkPair('mseLoss', input, target);
    checkOptions('mseLoss', options, ['reduction']);
    const d = sub(input, target);
    return reduceLoss('mseLoss', mul(d, d), options?.reduction);
  });
}

/** Mean absolute error: `|input - target|`, reduced. */
export function l1Loss(input: Tensor, target: Tensor, options?: LossOptions): Tensor {
  return withOp('l1Loss', () => {
    checkPair('l1Loss', input, target);
    checkOptions('l1Loss', options, ['reduction']);
    return reduceLoss('l1Loss', abs(sub(input, target)), options?.reduction);
  });
}

/** Smooth L1: `0.5·d²/beta` where `|d| < beta`, else `|d| - 0.5·beta` (beta = 1 by default; 0 gives L1). */
export function smoothL1Loss(input: Tensor, target: Tensor, options?: LossOptions & { beta?: number }): Tensor {
  return withOp('smoothL1Loss', () => {
    checkPair('smoothL1Loss', input, target);
    checkOptions('smoothL1Loss', options, ['reduction', 'beta']);
    const beta = options?.beta ?? 1;
    if (!(beta >= 0)) throw new ArgumentError(`smoothL1Loss: beta must be >= 0, got ${beta}`);
    const d = sub(input, target);
    const ad = abs(d);
    const loss = beta === 0 ? ad : where(compare('lt', ad, beta), div(mul(mul(d, d), 0.5), beta), sub(ad, 0.5 * beta));
    return reduceLoss('smoothL1Loss', loss, options?.reduction);
  });
}

/** Huber: `0.5·d²` where `|d| < delta`, else `delta·(|d| - 0.5·delta)` (delta = 1 by default). */
export function huberLoss(input: Tensor, target: Tensor, options?: LossOptions & { delta?: number }): Tensor {
  return withOp('huberLoss', () => {
    checkPair('huberLoss', input, target);
    checkOptions('huberLoss', options, ['reduction', 'delta']);
    const delta = options?.delta ?? 1;
    if (!(delta > 0)) throw new ArgumentError(`huberLoss: delta must be > 0, got ${delta}`);
    const d = sub(input, target);
    const ad = abs(d);
    const loss = where(compare('lt', ad, delta), mul(mul(d, d), 0.5), mul(sub(ad, 0.5 * delta), delta));
    return reduceLoss('huberLoss', loss, options?.reduction);
  });
}

/** Options of the binary cross entropies. */
export interface BceOptions extends LossOptions {
  /** A rescaling weight per element, broadcast to the input. */
  weight?: Tensor | null;
}

/** Options of `binaryCrossEntropyWithLogits`. */
export interface BceWithLogitsOptions extends BceOptions {
  /** Weight of the positive term (broadcast to the input, usually one per class). */
  posWeight?: Tensor | null;
}

function weighted(loss: Tensor, weight: Tensor | null | undefined): Tensor {
  return weight ? mul(loss, weight) : loss;
}

/** What the binary cross entropies save: input and target, and the logs their gradients reuse. */
interface BinaryLossOps {
  binaryCrossEntropyWithLogits: {
    saved:
      | [input: Tensor, target: Tensor, softplusNeg: Tensor]
      | [input: Tensor, target: Tensor, softplusNeg: Tensor, posWeight: Tensor, scale: Tensor];
    ctx: null;
  };
  binaryCrossEntropy: { saved: [input: Tensor, target: Tensor, logP: Tensor, log1mP: Tensor]; ctx: null };
}

const record = recorder<BinaryLossOps>({
  binaryCrossEntropyWithLogits: (g, [input, target, softplusNeg, pw, scale], _, needs) => {
    // d/dx = (1 - y) - L·σ(-x); d/dy = -x + (pw - 1)·softplus(-x); d/dpw = y·softplus(-x).
    const sigNeg = sigmoid(neg(input));
    const dx = sub(sub(1, target), scale ? mul(scale, sigNeg) : sigNeg);
    const dy = pw ? add(neg(input), mul(sub(pw, 1), softplusNeg)) : neg(input);
    return [
      needs[0] ? mul(g, dx) : null,
      needs[1] ? mul(g, dy) : null,
      pw && needs[2] ? sumTo(mul(g, mul(target, softplusNeg)), pw.shape) : null,
    ];
  },
  binaryCrossEntropy: (g, [input, target, logP, log1mP], _, needs) => [
    // NOTE: PyTorch's rule, (p - y) / max(p·(1 - p), 1e-12): finite at p = 0 and p = 1.
    needs[0] ? div(mul(g, sub(input, target)), maximum(mul(input, sub(1, input)), 1e-12)) : null,
    needs[1] ? mul(g, sub(log1mP, logP)) : null,
  ],
});

/**
 * Binary cross entropy of logits: `(1 - y)·x + (1 + (posWeight - 1)·y)·softplus(-x)`, which is
 * `max(x, 0) - x·y + log1p(e^-|x|)` without `posWeight`; stable for any x.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options?: BceWithLogitsOptions): Tensor {
  return withOp('binaryCrossEntropyWithLogits', () => {
    checkPair('binaryCrossEntropyWithLogits', input, target);
    checkOptions('binaryCrossEntropyWithLogits', options, ['reduction', 'weight', 'posWeight']);
    const pw = options?.posWeight ?? null;
    if (pw && !sameShape(broadcastShapes('binaryCrossEntropyWithLogits', input.shape, pw.shape), input.shape)) {
      throw new ShapeError(
        `binaryCrossEntropyWithLogits: posWeight ${fmtShape(pw.shape)} must broadcast to the input ${fmtShape(input.shape)}`,
      );
    }
    const inputs = pw ? [input, target, pw] : [input, target];
    const { loss, softplusNeg, scale } = tidy(() =>
      noGrad(() => {
        // NOTE: softplus(-x) = log(1 + e^-x) = max(-x, 0) + log1p(e^-|x|): no overflow, no cancellation.
        const sp = add(maximum(neg(input), 0), log1p(exp(neg(abs(input)))));
        const l = pw ? add(mul(target, sub(pw, 1)), 1) : null;
        return { loss: add(mul(sub(1, target), input), l ? mul(l, sp) : sp), softplusNeg: sp, scale: l };
      }),
    );
    const out = record(loss, 'binaryCrossEntropyWithLogits', {
      inputs,
      saved: pw && scale ? [input, target, softplusNeg, pw, scale] : [input, target, softplusNeg],
      ctx: null,
    });
    return reduceLoss('binaryCrossEntropyWithLogits', weighted(out, options?.weight), options?.reduction);
  });
}

/** Binary cross entropy of probabilities: `-(y·log p + (1 - y)·log(1 - p))`, each log clamped at -100 (PyTorch). */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options?: BceOptions): Tensor {
  return withOp('binaryCrossEntropy', () => {
    checkPair('binaryCrossEntropy', input, target);
    checkOptions('binaryCrossEntropy', options, ['reduction', 'weight']);
    const data = input.dataSync();
    for (let i = 0; i < data.length; i++) {
      if (!(data[i] >= 0 && data[i] <= 1)) {
        throw new ArgumentError(
          `binaryCrossEntropy: input values must be probabilities in [0, 1]; got ${data[i]} at flat position ${i}`,
        );
      }
    }
    const { loss, logP, log1mP } = tidy(() =>
      noGrad(() => {
        const lp = clamp(log(input), -100);
        const l1p = clamp(log1p(neg(input)), -100);
        return { loss: neg(add(mul(target, lp), mul(sub(1, target), l1p))), logP: lp, log1mP: l1p };
      }),
    );
    const out = record(loss, 'binaryCrossEntropy', {
      inputs: [input, target],
      saved: [input, target, logP, log1mP],
      ctx: null,
    });
    return reduceLoss('binaryCrossEntropy', weighted(out, options?.weight), options?.reduction);
  });
}
