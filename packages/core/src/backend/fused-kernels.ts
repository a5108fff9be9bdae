/**
 * Optional fused kernels. Core has a composite fallback for each, written with required kernels; a backend
 * that implements one gets it used instead, and the conformance suite checks it against the fallback.
 * All are float32. Kernels marked in-place write through `param`/`x` handles that core owns.
 */
import type { Handle } from './kernels.js';

/** Arguments of `softmax` and `logSoftmax` over the last axis of a `[rows, cols]` view. */
export interface SoftmaxArgs {
  x: Handle;
  out: Handle;
  rows: number;
  cols: number;
}

/**
 * Arguments of `softmaxCrossEntropy`: `out[r] = logsumexp(logits[r, :]) - logits[r, labels[r]]`. `labels` is
 * int32 and core has checked its range. `out` has `rows` elements.
 */
export interface SoftmaxCrossEntropyArgs {
  logits: Handle;
  labels: Handle;
  out: Handle;
  rows: number;
  cols: number;
}

/**
 * Arguments of `sgdUpdate`, in place, following torch.optim.SGD: `g = grad + weightDecay·param`; with momentum,
 * `buf = firstStep ? g : momentum·buf + (1 - dampening)·g` and `g = nesterov ? g + momentum·buf : buf`;
 * then `param -= lr·g`. `momentumBuf` is null when momentum is 0.
 */
export interface SgdUpdateArgs {
  param: Handle;
  grad: Handle;
  momentumBuf: Handle | null;
  n: number;
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  firstStep: boolean;
  maximize: boolean;
}

/**
 * Arguments of `adamUpdate`, in place, following torch.optim.Adam (decoupled = false) and AdamW (true), with
 * `step` counted from 1. `maxExpAvgSq` is non-null for amsgrad.
 */
export interface AdamUpdateArgs {
  param: Handle;
  grad: Handle;
  expAvg: Handle;
  expAvgSq: Handle;
  maxExpAvgSq: Handle | null;
  n: number;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupled: boolean;
  step: number;
  maximize: boolean;
}

/** Arguments of `clamp`: `out = min(max(x, lo), hi)`, NaN stays NaN. `out` may be `x`. */
export interface ClampArgs {
  x: Handle;
  out: Handle;
  n: number;
  lo: number;
  hi: number;
}

/**
 * Arguments of `renormSlices`: x is viewed `[outer, size, inner]`; for each `(o, i)` the L2 norm `nrm` over the
 * middle axis is computed (overflow-safe) and, when it lies outside `[lo, hi]` and is non-zero, the slice is
 * scaled by `(rate·clamp(nrm, lo, hi) + (1 - rate)·nrm) / nrm`. Slices inside the bounds are left bit-for-bit
 * unchanged; zero slices stay zero. `out` may be `x`.
 */
export interface RenormSlicesArgs {
  x: Handle;
  out: Handle;
  outer: number;
  size: number;
  inner: number;
  lo: number;
  hi: number;
  rate: number;
}

/**
 * Arguments of `simplexProject`: each row of a `[rows, cols]` view is replaced by its Euclidean projection
 * onto `{ y >= 0, sum(y) = radius }` (exact; any exact algorithm: the backends use Condat's expected-linear-time
 * one, the reference the sort-based one). `out` may be `x`.
 */
export interface SimplexProjectArgs {
  x: Handle;
  out: Handle;
  rows: number;
  cols: number;
  radius: number;
}

/**
 * Arguments of `l1BallProject`: each row of a `[rows, cols]` view whose L1 norm (summed in float64) is at most
 * `radius` is left bit-for-bit unchanged; the others are replaced by `sign(x)·simplex(|x|, radius)`, the Euclidean
 * projection onto `{ ||y||_1 <= radius }`; a row whose norm is NaN or infinite becomes all NaN. `out` may be `x`.
 */
export interface L1BallProjectArgs {
  x: Handle;
  out: Handle;
  rows: number;
  cols: number;
  radius: number;
}

/**
 * Arguments of `boxTransform`: the reparametrization of the box `[lo, hi]` (either bound may be infinite; both
 * are float32 values), and optionally its derivative and its VJP. `out = T(raw)` with `T(r) = lo + softplus(r)`
 * (lower bound only), `hi - softplus(-r)` (upper only), `lo + (hi - lo)·σ(r)` (both), `r` (neither), computed in
 * float64 and rounded once. The derivative `d = T'(raw)` (`σ(r)`, `σ(-r)`, `(hi - lo)·σ(r)·σ(-r)`, 1) is computed
 * in float64, rounded to float32, and taken as 0 below 2^-100. When `slope` is not null it receives `d`; when
 * `grad` is not null, `gradOut = grad·d` as a float32 product (so it equals `grad.mul(slope)` bit for bit).
 * `out` may be `raw`; `gradOut` may be `grad`. `gradOut` is null exactly when `grad` is.
 */
export interface BoxTransformArgs {
  raw: Handle;
  out: Handle;
  n: number;
  lo: number;
  hi: number;
  grad: Handle | null;
  gradOut: Handle | null;
  slope: Handle | null;
}

/**
 * Arguments of `softmaxCrossEntropyBackward`, the gradient of `softmaxCrossEntropy` with respect to the logits:
 * `out[r, c] = (softmax(logits[r, :])[c] - (c === labels[r] ? 1 : 0))·grad[r·gradStride]`, with `gradStride`
 * 1 (a gradient per row) or 0 (one for every row). `labels` is int32 and in range; `out` is `[rows, cols]` and
 * is not `logits`.
 */
export interface SoftmaxCrossEntropyBackwardArgs {
  logits: Handle;
  labels: Handle;
  grad: Handle;
  gradStride: 0 | 1;
  out: Handle;
  rows: number;
  cols: number;
}

/** Arguments of `reluBackward`: `out = x > 0 ? grad : 0` (0 for NaN x as well). `out` may be `grad`. */
export interface ReluBackwardArgs {
  x: Handle;
  grad: Handle;
  out: Handle;
  n: number;
}

/**
 * Arguments of `lstmCell`, one LSTM step from the gate pre-activations `pre` `[rows, 4·hidden]` (i, f, g, o)
 * and the cell state `c` `[rows, hidden]`: `gates` gets `[σ(i), σ(f), tanh(g), σ(o)]`, `cOut = σ(f)·c +
 * σ(i)·tanh(g)` and `h = σ(o)·tanh(cOut)`, each rounded to float32 as the composed ops round them. The outputs
 * are distinct from the inputs and each other.
 */
export interface LstmCellArgs {
  pre: Handle;
  c: Handle;
  gates: Handle;
  cOut: Handle;
  h: Handle;
  rows: number;
  hidden: number;
}

/**
 * Arguments of `lstmCellBackward`, the gradient of `lstmCell`: from its `gates`, the cell states `c` (before)
 * and `cOut` (after) and the gradients `dh`, `dc` of `h` and `cOut`, with `t = tanh(cOut)` and
 * `dcAll = dc + dh·o·(1 - t²)`: `dpre = [dcAll·g·i(1-i), dcAll·c·f(1-f), dcAll·i·(1-g²), dh·t·o(1-o)]`
 * `[rows, 4·hidden]` and `dcPrev = dcAll·f`. The outputs are distinct from the inputs and each other.
 */
export interface LstmCellBackwardArgs {
  gates: Handle;
  c: Handle;
  cOut: Handle;
  dh: Handle;
  dc: Handle;
  dpre: Handle;
  dcPrev: Handle;
  rows: number;
  hidden: number;
}

/**
 * Arguments of `syrk`, the symmetric product: `out[t] = op(A[t])·op(A[t])ᵀ` (`n x n`) for each of `batch`
 * matrices `A[t]`, stored `[n, k]` (`op(A) = A`) or `[k, n]` when `transA` (`op(A) = Aᵀ`), contiguous one after
 * the other, as is `out`. A kernel may compute one triangle (half the multiply-adds of the matmul fallback) but
 * the result must be exactly symmetric. `out` is not `a`.
 */
export interface SyrkArgs {
  a: Handle;
  out: Handle;
  batch: number;
  n: number;
  k: number;
  transA: boolean;
}

/** Argument types of every optional fused kernel, by name. */
export interface FusedKernelArgs {
  softmax: SoftmaxArgs;
  logSoftmax: SoftmaxArgs;
  softmaxCrossEntropy: SoftmaxCrossEntropyArgs;
  softmaxCrossEntropyBackward: SoftmaxCrossEntropyBackwardArgs;
  reluBackward: ReluBackwardArgs;
  sgdUpdate: SgdUpdateArgs;
  adamUpdate: AdamUpdateArgs;
  clamp: ClampArgs;
  renormSlices: RenormSlicesArgs;
  simplexProject: SimplexProjectArgs;
  l1BallProject: L1BallProjectArgs;
  boxTransform: BoxTransformArgs;
  lstmCell: LstmCellArgs;
  lstmCellBackward: LstmCellBackwardArgs;
  syrk: SyrkArgs;
}

/** The name of an optional fused kernel. */
export type FusedKernelName = keyof FusedKernelArgs;

/** Whichever fused kernels a backend provides. */
export type FusedKernels = { readonly [K in FusedKernelName]?: (args: FusedKernelArgs[K]) => void };

/** The names of the optional fused kernels, for iteration. */
export const FUSED_KERNEL_NAMES: readonly FusedKernelName[] = [
  'softmax',
  'logSoftmax',
  'softmaxCrossEntropy',
  'softmaxCrossEntropyBackward',
  'reluBackward',
  'sgdUpdate',
  'adamUpdate',
  'clamp',
  'renormSlices',
  'simplexProject',
  'l1BallProject',
  'boxTransform',
  'lstmCell',
  'lstmCellBackward',
  'syrk',
];
