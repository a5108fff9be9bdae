/**
 * Float64 dense linear algebra on host arrays for the matrix sets (`psd`, `spectralNorm`): the symmetric
 * eigendecomposition (tridiagonal QL, or cyclic Jacobi: O(n³) either way, QL with the smaller constant), the
 * largest singular value through it, Lanczos, and power-iteration steps. Matrices are row-major `Float64Array`s.
 */
import { tridiagonalQL } from './eigen-ql.js';

/** The eigenvalues `values[k]` and eigenvectors (column k of the row-major `vectors`) of a symmetric matrix. */
export interface Eigen {
  values: Float64Array;
  vectors: Float64Array;
}

const MAX_SWEEPS = 100;

/**
 * The eigendecomposition of the symmetric `n×n` matrix `a` (only read; its upper triangle is used): Householder
 * tridiagonalization and implicit QL (eigen-ql.ts), with Jacobi as the fallback should QL not converge. Unsorted.
 */
export function symmetricEigen(a: Float64Array, n: number): Eigen {
  return tridiagonalQL(a, n) ?? jacobiEigen(a, n);
}

/**
 * The eigendecomposition of the symmetric `n×n` matrix `a` (its upper triangle is used) by the cyclic Jacobi
 * method: rotations zero each off-diagonal entry in turn until the off-diagonal mass is below float64 rounding of
 * the diagonal. Unsorted.
 */
export function jacobiEigen(a: Float64Array, n: number): Eigen {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) m[i * n + j] = m[j * n + i] = a[i * n + j];
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += m[i * n + i] ** 2;
      for (let j = i + 1; j < n; j++) off += m[i * n + j] ** 2;
    }
    if (off <= 1e-32 * diag || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (apq === 0) continue;
        const app = m[p * n + p];
        const aqq = m[q * n + q];
        // NOTE: the rotation angle from θ = (a_qq - a_pp) / 2a_pq, with t = tan φ the smaller root of
        // t² + 2θt - 1 = 0 (Rutishauser's stable form), so |φ| <= π/4 and the sweep converges.
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p];
          const mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k];
          const mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        m[p * n + q] = m[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = m[i * n + i];
  return { values, vectors: v };
}

/** `Q f(Λ) Qᵀ` for an eigendecomposition and a map of the eigenvalues (symmetric, upper triangle mirrored). */
export function rebuild(e: Eigen, n: number, f: (lambda: number) => number): Float64Array {
  const mapped = e.values.map(f);
  const out = new Float64Array(n * n);
  const q = e.vectors;
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += q[i * n + k] * mapped[k] * q[j * n + k];
      out[i * n + j] = out[j * n + i] = s;
    }
  }
  return out;
}

/**
 * The largest singular value of the row-major `h×w` matrix `w`: the square root of the largest eigenvalue of
 * its Gram matrix on the smaller side (`WWᵀ` or `WᵀW`), by `symmetricEigen`. O(hw·min(h, w) + min(h, w)³).
 */
export function largestSingularValue(a: Float64Array, h: number, w: number): number {
  if (h === 0 || w === 0) return 0;
  const rows = h <= w;
  const k = rows ? h : w;
  const g = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      let s = 0;
      if (rows) for (let c = 0; c < w; c++) s += a[i * w + c] * a[j * w + c];
      else for (let r = 0; r < h; r++) s += a[r * w + i] * a[r * w + j];
      g[i * k + j] = g[j * k + i] = s;
    }
  }
  let top = 0;
  for (const l of symmetricEigen(g, k).values) top = Math.max(top, l);
  return Math.sqrt(top);
}

/** `out = W x` for the row-major `h×w` matrix `a`. */
export function matVec(a: Float64Array, h: number, w: number, x: Float64Array, out: Float64Array): void {
  for (let r = 0; r < h; r++) {
    let s = 0;
    for (let c = 0; c < w; c++) s += a[r * w + c] * x[c];
    out[r] = s;
  }
}

/** `out = Wᵀ y` for the row-major `h×w` matrix `a`. */
export function matTVec(a: Float64Array, h: number, w: number, y: Float64Array, out: Float64Array): void {
  out.fill(0);
  for (let r = 0; r < h; r++) {
    const yr = y[r];
    for (let c = 0; c < w; c++) out[c] += a[r * w + c] * yr;
  }
}

/** Scales `x` to unit L2 norm, dividing by `max(||x||, eps)` as `torch.nn.functional.normalize` does. */
export function normalizeInPlace(x: Float64Array, eps = 1e-12): void {
  let s = 0;
  for (const v of x) s += v * v;
  const d = Math.max(Math.sqrt(s), eps);
  for (let i = 0; i < x.length; i++) x[i] /= d;
}

/** The largest Ritz value of `WᵀW` on a Krylov space, its Ritz vector (unit length), and `W · vector`. */
export interface Ritz {
  theta: number;
  vector: Float64Array;
  image: Float64Array;
}

/**
 * `k` Lanczos steps on `WᵀW` from `start` (each one product with W and one with Wᵀ, as a power iteration), with
 * full reorthogonalization, then the top eigenpair of the tridiagonal matrix. The Ritz value is a lower
 * bound of `σ_max²` that is exact once the Krylov space holds the top singular vector (always when `k` reaches the
 * rank); it converges much faster than the power iteration when the top singular values are close.
 */
export function lanczosTop(a: Float64Array, rows: number, cols: number, start: Float64Array, k: number): Ritz {
  const qs: Float64Array[] = [];
  const images: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  let q = Float64Array.from(start);
  normalizeInPlace(q);
  // NOTE: k products with W and Wᵀ build the space spanned by q, Aq, ..., A^k q, as k power iterations reach A^k q;
  // its last diagonal entry needs only ||W q||² (one more product with W).
  for (let j = 0; j <= k; j++) {
    qs.push(q);
    const wq = new Float64Array(rows);
    matVec(a, rows, cols, q, wq);
    images.push(wq);
    let al = 0;
    for (const e of wq) al += e * e;
    alpha.push(al);
    if (j === k) break;
    const z = new Float64Array(cols);
    matTVec(a, rows, cols, wq, z);
    // NOTE: two passes of Gram–Schmidt against every basis vector keep the basis orthogonal to rounding.
    for (let pass = 0; pass < 2; pass++) {
      for (const b of qs) {
        let d = 0;
        for (let i = 0; i < cols; i++) d += b[i] * z[i];
        for (let i = 0; i < cols; i++) z[i] -= d * b[i];
      }
    }
    let nz = 0;
    for (const e of z) nz += e * e;
    nz = Math.sqrt(nz);
    if (nz <= 1e-13 * Math.max(al, ...beta, Number.MIN_VALUE)) break;
    beta.push(nz);
    q = z.map((e) => e / nz);
  }
  const m = alpha.length;
  const t = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    t[i * m + i] = alpha[i];
    if (i + 1 < m) t[i * m + i + 1] = t[(i + 1) * m + i] = beta[i];
  }
  const e = symmetricEigen(t, m);
  let top = 0;
  for (let i = 1; i < m; i++) if (e.values[i] > e.values[top]) top = i;
  const vector = new Float64Array(cols);
  const image = new Float64Array(rows);
  let norm = 0;
  for (let i = 0; i < m; i++) {
    const s = e.vectors[i * m + top];
    norm += s * s;
    for (let c = 0; c < cols; c++) vector[c] += s * qs[i][c];
    for (let r = 0; r < rows; r++) image[r] += s * images[i][r];
  }
  // NOTE: the basis is orthonormal, so the combination has the norm of the eigenvector's coefficients; W is linear,
  // so the image of the combination is the combination of the images, and no further product with W is needed.
  const scale = 1 / Math.sqrt(norm);
  for (let c = 0; c < cols; c++) vector[c] *= scale;
  for (let r = 0; r < rows; r++) image[r] *= scale;
  return { theta: Math.max(0, e.values[top]), vector, image };
}
