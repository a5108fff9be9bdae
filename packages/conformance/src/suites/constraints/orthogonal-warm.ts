/**
 * The orthogonal projection's two paths: the warm start (a matrix near an orthogonal one, as after an optimizer
 * step, takes one or two third-order steps: at most 9 products, 3 or 4 for a step whose error bound
 * vouches for it) and the full Newton–Schulz iteration (a matrix far
 * from orthogonal: the first projection, a loaded or hand-written value, a large step). Both land within the
 * orthogonality tolerance and on the float64 polar factor; the matmul and syrk kernel calls (products) tell the
 * paths apart, and on a backend with the fused syrk the Gram matrix and E² take it.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { bits, onBackend } from './helpers.js';

const C = cp.constraints;

/** The backend with its matmul and syrk kernel calls counted. */
function countingMatmuls(backend: cp.Backend): { backend: cp.Backend; matmuls(): number; syrks(): number } {
  const calls = { matmul: 0, syrk: 0 };
  const counting = <T extends object>(table: T, name: 'matmul' | 'syrk') =>
    new Proxy(table, {
      get(target, key, receiver) {
        const k = Reflect.get(target, key, receiver);
        if (key !== name || typeof k !== 'function') return k;
        return (args: unknown) => {
          calls[name]++;
          return k.call(target, args);
        };
      },
    });
  const kernels = counting(backend.kernels, 'matmul');
  const fused = counting(backend.fused, 'syrk');
  const counted = new Proxy(backend, {
    get(target, key, receiver) {
      return key === 'kernels' ? kernels : key === 'fused' ? fused : Reflect.get(target, key, receiver);
    },
  });
  return { backend: counted, matmuls: () => calls.matmul + calls.syrk, syrks: () => calls.syrk };
}

/** A deterministic matrix of `rows × cols` values in [-1, 1). */
function matrix(rows: number, cols: number, seed: number): number[][] {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 1073741824 - 1;
  };
  return Array.from({ length: rows }, () => Array.from({ length: cols }, next));
}

/** The polar factor of `a` in float64 (Newton–Schulz from a Frobenius-scaled start, to convergence). */
function polar64(a: number[][]): number[][] {
  const m = a.length;
  const n = a[0].length;
  const tall = m >= n;
  const fro = Math.sqrt(a.flat().reduce((t, v) => t + v * v, 0));
  let x = a.map((r) => r.map((v) => v / fro));
  const mul = (p: number[][], q: number[][]) =>
    p.map((r) => q[0].map((_, j) => r.reduce((t, v, k) => t + v * q[k][j], 0)));
  const tr = (p: number[][]) => p[0].map((_, j) => p.map((r) => r[j]));
  for (let i = 0; i < 200; i++) {
    const g = tall ? mul(tr(x), x) : mul(x, tr(x));
    const c = g.map((r, i2) => r.map((v, j) => (i2 === j ? 1.5 : 0) - 0.5 * v));
    x = tall ? mul(x, c) : mul(c, x);
  }
  return x;
}

/** The warm-started and the full orthogonal projection. */
export function orthogonalWarmSuite(ctx: SuiteContext): void {
  describe('constraints: orthogonal projection, warm start and full iteration', () => {
    for (const [rows, cols] of [
      [12, 5],
      [6, 20],
      [16, 16],
    ] as const) {
      test(`[${rows}, ${cols}]: near-orthogonal input takes the warm start, a far one the full iteration; both on the polar factor`, () => {
        const { backend, matmuls, syrks } = countingMatmuls(ctx.backend());
        const hasSyrk = typeof ctx.backend().fused.syrk === 'function';
        onBackend(backend, () =>
          cp.tidy(() => {
            const c = C.orthogonal();
            const q = c.project(cp.tensor(matrix(rows, cols, 7)));
            const k = Math.min(rows, cols);
            for (const [label, eps, warm] of [
              ['a small step from an orthogonal matrix', 1e-3, true],
              ['a step that takes the order-4 warm step', 3e-2, true],
              ['a larger step', 2e-2, true],
              ['a far matrix (first projection, a loaded value)', null, false],
            ] as const) {
              const input =
                eps === null
                  ? cp.tensor(matrix(rows, cols, 99))
                  : q.add(cp.tensor(matrix(rows, cols, 3)).mul(eps / Math.sqrt(k)));
              const x = input.clone();
              const [before, syrkBefore] = [matmuls(), syrks()];
              c.project_(x);
              const used = matmuls() - before;
              // NOTE: a small step is accepted on the order-3 bound (products: the Gram matrix, E², the product); a
              // larger one on the order-4 bound (and E³). The Gram matrix and E² are symmetric products.
              if (eps === 1e-3) expect(used, `${label}: matmuls`).toBe(3);
              if (eps !== null && eps !== 2e-2) expect(syrks() - syrkBefore, `${label}: syrks`).toBe(hasSyrk ? 2 : 0);
              if (eps === 3e-2) expect(used, `${label}: matmuls`).toBe(4);
              if (warm) expect(used, `${label}: matmuls`).toBeLessThanOrEqual(9);
              else expect(used, `${label}: matmuls`).toBeGreaterThan(9);
              expect(c.check(x).ok, `${label}: check`).toBe(true);
              const want = polar64(input.toArray() as number[][]).flat();
              const got = bits(x);
              const diff = Math.max(...want.map((v, i) => Math.abs(v - got[i])));
              expect(diff, `${label}: distance to the float64 polar factor`).toBeLessThanOrEqual(1e-5 * Math.sqrt(k));
            }
          }),
        );
      });
    }

    test('an orthogonal value is left bit for bit, and repeated steps stay within the tolerance', () => {
      cp.tidy(() => {
        const p = new cp.nn.Parameter(cp.tensor(matrix(20, 8, 5)));
        C.registerConstraint(p, C.orthogonal());
        const before = bits(p);
        C.orthogonal().project_(p.detach());
        expect(Array.from(bits(p))).toEqual(Array.from(before));
        const opt = new cp.optim.Adam([p], { lr: 0.01 });
        const target = cp.tensor(matrix(20, 8, 11));
        for (let s = 0; s < 30; s++) {
          opt.zeroGrad();
          p.sub(target).square().sum().backward();
          opt.step();
          expect(C.orthogonal().check(p).ok, `step ${s}`).toBe(true);
        }
      });
    });
  });
}
