/**
 * Classification losses: `nllLoss` and `crossEntropy` (PyTorch's formulas, class weights, `ignoreIndex`,
 * label smoothing, probability targets). Inputs are `[N, C]`, `[C]` or `[N, C, d...]`; they are brought to
 * `[rows, C]` first. Plain cross entropy uses the backend's fused `softmaxCrossEntropy` kernel when it has one.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { backendOf, empty, hasFused, recorder, runFused, withOp } from '../../engine/dispatch.js';
import { tidy } from '../../engine/lifetime.js';
import { ArgumentError, DTypeError, fmtShape, ShapeError } from '../../errors.js';
import { cast } from '../../ops/cast.js';
import { compare } from '../../ops/compare.js';
import { add, div, mul, neg, sub } from '../../ops/elementwise.js';
import { gather, indexSelect } from '../../ops/indexing.js';
import { expand, permute, reshape } from '../../ops/movement.js';
import { sum } from '../../ops/reduce.js';
import { logSoftmax, softmax } from '../../ops/softmax.js';
import { arange, tensor } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions, checkTensor } from '../../tensor/validate.js';
import { type LossOptions, type Reduction, reduceLoss } from './loss.js';

/** Options of `nllLoss`. */
export interface NllLossOptions extends LossOptions {
  /** A weight per class, shape `[C]`. */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing and are not counted by 'mean' (default -100, like PyTorch). */
  ignoreIndex?: number;
}

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions extends NllLossOptions {
  /** Mixes the target with the uniform distribution: `(1 - ε)·target + ε / C` (default 0). */
  labelSmoothing?: number;
}

/** Input as `[rows, C]` (class dim moved last), the checked labels, and where the rows go back. */
interface Rows {
  x: Tensor;
  classes: number;
  labels: Int32Array;
  /** Labels with ignored entries replaced by 0, as a `[rows]` int32 tensor. */
  safe: Tensor;
  /** 1 where a label counts, 0 where it equals ignoreIndex; null when none is ignored. */
  keep: Tensor | null;
  targetShape: number[];
}

/** `[N, C, d...]` → `[N·d..., C]`; `[C]` → `[1, C]`. */
function toRows(op: string, input: Tensor): Tensor {
  if (input.dtype !== 'float32') throw new DTypeError(`${op}: input must be float32, got ${input.dtype}`);
  if (input.ndim === 0)
    throw new ShapeError(`${op}: input must have a class dim ([C], [N, C] or [N, C, d...]), got a scalar`);
  if (input.ndim === 1) return reshape(input, [1, input.shape[0]]);
  const moved = input.ndim === 2 ? input : permute(input, [0, ...input.shape.slice(2).map((_, i) => i + 2), 1]);
  return reshape(moved, [-1, input.shape[1]]);
}

function classTargetShape(input: Tensor): number[] {
  return input.ndim === 1 ? [] : [input.shape[0], ...input.shape.slice(2)];
}

function prepare(op: string, input: Tensor, target: Tensor, ignoreIndex: number): Rows {
  const x = toRows(op, input);
  const classes = x.shape[1];
  if (target.dtype !== 'int32')
    throw new DTypeError(
      `${op}: class targets must be int32, got ${target.dtype} (float targets are class probabilities)`,
    );
  const targetShape = classTargetShape(input);
  if (target.ndim !== targetShape.length || target.shape.some((d, i) => d !== targetShape[i])) {
    throw new ShapeError(
      `${op}: target ${fmtShape(target.shape)} does not fit input ${fmtShape(input.shape)}: expected ${fmtShape(targetShape)}`,
    );
  }
  const labels = target.dataSync() as Int32Array;
  let safeData: Int32Array | null = null;
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v === ignoreIndex) {
      safeData ??= Int32Array.from(labels);
      safeData[i] = 0;
    } else if (v < 0 || v >= classes) {
      throw new ArgumentError(
        `${op}: label ${v} at position ${i} is out of range for ${classes} classes (expected 0..${classes - 1})`,
      );
    }
  }
  const safe = safeData ? tensor(safeData, { backend: x.backend }) : reshape(target, [labels.length]);
  const keep = safeData
    ? tensor(
        Float32Array.from(labels, (v) => (v === ignoreIndex ? 0 : 1)),
        { backend: x.backend },
      )
    : null;
  return { x, classes, labels, safe, keep, targetShape };
}

function checkWeight(op: string, weight: Tensor | null | undefined, classes: number): void {
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== classes)) {
    throw new ShapeError(`${op}: weight must have shape [${classes}] (one per class), got ${fmtShape(weight.shape)}`);
  }
}

/** Per-row weights of the counted rows: `weight[label]` (or 1), 0 for ignored rows; null when all are 1. */
function rowWeights(r: Rows, weight: Tensor | null | undefined): Tensor | null {
  if (!weight) return r.keep;
  const w = indexSelect(weight, 0, r.safe);
  return r.keep ? mul(w, r.keep) : w;
}

/** Sums `rowLoss` under 'mean' by the total row weight (PyTorch's weighted mean), or reduces as asked. */
function reduceRows(op: string, rowLoss: Tensor, w: Tensor | null, r: Rows, options: LossOptions | undefined): Tensor {
  const reduction = options?.reduction ?? 'mean';
  if (reduction === 'none') return reshape(rowLoss, r.targetShape);
  if (reduction === 'mean' && w) return div(sum(rowLoss), sum(w));
  return reduceLoss(op, rowLoss, reduction);
}

function nllRows(op: string, logp: Tensor, r: Rows, options: NllLossOptions | undefined): Tensor {
  const picked = reshape(gather(logp, 1, reshape(r.safe, [r.labels.length, 1])), [r.labels.length]);
  const w = rowWeights(r, options?.weight);
  return reduceRows(op, w ? neg(mul(picked, w)) : neg(picked), w, r, options);
}

/** Negative log likelihood: `-weight[t]·input[t]` per sample, with `input` holding log-probabilities. */
export function nllLoss(input: Tensor, target: Tensor, options?: NllLossOptions): Tensor {
  return withOp('nllLoss', () => {
    checkTensor('nllLoss', input, 'input');
    checkTensor('nllLoss', target, 'target');
    checkOptions('nllLoss', options, ['reduction', 'weight', 'ignoreIndex']);
    const r = prepare('nllLoss', input, target, options?.ignoreIndex ?? -100);
    checkWeight('nllLoss', options?.weight, r.classes);
    return nllRows('nllLoss', r.x, r, options);
  });
}

/** What the fused cross entropy saves: the `[rows, C]` logits and the labels, and the reduction. */
interface FusedCrossEntropyOps {
  crossEntropy: { saved: [x: Tensor, labels: Tensor]; ctx: { rows: number; classes: number; reduction: Reduction } };
}

const record = recorder<FusedCrossEntropyOps>({
  // The gradient of each row is `(softmax(x) - onehot)·g`.
  crossEntropy: (g, [x, labels], { rows, classes, reduction }) => {
    const backend = backendOf('crossEntropy', g, x);
    if (hasFused(backend, 'softmaxCrossEntropyBackward')) {
      // NOTE: the mean's 1/rows is applied to g first, in float32, exactly as the composite below does.
      const grad = reduction === 'mean' ? div(g, rows) : g;
      const out = empty(backend, [rows, classes], 'float32', [g, x]);
      const args = {
        logits: x.storage.handle,
        labels: labels.storage.handle,
        grad: grad.storage.handle,
        gradStride: reduction === 'none' ? 1 : 0,
        out: out.storage.handle,
        rows,
        cols: classes,
      } as const;
      if (rows > 0) runFused(backend, 'softmaxCrossEntropyBackward', args, 'crossEntropy', [g, x]);
      return [out];
    }
    const gRows =
      reduction === 'none' ? reshape(g, [rows]) : expand(reshape(reduction === 'sum' ? g : div(g, rows), [1]), [rows]);
    const onehot = cast(
      compare('eq', arange(0, classes, 1, { dtype: 'int32', backend: x.backend }), reshape(labels, [rows, 1])),
      'float32',
    );
    return [mul(sub(softmax(x, 1), onehot), reshape(gRows, [rows, 1]))];
  },
});

/** One graph node around the fused kernel. */
function fusedCrossEntropy(r: Rows, reduction: LossOptions['reduction']): Tensor | null {
  const backend = backendOf('crossEntropy', r.x, r.safe);
  if (!hasFused(backend, 'softmaxCrossEntropy') || r.keep) return null;
  const rows = r.labels.length;
  const perRow = empty(backend, [rows], 'float32', [r.x, r.safe]);
  if (rows > 0) {
    const args = {
      logits: r.x.storage.handle,
      labels: r.safe.storage.handle,
      out: perRow.storage.handle,
      rows,
      cols: r.classes,
    };
    runFused(backend, 'softmaxCrossEntropy', args, 'crossEntropy', [r.x, r.safe]);
  }
  const out = tidy(() => noGrad(() => reduceRows('crossEntropy', perRow, null, r, { reduction })));
  return record(out, 'crossEntropy', {
    inputs: [r.x],
    saved: [r.x, r.safe],
    ctx: { rows, classes: r.classes, reduction: reduction ?? 'mean' },
  });
}

/**
 * Cross entropy of logits against int32 class labels (or float32 class probabilities of the input's shape):
 * `logSoftmax` then `nllLoss`, with PyTorch's label smoothing `(1 - ε)·nll + ε/C·Σ_c -weight_c·logp_c`.
 */
export function crossEntropy(input: Tensor, target: Tensor, options?: CrossEntropyOptions): Tensor {
  return withOp('crossEntropy', () => {
    checkTensor('crossEntropy', input, 'input');
    checkTensor('crossEntropy', target, 'target');
    checkOptions('crossEntropy', options, ['reduction', 'weight', 'ignoreIndex', 'labelSmoothing']);
    const eps = options?.labelSmoothing ?? 0;
    if (!(eps >= 0 && eps <= 1)) throw new ArgumentError(`crossEntropy: labelSmoothing must be in [0, 1], got ${eps}`);
    if (target.dtype === 'float32') return crossEntropyProbs(input, target, eps, options);
    const r = prepare('crossEntropy', input, target, options?.ignoreIndex ?? -100);
    const weight = options?.weight;
    checkWeight('crossEntropy', weight, r.classes);
    if (eps === 0 && !weight) {
      const fused = fusedCrossEntropy(r, options?.reduction ?? 'mean');
      if (fused) return fused;
    }
    const logp = logSoftmax(r.x, 1);
    const nll = nllRows('crossEntropy', logp, r, options);
    if (eps === 0) return nll;
    // Σ_c -weight_c·logp[i, c], zero for ignored rows, normalized like the nll term.
    let smooth = neg(sum(weight ? mul(logp, weight) : logp, 1));
    if (r.keep) smooth = mul(smooth, r.keep);
    const smoothLoss = reduceRows('crossEntropy', smooth, rowWeights(r, weight), r, options);
    return add(mul(nll, 1 - eps), mul(smoothLoss, eps / r.classes));
  });
}

/** Cross entropy against class probabilities: `-Σ_c weight_c·t_c·logp_c` per sample; 'mean' divides by the sample count. */
function crossEntropyProbs(
  input: Tensor,
  target: Tensor,
  eps: number,
  options: CrossEntropyOptions | undefined,
): Tensor {
  if (target.ndim !== input.ndim || target.shape.some((d, i) => d !== input.shape[i])) {
    throw new ShapeError(
      `crossEntropy: probability target ${fmtShape(target.shape)} must have the input's shape ${fmtShape(input.shape)}`,
    );
  }
  const x = toRows('crossEntropy', input);
  const classes = x.shape[1];
  checkWeight('crossEntropy', options?.weight, classes);
  let t = toRows('crossEntropy', target);
  if (eps > 0) t = add(mul(t, 1 - eps), eps / classes);
  const weighted = options?.weight ? mul(t, options.weight) : t;
  const rowLoss = neg(sum(mul(logSoftmax(x, 1), weighted), 1));
  const reduction = options?.reduction ?? 'mean';
  if (reduction === 'none') return reshape(rowLoss, classTargetShape(input));
  return reduceLoss('crossEntropy', rowLoss, reduction);
}
