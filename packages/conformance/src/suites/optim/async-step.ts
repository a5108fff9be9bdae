/**
 * The async forms (`stepAsync`, `clipGradNormAsync`, `totalNormAsync`, `registerConstraintAsync`,
 * `applyConstraintsAsync`) run the same read plans as their sync forms, with every read awaited. They must give
 * the same values and state bit for bit on every path of the step, raise, skip and undo steps the same way (a read
 * that fails halfway through a step undoes it too, sync or async), leak nothing, and let two optimizers step at
 * once (no scope stays open across an await).
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { bits, param, sameBits } from '../constraints/helpers.js';
import { ALL_OPTIMIZERS, mixedGrads, mixedModel, poison, snapshot, train } from './faults.js';

const C = cp.constraints;
type P = cp.nn.Parameter;
type Disturb = (opt: cp.optim.Optimizer, ps: P[], step: number) => Promise<void>;

/** Frees what a test's model and optimizer hold (they were made outside any tidy). */
function release(ps: P[], opt: cp.optim.Optimizer | null): void {
  opt?.dispose();
  for (const p of ps) {
    p.grad?.dispose();
    p.grad = null;
    C.clearConstraints(p);
    p.dispose();
  }
}

/** `train` (faults.ts) with `stepAsync`: the final snapshot of `steps` steps of `make(mixedModel())`. */
async function trainAsync(make: (ps: P[]) => cp.optim.Optimizer, steps: number, disturb?: Disturb): Promise<string> {
  const ps = cp.tidy(() => mixedModel());
  const opt = make(ps);
  try {
    for (let s = 0; s < steps; s++) {
      cp.tidy(() => {
        mixedGrads(ps, s);
        return ps.map((p) => p.grad);
      });
      if (disturb) await disturb(opt, ps, s);
      else await opt.stepAsync();
    }
    return cp.tidy(() => snapshot(ps, opt));
  } finally {
    release(ps, opt);
  }
}

/** A view of `backend` whose next reads can be made to fail: the k-th `readSync` or `read` from `arm(k)` on. */
function failingReads(backend: cp.Backend): { backend: cp.Backend; arm(k: number | null): void; reads(): number } {
  let failAt: number | null = null;
  let n = 0;
  const hit = () => {
    n++;
    if (failAt !== null && n === failAt) throw new cp.BackendError(`injected: read ${n} fails`);
  };
  const view = new Proxy(backend, {
    get(target, key, receiver) {
      if (key === 'readSync')
        return (h: Parameters<cp.Backend['readSync']>[0]) => {
          hit();
          return target.readSync(h);
        };
      if (key === 'read')
        return async (h: Parameters<cp.Backend['read']>[0]) => {
          hit();
          return target.read(h);
        };
      const v = Reflect.get(target, key, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return {
    backend: view,
    arm(k: number | null) {
      failAt = k;
      n = 0;
    },
    reads: () => n,
  };
}

/** Async tests of the read plans on the backend under test. */
export function asyncStepSuite(ctx: SuiteContext): void {
  describe('optim: the async forms run the same plans as the sync ones', () => {
    for (const [name, make] of ALL_OPTIMIZERS) {
      test(`stepAsync equals step bit for bit on every kind of parameter: free, exact, checked, reparametrized (${name})`, async () => {
        const expected = train(make, 3);
        expect(await trainAsync(make, 3)).toBe(expected);
      });
    }

    test('stepAsync raises and undoes a step with a non-finite gradient like step, and skips it with skipNonFinite', async () => {
      const [, make] = ALL_OPTIMIZERS[2];
      const expected = train(make, 3);
      for (const index of [2, 4, 5]) {
        const got = await trainAsync(make, 3, async (opt, ps, s) => {
          if (s === 1) {
            const before = cp.tidy(() => snapshot(ps, opt));
            cp.tidy(() => {
              poison(ps, index, Number.NaN);
              return ps[index].grad;
            });
            await expect(opt.stepAsync()).rejects.toThrow(/the gradient \(after gradient constraints and clipping\)/);
            expect(
              cp.tidy(() => snapshot(ps, opt)),
              `parameter ${index}`,
            ).toBe(before);
            cp.tidy(() => {
              mixedGrads(ps, s);
              return ps.map((p) => p.grad);
            });
          }
          await opt.stepAsync();
        });
        expect(got, `parameter ${index}`).toBe(expected);
      }
      const skipping = (ps: P[]) => new cp.optim.Adam(ps, { lr: 0.1, amsgrad: true, clipNorm: 1, skipNonFinite: true });
      const plain = train(skipping, 2);
      let skipped = 0;
      const got = await trainAsync(skipping, 2, async (opt, ps, s) => {
        if (s === 1) {
          const [saved] = cp.tidy(() => {
            const g = ps[0].grad!.clone();
            poison(ps, 0, Number.NEGATIVE_INFINITY);
            return [g, ps[0].grad!];
          });
          await opt.stepAsync();
          skipped = opt.skippedSteps;
          expect(opt.lastStepSkipped).toBe(true);
          ps[0].grad!.dispose();
          ps[0].grad = saved;
        }
        await opt.stepAsync();
      });
      expect(skipped).toBe(1);
      expect(got).toBe(plain);
    });

    test('a read that fails at any point of a step (sync or async) undoes it bit for bit and leaks nothing', async () => {
      const f = failingReads(ctx.backend());
      const prev = cp.getBackend();
      cp.setBackendSync(f.backend);
      try {
        const [, make] = ALL_OPTIMIZERS[2];
        const ps = cp.tidy(() => mixedModel());
        const opt = make(ps);
        const grads = (s: number) =>
          cp.tidy(() => {
            mixedGrads(ps, s);
            return ps.map((p) => p.grad);
          });
        grads(0);
        await opt.stepAsync();
        grads(1);
        f.arm(null);
        opt.step();
        const total = f.reads();
        expect(total, 'reads in a step of the mixed model').toBeGreaterThan(2);
        for (let k = 1; k <= total; k++) {
          for (const run of [async () => opt.step(), () => opt.stepAsync()]) {
            grads(2);
            const before = cp.tidy(() => snapshot(ps, opt));
            const live = ctx.backend().stats().handles;
            f.arm(k);
            await expect(run(), `read ${k} of ${total}`).rejects.toThrow(/injected: read/);
            f.arm(null);
            expect(ctx.backend().stats().handles, `live handles after failing read ${k}`).toBe(live);
            expect(
              cp.tidy(() => snapshot(ps, opt)),
              `state after failing read ${k}`,
            ).toBe(before);
          }
        }
        release(ps, opt);
      } finally {
        cp.setBackendSync(prev);
      }
    });

    test('stepAsync leaks nothing: live storage is constant from the second step on', async () => {
      const live = () => ctx.backend().stats().handles;
      const ps = cp.tidy(() => mixedModel());
      const opt = new cp.optim.Adam(ps, { lr: 0.1, clipNorm: 1 });
      const once = async (s: number) => {
        cp.tidy(() => {
          mixedGrads(ps, s);
          return ps.map((p) => p.grad);
        });
        await opt.stepAsync();
      };
      await once(0);
      const before = live();
      for (let s = 1; s < 4; s++) await once(s);
      expect(live()).toBe(before);
      release(ps, opt);
    });

    test('two optimizers stepping at once (interleaved awaits) give the results of stepping one after the other', async () => {
      const [, make] = ALL_OPTIMIZERS[4];
      const expected = train(make, 3);
      const models = [cp.tidy(() => mixedModel()), cp.tidy(() => mixedModel())];
      const opts = models.map(make);
      for (let s = 0; s < 3; s++) {
        for (const ps of models)
          cp.tidy(() => {
            mixedGrads(ps, s);
            return ps.map((p) => p.grad);
          });
        await Promise.all(opts.map((o) => o.stepAsync()));
      }
      models.forEach((ps, i) => {
        expect(
          cp.tidy(() => snapshot(ps, opts[i])),
          `model ${i}`,
        ).toBe(expected);
        release(ps, opts[i]);
      });
    });

    test('clipGradNormAsync and totalNormAsync equal their sync forms for every norm type, errorIfNonfinite included', async () => {
      const values = [
        [3, -4, 0.5],
        [1e-25, -2e-25],
        [3e38, 3e38, 1],
      ];
      for (const normType of [2, 1, Number.POSITIVE_INFINITY, 3]) {
        for (const data of values) {
          const make = () => {
            const a = param(data);
            a.grad = cp.tensor(data.map((v) => v * 2));
            const b = param([1, 2]);
            b.grad = cp.tensor([0.25, -7]);
            return [a, b];
          };
          const sync = make();
          const async = make();
          const totalSync = C.totalNorm(
            sync.map((p) => p.grad!),
            normType,
          );
          expect(
            await C.totalNormAsync(
              async.map((p) => p.grad!),
              normType,
            ),
          ).toBe(totalSync);
          expect(await C.clipGradNormAsync(async, 1, { normType })).toBe(C.clipGradNorm(sync, 1, { normType }));
          sync.forEach((p, i) => {
            expect(sameBits(bits(p.grad!), bits(async[i].grad!)), `grad ${i}, normType ${normType}`).toBe(true);
          });
          release([...sync, ...async], null);
        }
      }
      const bad = param([1, 2]);
      bad.grad = cp.tensor([Number.NaN, 1]);
      await expect(C.clipGradNormAsync([bad], 1, { errorIfNonfinite: true })).rejects.toThrow(
        /clipGradNorm: the total norm of order 2 of the gradients is NaN \(non-finite gradients of shape \[2\]\)/,
      );
      expect(Array.from(bad.grad.dataSync())).toEqual([Number.NaN, 1]);
      release([bad], null);
    });

    test('registerConstraintAsync and applyConstraintsAsync equal their sync forms: project, reparametrize, function', async () => {
      const cases: [string, () => cp.constraints.ConstraintLike, cp.constraints.RegisterConstraintOptions?][] = [
        ['maxNorm', () => C.maxNorm(1, { dim: 1 })],
        ['positive', () => C.positive()],
        ['interval reparametrized', () => C.interval(0, 1), { mode: 'reparametrize' }],
        ['function', () => (v: cp.Tensor) => v.clamp(-0.5, 0.5)],
      ];
      const data = [
        [3, -4, 0.2],
        [0.1, 0.9, -2],
      ];
      for (const [label, c, options] of cases) {
        const sync = param(data);
        const async = param(data);
        sync.registerConstraint(c(), options);
        const handle = await C.registerConstraintAsync(async, c(), options);
        expect(sameBits(bits(sync), bits(async)), label).toBe(true);
        cp.noGrad(() => {
          sync.copy_(cp.tensor(data).mul(3));
          async.copy_(cp.tensor(data).mul(3));
        });
        expect(C.applyConstraints([sync])).toBe(1);
        expect(await C.applyConstraintsAsync([async])).toBe(1);
        expect(sameBits(bits(sync), bits(async)), `${label}, applied`).toBe(true);
        handle.remove();
        expect(C.constraintsOf(async)).toHaveLength(0);
        release([sync, async], null);
      }
      const p = param([1, Number.NaN]);
      await expect(C.registerConstraintAsync(p, C.maxNorm(1))).rejects.toThrow(/produced \d+ NaN/);
      expect(C.constraintsOf(p)).toHaveLength(0);
      release([p], null);
    });
  });
}
