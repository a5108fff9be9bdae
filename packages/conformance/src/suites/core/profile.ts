/**
 * `profile(fn)`: per public op, the calls and the time, split into self time (total minus nested ops) and,
 * within it, kernel time and core overhead, like torch.profiler's key_averages. Counts are exact for a
 * known program; times are checked through their identities and with a deliberately slow kernel.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { backendView } from './backend-view.js';

function row(result: cp.ProfileResult<unknown>, op: string): cp.ProfileRow {
  const r = result.rows.find((x) => x.op === op);
  if (!r) throw new Error(`no row '${op}' in ${result.rows.map((x) => x.op).join(', ')}`);
  return r;
}

/** Busy-waits `ms` milliseconds (a kernel that takes a known time). */
function spin(ms: number): void {
  const start = performance.now();
  while (performance.now() - start < ms) {
    // spin
  }
}

/** The op profiler. */
export function profileSuite(ctx: SuiteContext): void {
  describe('profile()', () => {
    test('counts exactly the ops a program runs and returns its value', () => {
      const a = cp.ones([4, 8]);
      const b = cp.ones([8, 8]);
      const p = cp.profile(() => {
        let x = a;
        for (let i = 0; i < 3; i++) x = cp.matmul(x, b);
        return x.sum();
      });
      expect(row(p, 'matmul').calls).toBe(3);
      expect(row(p, 'sum').calls).toBe(1);
      expect(p.rows.some((r) => r.op === 'ones')).toBe(false);
      expect(p.value.item()).toBe(4 * 8 * 8 ** 3);
    });

    test('a nested composite counts each op once, and self time is total minus the ops called inside', () => {
      const x = cp.tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3] });
      const p = cp.profile(() => x.std());
      const calls = Object.fromEntries(p.rows.map((r) => [r.op, r.calls]));
      // NOTE: var's full sum drops its kept dims with one reshape.
      expect(calls).toEqual({ std: 1, var: 1, mean: 1, sum: 2, reshape: 1, sub: 1, mul: 1, div: 2, sqrt: 1 });
      const std = row(p, 'std');
      expect(std.selfMs).toBeCloseTo(std.totalMs - row(p, 'var').totalMs - row(p, 'sqrt').totalMs, 9);
      expect(std.kernelMs).toBe(0);
      expect(row(p, 'var').totalMs).toBeGreaterThanOrEqual(row(p, 'mean').totalMs);
      for (const r of p.rows) {
        expect(r.selfMs).toBeLessThanOrEqual(r.totalMs + 1e-9);
        expect(r.kernelMs).toBeLessThanOrEqual(r.selfMs + 1e-9);
        expect(r.overheadMs).toBeCloseTo(r.selfMs - r.kernelMs, 9);
      }
      const selfSum = p.rows.reduce((s, r) => s + r.selfMs, 0);
      expect(selfSum).toBeCloseTo(std.totalMs, 6);
      expect(p.totalMs).toBeGreaterThanOrEqual(std.totalMs);
    });

    test("kernel time is the backend's time, overhead the rest of the op's own time", () => {
      const base = ctx.backend();
      const view = backendView(base, {
        kernels: {
          matmul: (args) => {
            spin(3);
            base.kernels.matmul(args);
          },
        },
      });
      const a = cp.ones([2, 2], { backend: view });
      const p = cp.profile(() => cp.matmul(cp.matmul(a, a), a));
      const mm = row(p, 'matmul');
      expect(mm.calls).toBe(2);
      expect(mm.kernelMs).toBeGreaterThanOrEqual(6);
      expect(mm.totalMs).toBeGreaterThanOrEqual(mm.kernelMs);
      expect(mm.overheadMs).toBeCloseTo(mm.selfMs - mm.kernelMs, 9);
      expect(mm.overheadMs).toBeLessThan(mm.kernelMs);
    });

    test('backward is one row, and each gradient rule a row <op>.backward with the ops it runs', () => {
      const w = cp.ones([3, 2], { requiresGrad: true });
      const loss = cp
        .matmul(cp.ones([4, 3]), w)
        .sigmoid()
        .sum();
      const p = cp.profile(() => loss.backward());
      expect(row(p, 'backward').calls).toBe(1);
      for (const op of ['sum', 'sigmoid', 'matmul']) expect(row(p, `${op}.backward`).calls).toBe(1);
      const rules = ['sum', 'sigmoid', 'matmul'].reduce((s, op) => s + row(p, `${op}.backward`).totalMs, 0);
      expect(row(p, 'backward').totalMs).toBeGreaterThanOrEqual(rules);
      // sigmoid's rule is g·out·(1 - out): one sub, nested in its row (relu's has a fused kernel on some backends).
      expect(row(p, 'sub').calls).toBe(1);
      expect(p.rows.some((r) => r.op === 'matmul')).toBe(false);
    });

    test('an async fn is profiled until its promise settles', async () => {
      const a = cp.ones([2, 2]);
      const p = await cp.profile(async () => {
        await Promise.resolve();
        const y = cp.matmul(a, a);
        await new Promise((r) => setTimeout(r, 1));
        return cp.add(y, 1);
      });
      expect(row(p, 'matmul').calls).toBe(1);
      expect(row(p, 'add').calls).toBe(1);
      expect(p.value.toArray()).toEqual([
        [3, 3],
        [3, 3],
      ]);
    });

    test('nothing is collected outside profile(), also after fn throws', () => {
      const a = cp.ones([2, 2]);
      expect(() =>
        cp.profile(() => {
          cp.matmul(a, a);
          throw new Error('boom');
        }),
      ).toThrow('boom');
      cp.matmul(a, a).dispose();
      expect(cp.profile(() => 1).rows).toEqual([]);
      expect(() => cp.profile(() => cp.profile(() => 0))).toThrow(/profile: a profile is already running/);
    });

    test('table() lists every op once, sorted by total time, with the column names', () => {
      const logits = cp.randn([8, 4]);
      const labels = cp.tensor([0, 1, 2, 3, 0, 1, 2, 3], { dtype: 'int32' });
      const p = cp.profile(() => cp.F.crossEntropy(logits, labels));
      const lines = p.table().split('\n');
      expect(lines[0]).toMatch(/^op +calls +total ms +self ms +kernel ms +overhead ms$/);
      const body = lines.slice(2, 2 + p.rows.length);
      expect(body.map((l) => l.split(/ +/)[0])).toEqual(p.rows.map((r) => r.op));
      const totals = body.map((l) => Number(l.trim().split(/ +/)[2]));
      for (let i = 1; i < totals.length; i++) expect(totals[i]).toBeLessThanOrEqual(totals[i - 1]);
      expect(p.rows[0].op).toBe('crossEntropy');
      expect(lines[lines.length - 1]).toMatch(/^wall time \d+\.\d{3} ms$/);
    });
  });
}
