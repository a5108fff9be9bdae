/**
 * A non-finite gradient (after gradient constraints and clipping) on a constrained parameter raises the same
 * documented `ConstraintError` ("the gradient (after gradient constraints and clipping) has n NaN and m
 * infinite values ... nothing was changed") before any write, however the parameter is constrained: exactly projected,
 * checked behind a function constraint, or reparametrized (`positive()`), whose transform used to map the
 * result back to a finite value and leave a momentum buffer at Infinity or the raw tensor at -Infinity.
 * Unconstrained parameters keep PyTorch's behaviour (no check, no host read), unless `skipNonFinite` is on.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { param } from '../constraints/helpers.js';
import { ALL_OPTIMIZERS, mixedGrads, poison, snapshot, train } from './faults.js';

const C = cp.constraints;

/** Non-finite gradient behaviour on the backend under test. */
export function nonFiniteGradientsSuite(_ctx: SuiteContext): void {
  describe('optim: non-finite gradients on every path of a constrained parameter', () => {
    for (const [name, make] of ALL_OPTIMIZERS) {
      test(`a NaN, Infinity or -Infinity gradient on an exactly projected, checked or reparametrized parameter raises before any write; training continues unchanged (${name})`, () => {
        const expected = train(make, 3);
        // mixedModel(): 2 maxNorm and 3 clamp (exact), 4 function constraint (checked), 5 positive() (reparametrized).
        for (const index of [2, 3, 4, 5]) {
          for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
            // NOTE: clipValue clamps ±Infinity to its bound, so after clipping only NaN is non-finite there.
            const clipped = name.includes('clipValue') && !Number.isNaN(bad);
            const got = train(make, 3, (opt, ps, s) => {
              if (s !== 1) {
                opt.step();
                return;
              }
              if (clipped) return opt.step();
              const before = snapshot(ps, opt);
              poison(ps, index, bad);
              let err: unknown = null;
              try {
                opt.step();
              } catch (e) {
                err = e;
              }
              expect(err, `parameter ${index}, gradient ${bad}`).toBeInstanceOf(C.ConstraintError);
              expect(String(err)).toMatch(
                /the gradient \(after gradient constraints and clipping\) has \d+ NaN and \d+ infinite values/,
              );
              expect(String(err)).toContain('nothing was changed');
              expect(snapshot(ps, opt), `parameter ${index}, gradient ${bad}`).toBe(before);
              mixedGrads(ps, s);
              opt.step();
            });
            if (!clipped) expect(got, `parameter ${index}, gradient ${bad}`).toBe(expected);
          }
        }
      });
    }

    test('the message names the parameter index, its shape and its constraint, for a checked constraint too', () =>
      cp.tidy(() => {
        const a = param([1, 2]);
        const b = param([0.5, 1.5, 2]);
        b.registerConstraint(function box(v: cp.Tensor) {
          return v.clamp(0, 2);
        });
        const opt = new cp.optim.SGD([a, b], { lr: 0.1, momentum: 0.9 });
        a.grad = cp.tensor([1, 1]);
        b.grad = cp.tensor([Number.NEGATIVE_INFINITY, 1, Number.NaN]);
        expect(() => opt.step()).toThrow(/parameter 1\b.*box.*\[3\].*1 NaN and 1 infinite/);
        expect(a.toArray()).toEqual([1, 2]);
        expect(opt.state.size).toBe(0);
        opt.zeroGrad();
      }));

    test('a NaN gradient into a gradient constraint raises the same documented error; a constraint that makes a finite gradient NaN is named', () =>
      cp.tidy(() => {
        const a = param([1, 2]);
        a.registerGradConstraint(C.clamp(-1, 1));
        const opt = new cp.optim.Adam([a], { lr: 0.1 });
        a.grad = cp.tensor([Number.NaN, 0.5]);
        expect(() => opt.step()).toThrow(
          /parameter 0\b.*clamp.*gradient constraint.*the gradient \(after gradient constraints and clipping\) has 1 NaN and 0 infinite/,
        );
        expect(a.toArray()).toEqual([1, 2]);
        const b = param([1, 2]);
        b.registerGradConstraint(function poisonGrad(g: cp.Tensor) {
          return g.mul(Number.NaN);
        });
        const o2 = new cp.optim.SGD([b], { lr: 0.1 });
        b.grad = cp.tensor([1, 1]);
        expect(() => o2.step()).toThrow(/poisonGrad \(gradient constraint\).* produced 2 NaN/);
        expect(b.toArray()).toEqual([1, 2]);
        opt.zeroGrad();
        o2.zeroGrad();
      }));

    test('a finite gradient whose update overflows the raw tensor of a reparametrized parameter raises; nothing changes', () =>
      cp.tidy(() => {
        const p = param([0.3, 2]);
        p.registerConstraint(C.positive());
        const opt = new cp.optim.SGD([p], { lr: 1e38 });
        p.grad = cp.tensor([100, 0]);
        const before = p.toArray();
        // raw - 1e38·(sigmoid(raw)·100) is -Infinity in float32; positive() maps it to its minimum, a finite value that no
        // later gradient could move (the raw tensor would stay at -Infinity).
        expect(() => opt.step()).toThrow(C.ConstraintError);
        expect(p.toArray()).toEqual(before);
        opt.zeroGrad();
      }));

    test('unconstrained parameters keep PyTorch semantics: a NaN gradient is not checked (and costs no host read)', () =>
      cp.tidy(() => {
        const a = param([1, 2]);
        const opt = new cp.optim.SGD([a], { lr: 0.1 });
        a.grad = cp.tensor([Number.NaN, 1]);
        opt.step();
        const v = a.toArray() as number[];
        expect(Number.isNaN(v[0])).toBe(true);
        expect(v[1]).toBeCloseTo(1.9, 6);
        opt.zeroGrad();
      }));
  });
}
