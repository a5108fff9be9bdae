/**
 * The float64 symmetric eigensolvers behind psd and spectralNorm: tridiagonal QL and Jacobi agree on the
 * eigenvalues, and each gives an orthonormal basis that rebuilds the matrix, on random, diagonal, repeated-eigenvalue
 * and rank-one matrices of sizes 1 to 60; Lanczos reaches the largest singular value once its space is complete.
 */
import { describe, expect, test } from 'vitest';
import { tridiagonalQL } from '../src/constraints/builtins/eigen-ql.js';
import {
  type Eigen,
  jacobiEigen,
  lanczosTop,
  largestSingularValue,
  rebuild,
} from '../src/constraints/builtins/linalg64.js';

/** A deterministic pseudo-random symmetric matrix. */
function randomSymmetric(n: number, seed: number): Float64Array {
  const a = new Float64Array(n * n);
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = 4 * next();
  return a;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Checks `e` against `a`: Q orthonormal and Q Λ Qᵀ = a, to `tol · max|a|`. */
function checkDecomposition(e: Eigen, a: Float64Array, n: number, tol: number): void {
  const scale = Math.max(1, maxAbs(a));
  const back = rebuild(e, n, (l) => l);
  for (let i = 0; i < n * n; i++) expect(Math.abs(back[i] - a[i])).toBeLessThanOrEqual(tol * scale);
  for (let p = 0; p < n; p++)
    for (let q = 0; q < n; q++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += e.vectors[k * n + p] * e.vectors[k * n + q];
      expect(Math.abs(s - (p === q ? 1 : 0))).toBeLessThanOrEqual(tol);
    }
}

describe('float64 symmetric eigensolvers', () => {
  const cases: [string, number, Float64Array][] = [];
  for (const n of [1, 2, 3, 7, 16, 33, 60]) cases.push([`random ${n}`, n, randomSymmetric(n, n * 31 + 7)]);
  const diag = new Float64Array(25);
  for (let i = 0; i < 5; i++) diag[i * 5 + i] = i % 2 ? 3 : -1;
  cases.push(['diagonal with repeated eigenvalues', 5, diag]);
  const r1 = new Float64Array(36);
  for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) r1[i * 6 + j] = (i + 1) * (j + 1);
  cases.push(['rank one', 6, r1]);
  cases.push(['zero', 4, new Float64Array(16)]);

  for (const [label, n, a] of cases) {
    test(`${label}: QL and Jacobi agree and both rebuild the matrix from an orthonormal basis`, () => {
      const ql = tridiagonalQL(a, n);
      expect(ql).not.toBeNull();
      const jac = jacobiEigen(a, n);
      checkDecomposition(ql!, a, n, 1e-12 * n);
      checkDecomposition(jac, a, n, 1e-12 * n);
      const sorted = (x: Float64Array) => Array.from(x).sort((p, q) => p - q);
      const s1 = sorted(ql!.values);
      const s2 = sorted(jac.values);
      for (let i = 0; i < n; i++)
        expect(Math.abs(s1[i] - s2[i])).toBeLessThanOrEqual(1e-12 * n * Math.max(1, maxAbs(a)));
    });
  }

  test('Lanczos with a complete Krylov space gives the largest singular value; fewer steps give a lower bound', () => {
    const rows = 5;
    const cols = 9;
    const w = new Float64Array(rows * cols).map((_, i) => Math.sin(i * 1.7) + (i % 4 === 0 ? 1 : 0));
    const sigma = largestSingularValue(w, rows, cols);
    const start = new Float64Array(cols).fill(1);
    expect(Math.sqrt(lanczosTop(w, rows, cols, start, rows).theta)).toBeCloseTo(sigma, 12);
    expect(Math.sqrt(lanczosTop(w, rows, cols, start, 1).theta)).toBeLessThanOrEqual(sigma * (1 + 1e-15));
  });
});
