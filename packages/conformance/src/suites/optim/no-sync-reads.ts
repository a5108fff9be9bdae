/**
 * A backend that cannot read synchronously (`capabilities.sync` false, `readSync` throws), as a GPU backend will
 * be: here a view of the backend under test. Core's sync reads raise an `UnsupportedError` that names the op and
 * the async form to use, and training goes through the async API: an MLP (20-16-3, ReLU) trains with Adam, a
 * maxNorm constraint and clipNorm using `registerConstraintAsync`, `totalNormAsync`, `stepAsync` and `data()`;
 * the loss falls, the constraint holds, and the weights equal those of the same run with the sync API on the
 * backend itself, bit for bit.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { bits, onBackend, sameBits } from '../constraints/helpers.js';

const C = cp.constraints;

/** `backend` with synchronous reads refused: `capabilities.sync` is false and `readSync` throws. */
export function noSyncReads(backend: cp.Backend): cp.Backend {
  const capabilities = { ...backend.capabilities, sync: false };
  return new Proxy(backend, {
    get(target, key, receiver) {
      if (key === 'capabilities') return capabilities;
      if (key === 'name') return `${target.name}-nosync`;
      if (key === 'readSync')
        return () => {
          throw new Error('this backend cannot read synchronously; core must not call readSync');
        };
      const v = Reflect.get(target, key, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** Runs `fn` with `backend` current (awaiting it), then restores the previous backend. */
async function onBackendAsync<T>(backend: cp.Backend, fn: () => Promise<T>): Promise<T> {
  const prev = cp.getBackend();
  cp.setBackendSync(backend);
  try {
    return await fn();
  } finally {
    cp.setBackendSync(prev);
  }
}

const SIZES = [20, 16, 3] as const;
const BATCH = 32;
const STEPS = 40;
const MAX_NORM = 0.5;
const CLIP_NORM = 0.2;

/** The synthetic data: inputs in [-1, 1), and one-hot targets of the class a fixed linear teacher picks. */
function syntheticData(): { x: Float32Array; y: Float32Array } {
  const gen = new cp.Generator(7);
  const [n, d, k] = [BATCH, SIZES[0], SIZES[2]];
  const x = Float32Array.from({ length: n * d }, () => gen.nextFloat() * 2 - 1);
  const teacher = Float32Array.from({ length: d * k }, () => gen.nextFloat() * 2 - 1);
  const y = new Float32Array(n * k);
  for (let r = 0; r < n; r++) {
    let best = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      let score = 0;
      for (let j = 0; j < d; j++) score += x[r * d + j] * teacher[j * k + c];
      if (score > bestScore) [best, bestScore] = [c, score];
    }
    y[r * k + best] = 1;
  }
  return { x, y };
}

/** The MLP, with its initial weights given as host arrays (so two backends start from the same point). */
function mlp(init: Float32Array[] | null): { model: cp.nn.Sequential; params: cp.nn.Parameter[] } {
  const model = new cp.nn.Sequential(
    new cp.nn.Linear(SIZES[0], SIZES[1]),
    new cp.nn.ReLU(),
    new cp.nn.Linear(SIZES[1], SIZES[2]),
  );
  const params = [...model.parameters()];
  if (init) {
    cp.noGrad(() =>
      cp.tidy(() => {
        params.forEach((p, i) => {
          p.copy_(cp.tensor(init[i], { shape: [...p.shape] }));
        });
      }),
    );
  }
  return { model, params };
}

/** The row norms of a [rows, cols] weight given as host data, in float64. */
function rowNorms(data: Float32Array, cols: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < data.length / cols; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += data[r * cols + c] ** 2;
    out.push(Math.sqrt(s));
  }
  return out;
}

/** A backend without synchronous reads, on the backend under test. */
export function noSyncReadsSuite(ctx: SuiteContext): void {
  describe('optim: training on a backend that cannot read synchronously', () => {
    test('every sync read raises an UnsupportedError naming the op and its async form; the async forms work', async () => {
      const view = noSyncReads(ctx.backend());
      await onBackendAsync(view, async () => {
        const t = cp.tensor([1, 2, 3]);
        const one = cp.tensor([4]);
        expect(() => t.dataSync()).toThrow(cp.UnsupportedError);
        expect(() => t.dataSync()).toThrow(
          /dataSync: backend '.*-nosync' cannot read tensor data synchronously \(capabilities\.sync is false\); use the async form: await t\.data\(\)/,
        );
        expect(() => t.toArray()).toThrow(/toArray: .*await t\.data\(\)/);
        expect(() => one.item()).toThrow(/item: .*await t\.data\(\)/);
        expect(Array.from(await t.data())).toEqual([1, 2, 3]);

        const w = new cp.nn.Parameter(cp.tensor([[3, 4]]));
        expect(() => w.registerConstraint(C.maxNorm(1))).toThrow(/registerConstraint: .*registerConstraintAsync/);
        expect(C.constraintsOf(w)).toHaveLength(0);
        await C.registerConstraintAsync(w, C.maxNorm(1));
        const projected = await w.data();
        expect(projected[0]).toBeCloseTo(0.6, 6);
        expect(projected[1]).toBeCloseTo(0.8, 6);

        const g = cp.tensor([[1, 1]]);
        w.grad = g;
        expect(() => C.clipGradNorm([w], 1)).toThrow(/clipGradNorm: .*clipGradNormAsync/);
        expect(() => C.totalNorm([g])).toThrow(/totalNorm: .*totalNormAsync/);
        expect(await C.totalNormAsync([g])).toBeCloseTo(Math.SQRT2, 6);
        const opt = new cp.optim.Adam([w], { lr: 0.1 });
        const before = Array.from(await w.data());
        expect(() => opt.step()).toThrow(/Adam\.step: .*await optimizer\.stepAsync\(\)/);
        expect(Array.from(await w.data())).toEqual(before);
        await opt.stepAsync();
        expect(Array.from(await w.data())).not.toEqual(before);

        // A constraint that reads synchronously cannot run here: the error says where, and the step is undone.
        const q = new cp.nn.Parameter(cp.tensor([1, 2]));
        q.registerGradConstraint(function readsItself(g: cp.Tensor) {
          return g.mul(g.sum().item());
        });
        q.grad = cp.tensor([1, 1]);
        const o2 = new cp.optim.SGD([q], { lr: 0.1 });
        await expect(o2.stepAsync()).rejects.toThrow(/item: .*\(inside SGD\.stepAsync: a constraint or an update rule/);
        expect(Array.from(await q.data())).toEqual([1, 2]);
        opt.dispose();
        for (const p of [w, q]) {
          p.grad?.dispose();
          C.clearConstraints(p);
          p.dispose();
        }
        t.dispose();
        one.dispose();
      });
    });

    test('an MLP 20-16-3 trains with Adam, maxNorm and clipNorm through the async API: the loss falls, the constraint holds, and the weights equal the sync run on the backend itself bit for bit', async () => {
      const { x, y } = syntheticData();
      const sync = onBackend(ctx.backend(), () => {
        const net = mlp(null);
        const init = net.params.map((p) => Float32Array.from(p.dataSync() as Float32Array));
        net.params[0].registerConstraint(C.maxNorm(MAX_NORM, { dim: 1 }));
        const opt = new cp.optim.Adam(net.params, { lr: 0.02, clipNorm: CLIP_NORM });
        const xs = cp.tensor(x, { shape: [BATCH, SIZES[0]] });
        const ys = cp.tensor(y, { shape: [BATCH, SIZES[2]] });
        const losses: number[] = [];
        for (let s = 0; s < STEPS; s++) {
          cp.tidy(() => {
            opt.zeroGrad();
            const loss = cp.F.mseLoss(net.model.call(xs), ys);
            loss.backward();
            losses.push(loss.item());
            opt.step();
          });
        }
        const weights = net.params.map(bits);
        opt.dispose();
        net.model.dispose();
        xs.dispose();
        ys.dispose();
        return { init, losses, weights };
      });

      const view = noSyncReads(ctx.backend());
      const got = await onBackendAsync(view, async () => {
        const net = mlp(sync.init);
        await C.registerConstraintAsync(net.params[0], C.maxNorm(MAX_NORM, { dim: 1 }));
        const opt = new cp.optim.Adam(net.params, { lr: 0.02, clipNorm: CLIP_NORM });
        const xs = cp.tensor(x, { shape: [BATCH, SIZES[0]] });
        const ys = cp.tensor(y, { shape: [BATCH, SIZES[2]] });
        const losses: number[] = [];
        const gradNorms: number[] = [];
        for (let s = 0; s < STEPS; s++) {
          opt.zeroGrad();
          const loss = cp.tidy(() => {
            const l = cp.F.mseLoss(net.model.call(xs), ys);
            l.backward();
            return l.detach();
          });
          losses.push((await loss.data())[0]);
          loss.dispose();
          gradNorms.push(await C.totalNormAsync(net.params.map((p) => p.grad!)));
          await opt.stepAsync();
        }
        const weights = await Promise.all(
          net.params.map(async (p) => Float32Array.from((await p.data()) as Float32Array)),
        );
        opt.dispose();
        net.model.dispose();
        xs.dispose();
        ys.dispose();
        return { losses, gradNorms, weights };
      });

      expect(got.losses[STEPS - 1]).toBeLessThan(0.6 * got.losses[0]);
      // clipNorm was active: the gradients' norm was above it.
      expect(Math.max(...got.gradNorms)).toBeGreaterThan(CLIP_NORM);
      const norms = rowNorms(got.weights[0], SIZES[0]);
      expect(Math.max(...norms)).toBeLessThanOrEqual(MAX_NORM * (1 + 1e-6));
      expect(Math.max(...norms)).toBeGreaterThan(MAX_NORM * 0.999);
      expect(got.losses).toEqual(sync.losses);
      got.weights.forEach((w, i) => {
        expect(sameBits(w, sync.weights[i]), `parameter ${i}`).toBe(true);
      });
    });
  });
}
