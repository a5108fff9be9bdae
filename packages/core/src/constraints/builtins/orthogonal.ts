/**
 * `orthogonal()`: matrices (batched over leading dims) with orthonormal columns (tall) or rows (wide).
 * Projection and reparametrization both use the polar factor, computed with the Newton–Schulz (Björck–Bowie)
 * iteration `X ← X(3I − XᵀX)/2`: matmuls only, so it runs on every backend and autograd differentiates it.
 *
 * The projection after an optimizer step starts warm: the previous value was orthogonal, so the Gram matrix G of
 * the new one is close to I, and one third-order step `X ← X·p(G)`, `p(G) = (15I − 10G + 3G²)/8`, reaches float32
 * accuracy. Its result is verified in the small k×k space (the Gram of `X·p(G)` is `G·p(G)²`, as p(G) commutes
 * with G), so a warm step costs two large matmuls (G and the product) and one or two k×k ones (E², E³) when a
 * bound on the new error vouches for it (see `bounds`), three otherwise. When the warm start is
 * not close (the first projection, a value loaded or written by hand, a large step), the full iteration runs.
 * The Gram matrix, E² and p² are symmetric products (`sym`): the backend's `syrk` computes half of each.
 */

import { ArgumentError, fmtShape } from '../../errors.js';
import { syrk } from '../../ops/linalg.js';
import { stack } from '../../ops/movement.js';
import { eye } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Constraint, ConstraintError, type ConstraintSlice } from '../constraint.js';
import { slicesOver } from './slice-view.js';

const MAX_ITERS = 100;
// NOTE: float32 Newton–Schulz stalls at a few ulps times sqrt(n); stop once the Gram error is this small
// or stops shrinking.
const CONVERGED = 2e-7;
/** The Gram error (per unit of max(8, k)) below which a result is accepted; it is half the check tolerance. */
const ACCEPT = 1e-6;

function dimsOf(x: Tensor): { m: number; n: number; tall: boolean } {
  if (x.ndim < 2)
    throw new ArgumentError(`orthogonal: needs a matrix (or a batch of matrices), got shape ${fmtShape(x.shape)}`);
  const m = x.shape[x.ndim - 2];
  const n = x.shape[x.ndim - 1];
  return { m, n, tall: m >= n };
}

/**
 * `op(X)·op(X)ᵀ` over the last two dims, `op` a transpose when `trans`: with `trans = tall`, `XᵀX` (tall) or
 * `XXᵀ` (wide), the Gram matrix that is the identity on the set. It is the backend's symmetric product (half the
 * multiply-adds, exactly symmetric) when it has one and no gradient is recorded, else a differentiable matmul.
 */
function sym(x: Tensor, trans: boolean): Tensor {
  const [r, c] = x.shape.slice(-2);
  const k = trans ? c : r;
  const batch = x.shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return syrk(x.reshape([batch, r, c]), trans).reshape([...x.shape.slice(0, -2), k, k]);
}

function gramError(x: Tensor, tall: boolean, k: number): number {
  return sym(x, tall)
    .sub(eye(k, k, { backend: x.backend }))
    .abs()
    .max()
    .item();
}

/**
 * The polar factor by Newton–Schulz, differentiable when `x` requires grad. `x` is first scaled by
 * `sqrt(||G||_1)` (G the Gram matrix), an upper bound on its largest singular value, so the iteration converges.
 * Returns null when it does not converge (rank-deficient input).
 */
export function newtonSchulzPolar(input: Tensor): Tensor | null {
  const { m, n, tall } = dimsOf(input);
  const k = Math.min(m, n);
  // NOTE: polar(c·X) = polar(X) for c > 0; dividing by the (constant) largest magnitude first keeps the Gram
  // matrix from overflowing or underflowing (a matrix of denormals has no float32 Gram matrix).
  const scale = input.abs().max().item();
  if (!(scale > 0) || !Number.isFinite(scale)) return null;
  const x = input.div(scale);
  const g = sym(x, tall);
  const bound = g.abs().sum(-1, { keepdim: true }).max(-2, { keepdim: true }).sqrt();
  if (!(bound.min().item() > 0)) return null;
  let y = x.div(bound);
  const I = eye(k, k, { backend: x.backend });
  let err = gramError(y, tall, k);
  for (let i = 0; i < MAX_ITERS && err > CONVERGED; i++) {
    const corr = I.mul(1.5).sub(sym(y, tall).mul(0.5));
    y = tall ? y.matmul(corr) : corr.matmul(y);
    const next = gramError(y, tall, k);
    if (next >= err && next < 1e-4) break;
    err = next;
  }
  return Number.isFinite(err) && err <= ACCEPT * Math.max(8, k) ? y : null;
}

/** Gram errors (max |G − I|) up to which the warm start is tried; past it the full iteration runs at once. */
const WARM_START = 0.1;
/** Warm steps before giving up on the warm start (each one cubes the error). */
const WARM_STEPS = 2;

/** The largest squared row norm of `t` (over the batch too), still on the backend. */
function rowNorm2(t: Tensor): Tensor {
  return t.square().sum(-1).max();
}

/**
 * Bounds on the largest entry of `|G·p(G)² − I|`, the Gram error after one warm step, for the steps of order 3
 * and 4, `p = I − E/2 + 3E²/8` and `p = I − E/2 + 3E²/8 − 5E³/16` (the Taylor polynomials of `G^(-1/2)`, with
 * `E = G − I`), in exact arithmetic on the float32 G, as the k×k check assumes. The residuals are
 * `5E³/8 − 15E⁴/64 + 9E⁵/64` and `−35E⁴/64 + 7E⁵/32 − 35E⁶/256 + 25E⁷/256`; by Cauchy–Schwarz an entry of `Eⁱ·Eʲ`
 * is at most the largest row norm of `Eⁱ` times that of `Eʲ` (E is symmetric), and a row norm of `E²·Eʲ` at most
 * `||E²||_F` times that of `Eʲ`. `a`, `b`, `c` are the largest row norms of E, E², E³ and `f = ||E²||_F` (the
 * maxima over the batch).
 */
const bounds = {
  third: (a: number, b: number, f: number) => (5 / 8) * a * b + (15 / 64) * b * b + (9 / 64) * a * b * f,
  fourth: (b: number, c: number, f: number) =>
    (35 / 64) * b * b + (7 / 32) * b * c + (35 / 256) * c * c + (25 / 256) * b * f * c,
};

/**
 * The polar factor of `x` by Newton–Schulz steps started from `x` itself, given its Gram matrix `g` (`XᵀX` tall,
 * `XXᵀ` wide) and, as `known`, the k×k identity, `E = g − I` and its largest entry `err` when the caller has them
 * (else they are computed from `g`), or null when the
 * warm start is not close enough: the error is not below `WARM_START`, or it is not within half the accepted
 * Gram error after `WARM_STEPS` steps (the other half of the margin covers the rounding of the product). The
 * first step is `X·p(G)` of order 3, or of order 4 (one more k×k product, E³), when the `bounds` vouch for it:
 * the usual case after an optimizer step, one Gram matrix, one or two k×k products and one product with x.
 * Otherwise each step is of order 3 and its result is checked through the k×k Gram `G·p(G)²`.
 */
export function warmPolar(x: Tensor, g: Tensor, known?: { I: Tensor; e: Tensor; err: number }): Tensor | null {
  const { m, n, tall } = dimsOf(x);
  const k = Math.min(m, n);
  const I = known?.I ?? eye(k, k, { backend: x.backend });
  const e = known?.e ?? g.sub(I);
  const accept = (ACCEPT / 2) * Math.max(8, k);
  let err = known?.err ?? e.abs().max().item();
  if (!(err < WARM_START)) return null;
  const times = (y: Tensor, p: Tensor) => (tall ? y.matmul(p) : p.matmul(y));
  // NOTE: E is symmetric (G is), so E·E = E·Eᵀ; the projection's G comes from `sym`, exactly symmetric.
  const e2 = sym(e, false);
  const p3 = I.sub(e.mul(0.5)).add(e2.mul(3 / 8));
  const rows2 = e2.square().sum(-1);
  const [a2, b2, f2] = stack([rowNorm2(e), rows2.max(), rows2.sum(-1).max()]).dataSync();
  const [a, b, f] = [Math.sqrt(a2), Math.sqrt(b2), Math.sqrt(f2)];
  if (bounds.third(a, b, f) <= accept) return times(x, p3);
  if (bounds.fourth(b, b * a, f) <= accept) {
    // NOTE: a·b stands in for c only to decide whether E³ is worth computing; the bound then uses E³'s own c.
    const e3 = e2.matmul(e);
    if (bounds.fourth(b, Math.sqrt(rowNorm2(e3).item()), f) <= accept) return times(x, p3.sub(e3.mul(5 / 16)));
  }
  let y = x;
  let gram = g;
  let p = p3;
  for (let i = 0; i < WARM_STEPS; i++) {
    if (i > 0) {
      const ei = gram.sub(I);
      p = I.sub(ei.mul(0.5)).add(sym(ei, false).mul(3 / 8));
    }
    y = times(y, p);
    gram = gram.matmul(sym(p, false));
    err = gram.sub(I).abs().max().item();
    if (err <= accept) return y;
    if (!(err < WARM_START)) return null;
  }
  return null;
}

/** Orthonormal columns (m ≥ n) or rows (m < n) for each matrix in the last two dims. */
export class OrthogonalConstraint extends Constraint {
  readonly name = 'orthogonal';

  override project_(x: Tensor): void {
    if (x.size === 0) return;
    const { m, n, tall } = dimsOf(x);
    const k = Math.min(m, n);
    const g = sym(x, tall);
    const I = eye(k, k, { backend: x.backend });
    const e = g.sub(I);
    const err = e.abs().max().item();
    if (err <= ACCEPT * Math.max(8, k)) return;
    let y = warmPolar(x, g, { I, e, err }) ?? newtonSchulzPolar(x);
    if (!y) {
      // NOTE: zero/rank-deficient policy: the polar factor is not unique; cp shifts the matrix (scaled to
      // max |x| = 1) by 1e-3 times the (rectangular) identity, so the zero matrix maps to the identity and the
      // result is deterministic.
      const scale = x.abs().max().item();
      const unit = scale > 0 && Number.isFinite(scale) ? x.div(scale) : x.mul(0);
      y = newtonSchulzPolar(unit.add(eye(m, n, { backend: x.backend }).mul(1e-3)));
      if (!y)
        throw new ConstraintError(
          `orthogonal: could not orthogonalize a matrix of shape ${fmtShape(x.shape)} (non-finite values?)`,
        );
    }
    x.copy_(y);
  }

  /** Each matrix of a batch (leading dims), labelled as PyTorch indexes it (for reports). */
  override slices(value: Tensor): ConstraintSlice[] | null {
    return value.ndim > 2 ? slicesOver(this, value, [value.ndim - 2, value.ndim - 1]) : null;
  }

  override violation(value: Tensor): number {
    if (value.size === 0) return 0;
    const { m, n, tall } = dimsOf(value);
    return gramError(value, tall, Math.min(m, n));
  }

  override tolerance(value: Tensor): number {
    const { m, n } = dimsOf(value);
    return 2 * ACCEPT * Math.max(8, Math.min(m, n));
  }

  /** The polar factor of `raw` (gradients flow through the iteration). */
  override transform(raw: Tensor): Tensor {
    const y = newtonSchulzPolar(raw);
    if (!y)
      throw new ConstraintError(
        `orthogonal: the raw matrix of shape ${fmtShape(raw.shape)} is rank-deficient; its polar factor is undefined`,
      );
    return y;
  }

  /** An orthogonal matrix is its own polar factor. */
  override inverse(value: Tensor): Tensor {
    return value.clone();
  }
}

/** Matrices with orthonormal columns (tall) or rows (wide), batched over leading dims. */
export function orthogonal(): OrthogonalConstraint {
  return new OrthogonalConstraint();
}
