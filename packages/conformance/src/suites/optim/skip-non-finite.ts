/**
 * `skipNonFinite: true` (every optimizer): a step whose gradients (after gradient constraints and clipping) are
 * not all finite is skipped: parameters and state untouched, no `step` count advanced, post-hooks not run.
 * The optimizer counts it (`skippedSteps`), flags it (`lastStepSkipped`), and says so: `onSkip(info)` on every
 * skip when given, else one `console.warn` the first time. The default stays: raise (constrained parameters)
 * or PyTorch's propagation (unconstrained ones).
 */
import * as cp from '@cp/core';
import { describe, expect, test, vi } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { param } from '../constraints/helpers.js';
import { ALL_OPTIMIZERS, poison, snapshot, train } from './faults.js';

/** skipNonFinite on the backend under test. */
export function skipNonFiniteSuite(_ctx: SuiteContext): void {
  describe('optim: skipNonFinite skips a step with non-finite gradients and says so', () => {
    for (const [name, make] of ALL_OPTIMIZERS) {
      test(`a step with a NaN or infinite gradient on any parameter is skipped, counted and reported; the next steps equal a run without it (${name})`, () => {
        const withSkip = (ps: cp.nn.Parameter[], infos: cp.optim.SkipInfo[]) => {
          const opt = make(ps);
          return new (opt.constructor as new (...a: unknown[]) => cp.optim.Optimizer)(ps, {
            ...opt.defaults,
            skipNonFinite: true,
            onSkip: (info: cp.optim.SkipInfo) => infos.push(info),
          });
        };
        const expected = train((ps) => withSkip(ps, []), 2);
        for (const index of [0, 2, 4, 5]) {
          for (const bad of [Number.NaN, Number.NEGATIVE_INFINITY]) {
            const clipped = name.includes('clipValue') && !Number.isNaN(bad);
            const infos: cp.optim.SkipInfo[] = [];
            let posts = 0;
            const got = train(
              (ps) => {
                const opt = withSkip(ps, infos);
                opt.registerStepPostHook(() => posts++);
                return opt;
              },
              2,
              (opt, ps, s) => {
                if (s === 1 && !clipped) {
                  const before = snapshot(ps, opt);
                  const postsBefore = posts;
                  const saved = ps[index].grad!.clone();
                  poison(ps, index, bad);
                  expect(() => opt.step()).not.toThrow();
                  expect(snapshot(ps, opt)).toBe(before);
                  expect(opt.skippedSteps).toBe(1);
                  expect(opt.lastStepSkipped).toBe(true);
                  expect(posts).toBe(postsBefore);
                  expect(infos.length).toBe(1);
                  expect(infos[0].skippedSteps).toBe(1);
                  expect(infos[0].parameters.map((p) => p.index)).toContain(index);
                  ps[index].grad!.dispose();
                  ps[index].grad = saved;
                }
                opt.step();
                expect(opt.lastStepSkipped).toBe(false);
              },
            );
            expect(got, `parameter ${index}, gradient ${bad}`).toBe(expected);
          }
        }
      });
    }

    test('without onSkip, the first skip is reported once with console.warn; skippedSteps counts every skip', () =>
      cp.tidy(() => {
        const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
        try {
          const a = param([1, 2]);
          const opt = new cp.optim.Adam([a], { lr: 0.1, skipNonFinite: true });
          for (let i = 0; i < 3; i++) {
            a.grad = cp.tensor([Number.NaN, 1]);
            opt.step();
          }
          expect(opt.skippedSteps).toBe(3);
          expect(warn).toHaveBeenCalledTimes(1);
          expect(String(warn.mock.calls[0][0])).toMatch(/Adam: skipped a step.*parameter 0.*1 NaN/);
          expect(a.toArray()).toEqual([1, 2]);
          expect(opt.state.size).toBe(0);
          a.grad = cp.tensor([1, 1]);
          opt.step();
          expect(opt.state.get(a)?.step).toBe(1);
        } finally {
          warn.mockRestore();
        }
      }));

    test('a non-finite gradient into a gradient constraint is skipped too', () =>
      cp.tidy(() => {
        const a = param([1, 2]);
        a.registerGradConstraint(cp.constraints.clamp(-1, 1));
        const infos: cp.optim.SkipInfo[] = [];
        const opt = new cp.optim.SGD([a], { lr: 0.1, skipNonFinite: true, onSkip: (i) => infos.push(i) });
        a.grad = cp.tensor([Number.NaN, 0.5]);
        opt.step();
        expect(opt.lastStepSkipped).toBe(true);
        expect(infos[0].parameters).toEqual([{ index: 0, shape: [2], nan: 1, inf: 0 }]);
        expect(a.toArray()).toEqual([1, 2]);
        opt.zeroGrad();
      }));

    test('the default still raises for a constrained parameter and propagates for an unconstrained one', () =>
      cp.tidy(() => {
        const a = param([1, 2]);
        a.registerConstraint(cp.constraints.nonNeg());
        const opt = new cp.optim.SGD([a], { lr: 0.1 });
        a.grad = cp.tensor([Number.NaN, 1]);
        expect(() => opt.step()).toThrow(cp.constraints.ConstraintError);
        expect(opt.skippedSteps).toBe(0);
        opt.zeroGrad();
      }));
  });
}
