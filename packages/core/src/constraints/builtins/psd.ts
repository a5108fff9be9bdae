/**
 * `psd({ minEig })`: symmetric square matrices (batched over leading dims) whose eigenvalues are all at least
 * `minEig`. The projection (in the Frobenius norm) symmetrizes, eigendecomposes in float64 (tridiagonal QL,
 * linalg64.ts) and clamps the eigenvalues at `minEig` (Higham 1988); O(n³) per matrix, meant for matrices up to a
 * few hundred rows.
 * The reparametrization is `L Lᵀ + minEig·I`.
 */
import { ArgumentError, fmtShape } from '../../errors.js';
import { eye } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Constraint } from '../constraint.js';
import { readHost, writeHost } from '../host.js';
import { checkNumber, checkOptions } from './args.js';
import { type Eigen, rebuild, symmetricEigen } from './linalg64.js';
import { roundingBand } from './slices.js';

/** Options of `psd`. */
export interface PsdOptions {
  /** The smallest allowed eigenvalue (default 0: positive semi-definite; > 0: positive definite). */
  minEig?: number;
}

function matricesOf(x: Tensor): { n: number; count: number } {
  if (x.ndim < 2 || x.shape[x.ndim - 1] !== x.shape[x.ndim - 2])
    throw new ArgumentError(`psd: needs square matrices in the last two dims, got shape ${fmtShape(x.shape)}`);
  const n = x.shape[x.ndim - 1];
  return { n, count: n === 0 ? 0 : x.size / (n * n) };
}

/** The symmetric part `(A + Aᵀ)/2` of matrix `b` of `data` in float64, whether A is exactly symmetric, and max|a|. */
function symmetricPart(data: Float32Array, b: number, n: number): { s: Float64Array; exact: boolean; scale: number } {
  const s = new Float64Array(n * n);
  const o = b * n * n;
  let exact = true;
  let scale = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const a = data[o + i * n + j];
      const t = data[o + j * n + i];
      if (a !== t) exact = false;
      s[i * n + j] = 0.5 * (a + t);
      scale = Math.max(scale, Math.abs(a));
    }
  }
  return { s, exact, scale };
}

/** Eigenvalues `>= minEig` (symmetric square matrices over the last two dims). */
export class PsdConstraint extends Constraint {
  readonly name = 'psd';
  override readonly convex = true;
  readonly minEig: number;

  constructor(options?: PsdOptions) {
    super();
    checkOptions('psd', options, ['minEig']);
    this.minEig = checkNumber('psd', 'minEig', options?.minEig ?? 0);
    this.options = { minEig: this.minEig };
  }

  /** A symmetric matrix rebuilt from finite eigenpairs: finite for finite input (QL, or Jacobi after it, converges). */
  override get safeProjection(): boolean {
    return true;
  }

  // NOTE: rounding a matrix to float32 moves its eigenvalues by at most ||E||₂ <= n·2⁻²⁴·max|a|; a symmetric matrix
  // whose smallest eigenvalue is within four times that of minEig counts as feasible and keeps its bits, so a
  // projected matrix (rounded once) is left alone by the next projection.
  private band(n: number, scale: number): number {
    return roundingBand(n * Math.max(scale, Math.abs(this.minEig)));
  }

  override project_(x: Tensor): void {
    const { n, count } = matricesOf(x);
    if (count === 0) return;
    const data = readHost(x);
    let changed = false;
    for (let b = 0; b < count; b++) {
      const o = b * n * n;
      const { s, exact, scale } = symmetricPart(data, b, n);
      if (!Number.isFinite(scale)) {
        data.fill(Number.NaN, o, o + n * n);
        changed = true;
        continue;
      }
      const e = symmetricEigen(s, n);
      const low = Math.min(...e.values);
      if (exact && low >= this.minEig - this.band(n, scale)) continue;
      const p = rebuild(e, n, (l) => Math.max(l, this.minEig));
      for (let i = 0; i < n * n; i++) data[o + i] = p[i];
      changed = true;
    }
    if (changed) writeHost(x, data);
  }

  /** The largest of the asymmetry `max |a_ij - a_ji|` and the eigenvalue deficit `minEig - λ_min` (or 0). */
  override violation(value: Tensor): number {
    const { n, count } = matricesOf(value);
    const data = readHost(value);
    let worst = 0;
    for (let b = 0; b < count; b++) {
      const o = b * n * n;
      const { s, scale } = symmetricPart(data, b, n);
      if (!Number.isFinite(scale)) return Number.NaN;
      let asym = 0;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) asym = Math.max(asym, Math.abs(data[o + i * n + j] - data[o + j * n + i]));
      const low = Math.min(...symmetricEigen(s, n).values);
      worst = Math.max(worst, asym, this.minEig - low);
    }
    return worst;
  }

  /** `1e-5 · max(1, |minEig|, max|a|) · max(1, n/16)`: the float32 rounding of the entries, in eigenvalue terms. */
  override tolerance(value: Tensor): number {
    const { n } = matricesOf(value);
    const scale = value.size === 0 ? 0 : value.abs().max().item();
    return 1e-5 * Math.max(1, Math.abs(this.minEig), scale) * Math.max(1, n / 16);
  }

  /** The eigendecomposition (float64) of the symmetric part of each matrix of `value`, in batch order. */
  eigen(value: Tensor): Eigen[] {
    const { n, count } = matricesOf(value);
    const data = readHost(value);
    return Array.from({ length: count }, (_, b) => symmetricEigen(symmetricPart(data, b, n).s, n));
  }

  /** `raw · rawᵀ + minEig·I` (differentiable). */
  override transform(raw: Tensor): Tensor {
    const { n } = matricesOf(raw);
    const gram = raw.matmul(raw.transpose(-2, -1));
    return this.minEig === 0 ? gram : gram.add(eye(n, n, { backend: raw.backend }).mul(this.minEig));
  }

  /** The symmetric square root of `value - minEig·I` (eigenvalues below minEig taken as minEig), in float64. */
  override inverse(value: Tensor): Tensor {
    const { n, count } = matricesOf(value);
    const data = readHost(value);
    for (let b = 0; b < count; b++) {
      const root = rebuild(symmetricEigen(symmetricPart(data, b, n).s, n), n, (l) =>
        Math.sqrt(Math.max(l - this.minEig, 0)),
      );
      for (let i = 0; i < n * n; i++) data[b * n * n + i] = root[i];
    }
    const out = value.detach().clone();
    if (count > 0) writeHost(out, data);
    return out;
  }
}

/** Symmetric matrices whose eigenvalues are all `>= minEig` (default 0), over the last two dims. */
export function psd(options?: PsdOptions): PsdConstraint {
  return new PsdConstraint(options);
}
