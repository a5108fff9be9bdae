/**
 * Gradient clipping: `clipGradNorm` (global over all gradients as if concatenated, overflow-safe, like
 * `torch.nn.utils.clip_grad_norm_`) and `clipGradValue`. Parameters whose gradient is null are skipped.
 * Both modify `.grad` in place; the optimizer's `clipNorm`/`clipValue` options use the same arithmetic. The
 * norms are read plans (engine/read.ts): `clipGradNormAsync` and `totalNormAsync` run the same code with awaited
 * reads, for backends that cannot read synchronously.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../engine/lifetime.js';
import { type Held, type ReadPlan, readNumber, runAsync, runSync } from '../engine/read.js';
import { ArgumentError, fmtShape } from '../errors.js';
import { stack } from '../ops/movement.js';
import { isTensor, type Tensor } from '../tensor/tensor.js';
import { ConstraintError } from './constraint.js';
import { clampInPlace } from './kernels.js';

/** Options of `clipGradNorm`. */
export interface ClipGradNormOptions {
  /** The norm's order: 2 (default), 1, Infinity, or any p > 0. */
  normType?: number;
  /** Raise when the total norm is NaN or infinite instead of scaling by a NaN coefficient (default false). */
  errorIfNonfinite?: boolean;
  /** Accepted for PyTorch compatibility; cp always clips tensor by tensor. */
  foreach?: boolean;
}

/** What gradient functions accept: tensors or parameters, one, many, or a module (`parameters()`). */
export type GradTargets = Tensor | Iterable<Tensor> | { parameters(): Iterable<Tensor> };

function tensorsOf(target: GradTargets): Tensor[] {
  if (isTensor(target)) return [target];
  const maybe = target as { parameters?: () => Iterable<Tensor> };
  return [...(typeof maybe.parameters === 'function' ? maybe.parameters() : (target as Iterable<Tensor>))];
}

/**
 * The p-norm of one tensor as a float64 number, overflow-safe: scaled by its largest magnitude before
 * powering, so float32 gradients near 3e38 still give a finite norm.
 */
function* tensorNormPlan(t: Tensor, p: number, held: Held): ReadPlan<number> {
  if (t.size === 0) return 0;
  const a = held.hold(t.abs());
  const m = yield* readNumber(a.max());
  if (p === Infinity || m === 0 || !Number.isFinite(m)) return m;
  // NOTE: the final multiply by m happens in float64: the norm of float32 values can exceed float32's max.
  const scaled = a.div(m);
  if (p === 1) return m * (yield* readNumber(scaled.sum()));
  if (p === 2) return m * Math.sqrt(yield* readNumber(scaled.mul(scaled).sum()));
  return m * (yield* readNumber(scaled.pow(p).sum())) ** (1 / p);
}

/** The p-norm of several norms combined in float64 (the norm of the concatenation), scaled against overflow. */
export function combineNorms(norms: readonly number[], p: number): number {
  if (norms.length === 0) return 0;
  if (p === Infinity)
    return norms.reduce((a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.max(a, b)), 0);
  const m = norms.reduce((a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.max(a, b)), 0);
  if (m === 0 || !Number.isFinite(m)) return m;
  let s = 0;
  for (const n of norms) s += (n / m) ** p;
  return m * s ** (1 / p);
}

/**
 * The 2-norm's fast path: every tensor's sum of squares, read back in one transfer. Returns null when it
 * cannot be trusted: squares overflowing float32 (non-finite) or so small that tiny entries may have
 * underflowed (below 1e-20), or tensors on several backends; the caller then scales tensor by tensor.
 */
function* sumOfSquaresNorm(grads: readonly Tensor[]): ReadPlan<number | null> {
  const nonEmpty = grads.filter((g) => g.size > 0);
  if (nonEmpty.length === 0) return 0;
  if (nonEmpty.some((g) => g.backend !== nonEmpty[0].backend)) return null;
  const sums = yield stack(nonEmpty.map((g) => g.mul(g).sum()));
  let total = 0;
  for (const v of sums) total += v;
  return Number.isFinite(total) && total >= 1e-20 ? Math.sqrt(total) : null;
}

/** `totalNorm` as a plan (the optimizer's clipNorm runs it inside its step). */
export function* totalNormPlan(grads: readonly Tensor[], p: number, held: Held): ReadPlan<number> {
  if (!(p > 0)) throw new ArgumentError(`totalNorm: normType must be > 0 (or Infinity), got ${p}`);
  const fast = p === 2 ? yield* sumOfSquaresNorm(grads) : null;
  if (fast !== null) return fast;
  const norms: number[] = [];
  for (const g of grads) norms.push(yield* tensorNormPlan(g, p, held));
  return combineNorms(norms, p);
}

/** The total p-norm of `grads` as if concatenated (no clipping). */
export function totalNorm(grads: readonly Tensor[], p = 2): number {
  return runSync('totalNorm', (held) => totalNormPlan(grads, p, held), 'await totalNormAsync(grads, p)');
}

/** Async form of `totalNorm`, for backends that cannot read synchronously. */
export function totalNormAsync(grads: readonly Tensor[], p = 2): Promise<number> {
  return runAsync('totalNormAsync', (held) => totalNormPlan(grads, p, held));
}

/** PyTorch's clip coefficient: `min(1, maxNorm / (total + 1e-6))` (NaN when total is NaN). */
export function clipCoefficient(total: number, maxNorm: number): number {
  return Math.min(1, maxNorm / (total + 1e-6));
}

/** `clipGradNorm` as a plan. */
function* clipGradNormPlan(
  params: GradTargets,
  maxNorm: number,
  options: ClipGradNormOptions | undefined,
  held: Held,
): ReadPlan<number> {
  const p = options?.normType ?? 2;
  if (!(maxNorm >= 0)) throw new ArgumentError(`clipGradNorm: maxNorm must be >= 0, got ${maxNorm}`);
  const grads = tensorsOf(params)
    .map((t) => t.grad)
    .filter((g): g is Tensor => g !== null);
  const total = yield* totalNormPlan(grads, p, held);
  if (!Number.isFinite(total) && options?.errorIfNonfinite) {
    const bad: string[] = [];
    for (const g of grads) if (!Number.isFinite(yield* tensorNormPlan(g, p, held))) bad.push(fmtShape(g.shape));
    throw new ConstraintError(
      `clipGradNorm: the total norm of order ${p} of the gradients is ${total} (non-finite gradients of shape ${bad.join(', ')}); no gradient was changed. Pass errorIfNonfinite: false to clip anyway`,
    );
  }
  const coef = clipCoefficient(total, maxNorm);
  // NOTE: a coefficient of exactly 1 would leave every gradient unchanged, so skip the pass (as PyTorch's
  // clamp to 1 does arithmetically); NaN falls through and turns the gradients NaN, as in PyTorch.
  if (!(coef >= 1)) for (const g of grads) g.copy_(g.mul(coef));
  return total;
}

/**
 * Scales the gradients of `params` so their total p-norm is at most `maxNorm` and returns the total norm
 * before clipping. Null gradients are skipped. With `errorIfNonfinite` a NaN/infinite total raises and no
 * gradient changes.
 */
export function clipGradNorm(params: GradTargets, maxNorm: number, options?: ClipGradNormOptions): number {
  return runSync(
    'clipGradNorm',
    (held) => clipGradNormPlan(params, maxNorm, options, held),
    'await clipGradNormAsync(params, maxNorm)',
  );
}

/** Async form of `clipGradNorm`, for backends that cannot read synchronously. */
export function clipGradNormAsync(
  params: GradTargets,
  maxNorm: number,
  options?: ClipGradNormOptions,
): Promise<number> {
  return runAsync('clipGradNormAsync', (held) => clipGradNormPlan(params, maxNorm, options, held));
}

/** Clamps every gradient of `params` into `[-clipValue, clipValue]` in place (null gradients are skipped). */
export function clipGradValue(params: GradTargets, clipValue: number): void {
  if (!(clipValue >= 0)) throw new ArgumentError(`clipGradValue: clipValue must be >= 0, got ${clipValue}`);
  noGrad(() =>
    tidy(() => {
      for (const t of tensorsOf(params)) if (t.grad) clampInPlace(t.grad, -clipValue, clipValue);
    }),
  );
}
