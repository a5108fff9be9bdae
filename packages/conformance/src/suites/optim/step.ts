/**
 * The one update path: the order of operations in a step, null gradients, clipping options, hooks,
 * parameter groups, zeroGrad, state dicts, memory, and transactional failure (a failing constraint leaves
 * every parameter and all optimizer state bit-identical).
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { bits, param, sameBits } from '../constraints/helpers.js';

const C = cp.constraints;

function setGrad(p: cp.Tensor, g: number[] | number[][]): void {
  p.grad?.dispose();
  p.grad = cp.tensor(g);
}

/** The optimizer state and groups, bit for bit, as a string. */
export function stateBits(opt: cp.optim.Optimizer): string {
  const sd = opt.stateDict();
  const flat = Object.entries(sd.state).map(([k, s]) => [
    k,
    Object.entries(s).map(([n, v]) => [n, v instanceof cp.Tensor ? Array.from(new Uint32Array(bits(v).buffer)) : v]),
  ]);
  return JSON.stringify({ flat, groups: sd.paramGroups });
}

/** Step behaviour on the backend under test. */
export function stepSuite(ctx: SuiteContext): void {
  describe('optim: the step', () => {
    test('order: pre-hooks, gradient constraints, clipValue, weight decay + update, parameter constraints, post-hooks', () =>
      cp.tidy(() => {
        const log: string[] = [];
        const p = param([0.5, -2]);
        p.registerGradConstraint(function doubleGrad(g: cp.Tensor) {
          log.push('gradConstraint');
          return g.mul(2);
        });
        let seen: number[] = [];
        p.registerConstraint(function boxIt(v: cp.Tensor) {
          log.push('constraint');
          seen = Array.from(v.dataSync());
          return v.clamp(-1.9, 0.6);
        });
        log.length = 0;
        const opt = new cp.optim.SGD([p], { lr: 0.1, weightDecay: 0.5, clipValue: 3 });
        opt.registerStepPreHook(() => log.push('pre'));
        opt.registerStepPostHook(() => log.push('post'));
        expect(p.toArray()).toEqual([0.5, Math.fround(-1.9)]);
        setGrad(p, [-4, -0.5]);
        opt.step();
        expect(log).toEqual(['pre', 'gradConstraint', 'constraint', 'post']);
        // At registration p = [0.5, -1.9]. grad 2·[-4, -0.5] = [-8, -1] → clipValue 3 → [-3, -1] → + 0.5·p =
        // [-2.75, -1.95] → p - 0.1·g = [0.775, -1.705] → clamp(-1.9, 0.6) → [0.6, -1.705].
        expect(seen[0]).toBeCloseTo(0.775, 6);
        expect(seen[1]).toBeCloseTo(-1.705, 6);
        expect(p.toArray()[0 as never]).toBe(Math.fround(0.6));
        expect((p.toArray() as number[])[1]).toBeCloseTo(-1.705, 6);
        expect(p.grad!.toArray()).toEqual([-4, -0.5]);
        opt.zeroGrad();
      }));

    test('clipNorm scales all gradients by min(1, max/(total + 1e-6)), globally over the optimizer', () =>
      cp.tidy(() => {
        const a = param([0, 0]);
        const b = param([0]);
        const opt = new cp.optim.SGD([a, b], { lr: 1, clipNorm: 1 });
        setGrad(a, [3, 4]);
        setGrad(b, [0]);
        opt.step();
        const coef = 1 / (5 + 1e-6);
        expect(a.toArray()[0 as never]).toBeCloseTo(-3 * coef, 6);
        expect((a.toArray() as number[])[1]).toBeCloseTo(-4 * coef, 6);
        opt.zeroGrad();
      }));

    test('a parameter whose gradient is null is skipped: unchanged, no state, constraints not re-run', () =>
      cp.tidy(() => {
        const a = param([1, 2]);
        const b = param([5, 6]);
        let calls = 0;
        b.registerConstraint(function count(v: cp.Tensor) {
          calls++;
          return v;
        });
        calls = 0;
        const opt = new cp.optim.Adam([a, b], { lr: 0.1 });
        setGrad(a, [1, 1]);
        opt.step();
        expect(b.toArray()).toEqual([5, 6]);
        expect(opt.state.has(b)).toBe(false);
        expect(calls).toBe(0);
        expect(opt.state.get(a)?.step).toBe(1);
        opt.zeroGrad();
      }));

    for (const [label, failing] of [
      ['NaN', (v: cp.Tensor) => v.mul(Number.NaN)],
      ['Infinity', (v: cp.Tensor) => v.add(Number.POSITIVE_INFINITY)],
      ['a wrong shape', (v: cp.Tensor) => v.sum()],
    ] as const) {
      test(`transactional: a constraint returning ${label} raises and leaves every parameter and the state bit-identical`, () =>
        cp.tidy(() => {
          const a = param([0.5, -1.5, 2]);
          const b = param([
            [3, 4],
            [1, 0],
          ]);
          b.registerConstraint(C.maxNorm(2, { dim: 1 }));
          const d = param([0.3, 2]);
          d.registerConstraint(C.positive());
          let fail = false;
          const c = param([1, 2, 3]);
          c.registerConstraint(function flaky(v: cp.Tensor) {
            return fail ? failing(v) : v;
          });
          const params = [a, b, c, d];
          const opt = new cp.optim.Adam(params, { lr: 0.1, amsgrad: true });
          const grads = () => {
            setGrad(a, [1, -1, 0.5]);
            setGrad(b, [
              [0.1, 0.2],
              [-0.3, 0.4],
            ]);
            setGrad(c, [1, 1, 1]);
            setGrad(d, [0.5, -0.5]);
          };
          grads();
          opt.step();
          const before = params.map(bits);
          const stateBefore = stateBits(opt);
          fail = true;
          grads();
          expect(() => opt.step()).toThrow(C.ConstraintError);
          try {
            opt.step();
          } catch (e) {
            expect(String(e)).toContain('flaky');
            expect(String(e)).toContain('[3]');
          }
          params.forEach((p, i) => {
            expect(sameBits(bits(p), before[i]), `parameter ${i}`).toBe(true);
          });
          expect(stateBits(opt)).toBe(stateBefore);
          fail = false;
          opt.step();
          expect(stateBits(opt)).not.toBe(stateBefore);
          opt.zeroGrad();
        }));
    }

    test('parameter groups keep their own options; defaults fill the rest', () =>
      cp.tidy(() => {
        const a = param([1]);
        const b = param([1]);
        const opt = new cp.optim.SGD([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1, momentum: 0.9 });
        expect(opt.paramGroups[1].momentum).toBe(0.9);
        setGrad(a, [1]);
        setGrad(b, [1]);
        opt.step();
        expect(a.item()).toBeCloseTo(0.9, 6);
        expect(b.item()).toBeCloseTo(0.5, 6);
        expect(() => opt.addParamGroup({ params: [a] })).toThrow(/more than one parameter group/);
        opt.zeroGrad();
      }));

    test('zeroGrad sets gradients to null, or to zeros with setToNone = false', () =>
      cp.tidy(() => {
        const a = param([1, 2]);
        const opt = new cp.optim.SGD([a], { lr: 0.1 });
        setGrad(a, [1, 1]);
        opt.zeroGrad(false);
        expect(a.grad!.toArray()).toEqual([0, 0]);
        opt.zeroGrad();
        expect(a.grad).toBeNull();
      }));

    test('step(closure) evaluates the closure with gradients on and returns its loss', () =>
      cp.tidy(() => {
        const a = param([3]);
        const opt = new cp.optim.SGD([a], { lr: 0.1 });
        const loss = opt.step(() => {
          opt.zeroGrad();
          const l = a.square().sum();
          l.backward();
          return l.item();
        });
        expect(loss).toBe(9);
        expect(a.item()).toBeCloseTo(2.4, 6);
        opt.zeroGrad();
      }));

    test('hooks can be removed', () =>
      cp.tidy(() => {
        const a = param([1]);
        const opt = new cp.optim.SGD([a], { lr: 0.1 });
        let n = 0;
        const h = opt.registerStepPostHook(() => n++);
        setGrad(a, [1]);
        opt.step();
        h.remove();
        opt.step();
        expect(n).toBe(1);
        opt.zeroGrad();
      }));

    test('stateDict/loadStateDict continue training identically (PyTorch layout: state by index, paramGroups)', () =>
      cp.tidy(() => {
        const run = (opt: cp.optim.Optimizer, ps: cp.nn.Parameter[]) => {
          setGrad(ps[0], [0.3, -0.2]);
          setGrad(ps[1], [1]);
          opt.step();
        };
        const p1 = [param([1, 2]), param([3])];
        const o1 = new cp.optim.Adam(p1, { lr: 0.1, amsgrad: true });
        run(o1, p1);
        run(o1, p1);
        const sd = o1.stateDict();
        expect(Object.keys(sd.state)).toEqual(['0', '1']);
        expect(sd.paramGroups[0].params).toEqual([0, 1]);
        expect(sd.paramGroups[0].lr).toBe(0.1);
        expect(sd.state[0].step).toBe(2);
        const p2 = p1.map((p) => new cp.nn.Parameter(p.detach().clone()));
        const o2 = new cp.optim.Adam(p2, { lr: 0.5 });
        o2.loadStateDict(sd);
        expect(o2.paramGroups[0].lr).toBe(0.1);
        run(o1, p1);
        run(o2, p2);
        p1.forEach((p, i) => {
          expect(sameBits(bits(p), bits(p2[i]))).toBe(true);
        });
        o1.zeroGrad();
        o2.zeroGrad();
      }));

    test('steps do not leak: live storage is constant from the second step on', () => {
      const live = () => ctx.backend().stats().handles;
      const a = param([
        [1, 2],
        [3, 4],
      ]);
      a.registerConstraint(C.maxNorm(1, { dim: 1 }));
      const b = param([0.5, 0.7]);
      b.registerConstraint(C.positive());
      const c = param([1, 2, 3]);
      c.registerConstraint(C.intersect(C.nonNeg(), C.l2Ball(1)));
      const opt = new cp.optim.Adam([a, b, c], { lr: 0.1, clipNorm: 1 });
      const once = () =>
        cp.tidy(() => {
          opt.zeroGrad();
          a.sum().add(b.square().sum()).sub(c.sum()).backward();
          opt.step();
        });
      once();
      const before = live();
      for (let i = 0; i < 3; i++) once();
      expect(live()).toBe(before);
      opt.zeroGrad();
    });

    test('a reparametrized parameter written by hand continues from its new value', () =>
      cp.tidy(() => {
        const p = param([1, 2]);
        p.registerConstraint(C.positive());
        const opt = new cp.optim.SGD([p], { lr: 0.1 });
        cp.noGrad(() => p.copy_(cp.tensor([5, 7])));
        setGrad(p, [0, 0]);
        opt.step();
        const v = p.toArray() as number[];
        expect(v[0]).toBeCloseTo(5, 4);
        expect(v[1]).toBeCloseTo(7, 4);
        opt.zeroGrad();
      }));

    test('optimizer options are validated with clear errors', () =>
      cp.tidy(() => {
        const a = param([1]);
        expect(() => new cp.optim.SGD([a], { lr: -1 })).toThrow(/learning rate/);
        expect(() => new cp.optim.SGD([a], { nesterov: true })).toThrow(/Nesterov/);
        expect(() => new cp.optim.Adam([a], { betas: [1, 0.9] })).toThrow(/betas/);
        expect(() => new cp.optim.SGD([], { lr: 0.1 })).toThrow(/empty/);
      }));
  });
}
