/**
 * The per-parameter registry and serialization: registration makes the parameter feasible, handles remove,
 * modes and their errors, function constraints, applyConstraints, reports, specs round-tripping through
 * JSON, and the name registry for custom constraints.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { param } from './helpers.js';

const C = cp.constraints;

/** Registry behaviour on the backend under test. */
export function registrySuite(_ctx: SuiteContext): void {
  describe('constraints: the registry', () => {
    test('registering makes the parameter feasible at once (the blog post clamp, done right)', () =>
      cp.tidy(() => {
        const w = param([
          [0.5, -0.3],
          [0.05, 2],
        ]);
        w.registerConstraint(C.clamp(-0.1, 0.1));
        expect(w.toArray()).toEqual(
          [
            [0.1, -0.1],
            [0.05, 0.1],
          ].map((r) => r.map(Math.fround)),
        );
      }));

    test('a plain function is a constraint (the blog post form), applied after every step', () =>
      cp.tidy(() => {
        const p = param([
          [2, -3],
          [0.5, 0],
        ]);
        const clipConstraint = (v: cp.Tensor) => v.clamp(-1, 1);
        p.registerConstraint(clipConstraint);
        const opt = new cp.optim.SGD([p], { lr: 10 });
        p.grad = cp.tensor([
          [1, -1],
          [1, -1],
        ]);
        opt.step();
        expect(p.toArray()).toEqual([
          [-1, 1],
          [-1, 1],
        ]);
        opt.zeroGrad();
      }));

    test('remove() detaches the constraint and leaves the value where it is', () =>
      cp.tidy(() => {
        const p = param([3, 4]);
        const h = p.registerConstraint(C.maxNorm(1));
        h.remove();
        const opt = new cp.optim.SGD([p], { lr: 1 });
        p.grad = cp.tensor([-3, -4]);
        opt.step();
        expect(p.norm().item()).toBeGreaterThan(5);
        expect(C.constraintsOf(p).length).toBe(0);
        opt.zeroGrad();
      }));

    test('several project-mode constraints on one parameter enforce their intersection', () =>
      cp.tidy(() => {
        const p = param([3, -1, 2]);
        p.registerConstraint(C.nonNeg());
        p.registerConstraint(C.l2Ball(1));
        expect(C.nonNeg().check(p).ok && C.l2Ball(1).check(p).ok).toBe(true);
        expect((p.toArray() as number[])[0]).toBeCloseTo(3 / Math.sqrt(13), 4);
      }));

    test('reparametrize mode: errors for constraints without a transform and for mixing modes', () =>
      cp.tidy(() => {
        expect(() => param([1, 2]).registerConstraint(C.l1Ball(1), { mode: 'reparametrize' })).toThrow(
          /cannot be used with \{ mode: 'reparametrize' \}/,
        );
        const p = param([1, 2]);
        p.registerConstraint(C.positive());
        expect(() => p.registerConstraint(C.maxNorm(1))).toThrow(/reparametrized/);
        const q = param([1, 2]);
        q.registerConstraint(C.maxNorm(1));
        expect(() => q.registerConstraint(C.positive())).toThrow(/already has constraints/);
      }));

    test('a function returning the wrong shape at registration raises and leaves the value unchanged', () =>
      cp.tidy(() => {
        const p = param([1, 2]);
        expect(() =>
          p.registerConstraint(function total(v: cp.Tensor) {
            return v.sum();
          }),
        ).toThrow(/returned shape \[\]; a constraint must keep the shape/);
        expect(p.toArray()).toEqual([1, 2]);
        expect(C.constraintsOf(p).length).toBe(0);
      }));

    test('applyConstraints accepts parameters or a module, and restores feasibility after writes by hand', () =>
      cp.tidy(() => {
        const lin = new cp.nn.Linear(3, 2);
        lin.weight.registerConstraint(C.maxNorm(0.5, { dim: 1 }));
        cp.noGrad(() => lin.weight.copy_(cp.ones([2, 3]).mul(4)));
        expect(C.maxNorm(0.5, { dim: 1 }).check(lin.weight).ok).toBe(false);
        expect(C.applyConstraints(lin)).toBe(1);
        expect(C.maxNorm(0.5, { dim: 1 }).check(lin.weight).ok).toBe(true);
        const p = param([-1, 2]);
        p.registerConstraint(C.positive());
        cp.noGrad(() => p.copy_(cp.tensor([-5, 3])));
        C.applyConstraints([p]);
        expect((p.toArray() as number[])[0]).toBeGreaterThan(0);
      }));

    test('constraintReport lists every constrained parameter with its violation', () =>
      cp.tidy(() => {
        const a = param([1, 2]);
        a.registerConstraint(C.nonNeg());
        const b = param([3, 4]);
        b.registerConstraint(C.maxNorm(1), { mode: 'project' });
        cp.noGrad(() => b.copy_(cp.tensor([3, 4])));
        const report = C.constraintReport([
          ['a', a],
          ['b', b],
          ['c', param([0])],
        ]);
        expect(report.map((r) => [r.name, r.constraint, r.mode, r.ok])).toEqual([
          ['a', 'nonNeg()', 'project', true],
          ['b', 'maxNorm(max=1)', 'project', false],
        ]);
        expect(report[1].maxViolation).toBeCloseTo(4, 5);
      }));

    test('gradient constraints change only the gradient the optimizer sees', () =>
      cp.tidy(() => {
        const p = param([0, 0]);
        p.registerGradConstraint(C.maxNorm(1));
        const opt = new cp.optim.SGD([p], { lr: 1 });
        p.grad = cp.tensor([3, 4]);
        opt.step();
        expect((p.toArray() as number[])[0]).toBeCloseTo(-0.6, 5);
        expect(p.grad!.toArray()).toEqual([3, 4]);
        opt.zeroGrad();
      }));
  });

  describe('constraints: serialization', () => {
    test('specs of every built-in survive JSON and rebuild an equal constraint', () =>
      cp.tidy(() => {
        const all = [
          C.clamp(-1, null),
          C.interval(0, 2),
          C.nonNeg(),
          C.greaterThan(1),
          C.lessThan(-1),
          C.positive({ minValue: 1e-3 }),
          C.linfBall(2),
          C.maxNorm(2, { dim: 1 }),
          C.minMaxNorm(0.5, 2, { dim: [0, 1], rate: 0.5 }),
          C.unitNorm({ dim: 0 }),
          C.l2Ball(3),
          C.l1Ball(1, { dim: -1 }),
          C.simplex({ sum: 2, dim: 1 }),
          C.orthogonal(),
          C.symmetric(),
          C.intersect(C.nonNeg(), C.l2Ball(1), { maxIter: 50 }),
        ];
        for (const c of all) {
          const spec = JSON.parse(JSON.stringify(c.toSpec()));
          const back = C.fromSpec(spec);
          expect(String(back)).toBe(String(c));
          expect(back.toSpec()).toEqual(c.toSpec());
        }
      }));

    test('constraintSpecs/loadConstraintSpecs carry value and gradient constraints with their modes', () =>
      cp.tidy(() => {
        const p = param([1, 2]);
        p.registerConstraint(C.positive());
        p.registerGradConstraint(C.clamp(-1, 1));
        const specs = JSON.parse(JSON.stringify(C.constraintSpecs(p)));
        expect(specs).toEqual([
          { name: 'positive', options: { minValue: 1e-6 }, mode: 'reparametrize' },
          { name: 'clamp', options: { min: -1, max: 1 }, target: 'grad' },
        ]);
        const q = param([-3, 4]);
        C.loadConstraintSpecs(q, specs);
        expect(C.constraintsOf(q).map((e) => e.mode)).toEqual(['reparametrize']);
        expect((q.toArray() as number[])[0]).toBeGreaterThan(0);
        expect(C.gradConstraintsOf(q).length).toBe(1);
      }));

    test('an unknown name raises an error listing the known names; custom constraints load once registered', () =>
      cp.tidy(() => {
        expect(() => C.fromSpec({ name: 'sumTo', options: {} })).toThrow(
          /unknown constraint 'sumTo'; known names: clamp, .*maxNorm.*constraints\.register/,
        );
        C.register(
          'halve',
          () =>
            function halve(v: cp.Tensor) {
              return v.mul(0.5);
            },
        );
        try {
          const p = param([4]);
          C.loadConstraintSpecs(p, [{ name: 'halve', options: {} }]);
          expect(p.item()).toBe(2);
          expect(C.constraintSpecs(p)).toEqual([{ name: 'halve', options: {}, mode: 'project' }]);
          expect(() => C.register('maxNorm', () => C.nonNeg())).toThrow(/built-in/);
        } finally {
          C.unregister('halve');
        }
      }));

    test('a custom Constraint subclass needs only name and project', () =>
      cp.tidy(() => {
        class SumToZero extends C.Constraint {
          readonly name = 'sumToZero';
          override project(v: cp.Tensor): cp.Tensor {
            return v.sub(v.mean());
          }
        }
        const p = param([1, 2, 6]);
        p.registerConstraint(new SumToZero());
        expect(p.sum().item()).toBeCloseTo(0, 5);
        expect(new SumToZero().check(p, { tol: 1e-5 }).ok).toBe(true);
      }));
  });
}
