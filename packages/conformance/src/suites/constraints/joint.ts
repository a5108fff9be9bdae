/**
 * Joint constraints (one set on the concatenation of several parameters): registration projects the
 * concatenation, every step of every optimizer keeps it in the set (a fast-check property like the
 * single-parameter one), a failing step or registration changes nothing, reports show a group as one entry,
 * state dicts and checkpoints carry groups, and the rules for a parameter in two groups or in a group and a
 * constraint of its own raise.
 */
import * as cp from '@cp/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { optimizerArb } from './enforcement.js';
import { bits, dataArb, param, sameBits } from './helpers.js';

const C = cp.constraints;
type P = cp.nn.Parameter;

/** The members' values concatenated, flattened, in float64. */
function concat(ps: readonly cp.Tensor[]): number[] {
  return ps.flatMap((p) => Array.from(p.dataSync()));
}

const l2 = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));
const l1 = (v: number[]) => v.reduce((a, x) => a + Math.abs(x), 0);

/** A loss pushing every member outward (so the joint set binds). */
function outward(ps: readonly P[]): void {
  cp.tidy(() => {
    let loss = ps[0].square().sum().neg();
    for (const p of ps.slice(1)) loss = loss.sub(p.square().sum());
    loss.backward();
  });
}

/** Joint constraints on the backend under test. */
export function jointSuite(ctx: SuiteContext): void {
  describe('constraints: joint constraints over several parameters', () => {
    test('registration projects the concatenation (global l2 ball) and leaves a feasible group bit for bit', () =>
      cp.tidy(() => {
        const a = param([
          [3, 0, 0],
          [0, 4, 0],
        ]);
        const b = param([0, 0, 0, 12]);
        const h = C.registerJointConstraint([a, b], C.l2Ball(1));
        // ||(3, 4, 12)|| = 13, so every element is scaled by 1/13.
        const v = concat([a, b]);
        expect(l2(v)).toBeLessThanOrEqual(1 + 1e-6);
        expect(v[0]).toBeCloseTo(3 / 13, 6);
        expect(v[9]).toBeCloseTo(12 / 13, 6);
        expect(C.jointConstraintOf(a)?.params).toEqual([a, b]);
        h.remove();
        expect(C.jointConstraintOf(a)).toBeNull();
        const before = [bits(a), bits(b)];
        C.registerJointConstraint([a, b], C.l2Ball(2));
        expect(sameBits(bits(a), before[0]) && sameBits(bits(b), before[1])).toBe(true);
      }));

    test('a joint simplex and a budget on the total l1 norm hold after every step of several optimizers', () => {
      const makers: [string, (ps: P[]) => cp.optim.Optimizer][] = [
        ['SGD momentum', (ps) => new cp.optim.SGD(ps, { lr: 0.3, momentum: 0.9 })],
        ['Adam', (ps) => new cp.optim.Adam(ps, { lr: 0.2 })],
        ['AdamW', (ps) => new cp.optim.AdamW(ps, { lr: 0.2, weightDecay: 0.1 })],
        ['RMSprop centered', (ps) => new cp.optim.RMSprop(ps, { lr: 0.05, centered: true })],
        ['Adagrad', (ps) => new cp.optim.Adagrad(ps, { lr: 0.3 })],
      ];
      for (const [label, make] of makers) {
        cp.tidy(() => {
          const gen = new cp.Generator(7);
          const a = new cp.nn.Parameter(cp.randn([3, 2], { generator: gen }));
          const b = new cp.nn.Parameter(cp.randn([5], { generator: gen }));
          const c = new cp.nn.Parameter(cp.randn([2, 2], { generator: gen }));
          const d = new cp.nn.Parameter(cp.randn([4], { generator: gen }));
          C.registerJointConstraint([a, b], C.simplex({ sum: 2 }));
          C.registerJointConstraint([c, d], C.l1Ball(3));
          const target = cp.randn([6], { generator: gen });
          const opt = make([a, b, c, d]);
          for (let s = 0; s < 8; s++) {
            opt.zeroGrad();
            cp.tidy(() => {
              a.reshape([6])
                .sub(target)
                .square()
                .sum()
                .add(b.mul(cp.arange(5)).sum())
                .backward();
              outward([c, d]);
            });
            opt.step();
            const simplex = concat([a, b]);
            expect(Math.min(...simplex), `${label} step ${s + 1}`).toBeGreaterThanOrEqual(0);
            expect(Math.abs(simplex.reduce((x, y) => x + y, 0) - 2), `${label} step ${s + 1}`).toBeLessThan(2e-5);
            expect(l1(concat([c, d])), `${label} step ${s + 1}`).toBeLessThanOrEqual(3 * (1 + 1e-5));
          }
          // The budget binds: the outward loss drives the total l1 norm to the bound.
          expect(l1(concat([c, d]))).toBeGreaterThan(3 * (1 - 1e-4));
          opt.zeroGrad();
        });
      }
    });

    test('property: after every step of every optimizer the concatenation satisfies the joint constraint', () => {
      const shapes = fc.array(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 2 }), {
        minLength: 2,
        maxLength: 3,
      });
      const sets = fc.oneof(
        fc.double({ min: 0.1, max: 3, noNaN: true }).map((r) => ({ label: `l2Ball(${r})`, make: () => C.l2Ball(r) })),
        fc.double({ min: 0.1, max: 3, noNaN: true }).map((r) => ({ label: `l1Ball(${r})`, make: () => C.l1Ball(r) })),
        fc
          .double({ min: 0.1, max: 3, noNaN: true })
          .map((s) => ({ label: `simplex(${s})`, make: () => C.simplex({ sum: s }) })),
        fc.double({ min: 0.1, max: 3, noNaN: true }).map((r) => ({
          label: `intersect(nonNeg, l2Ball(${r}))`,
          make: () => C.intersect(C.nonNeg(), C.l2Ball(r)),
        })),
        fc.constant({ label: 'checked l2Ball(1)', make: () => (v: cp.Tensor) => C.l2Ball(1).project(v) }),
      );
      const arb = shapes.chain((ss) => {
        const sizes = ss.map((s) => s.reduce((x, y) => x * y, 1));
        const total = sizes.reduce((x, y) => x + y, 0);
        return fc.record({
          shapes: fc.constant(ss),
          data: dataArb(total),
          w: dataArb(total, 10),
          set: sets,
          opt: optimizerArb,
          steps: fc.integer({ min: 1, max: 5 }),
          // One member may get no gradient (it is not in the loss): the group is still projected as a whole.
          idle: fc.integer({ min: -1, max: ss.length - 1 }),
        });
      });
      fc.assert(
        fc.property(arb, ({ shapes: ss, data, w, set, opt, steps, idle }) =>
          cp.tidy(() => {
            let offset = 0;
            const ps = ss.map((shape) => {
              const n = shape.reduce((x, y) => x * y, 1);
              const p = new cp.nn.Parameter(cp.tensor(data.slice(offset, offset + n), { shape }));
              offset += n;
              return p;
            });
            const made = set.make();
            const con = made instanceof C.Constraint ? made : C.l2Ball(1);
            C.registerJointConstraint(ps, made);
            const check = () => con.check(cp.tensor(concat(ps)));
            expect(check().ok, `${set.label} at registration`).toBe(true);
            const wt = cp.tensor(w);
            const o = opt.make(ps);
            for (let s = 0; s < steps; s++) {
              o.zeroGrad();
              cp.tidy(() => {
                const active = ps.filter((_, i) => i !== idle);
                const flat = cp.cat(
                  active.map((p) => p.reshape([p.size])),
                  0,
                );
                flat
                  .mul(wt.narrow(0, 0, flat.size))
                  .sum()
                  .add(flat.square().sum())
                  .backward();
              });
              o.step();
              const r = check();
              expect(r.ok, `${set.label} with ${opt.label}, step ${s + 1}: ${r.maxViolation}`).toBe(true);
            }
            o.zeroGrad();
          }),
        ),
        { numRuns: Math.max(10, Math.floor(ctx.numRuns / 2)), seed: ctx.seed },
      );
    });

    test('a failing joint projection in a step leaves every member and the optimizer state bit for bit', () =>
      cp.tidy(() => {
        const a = param([0.1, 0.2]);
        const b = param([[0.3], [0.1]]);
        let calls = 0;
        const flaky = (v: cp.Tensor) => {
          calls++;
          if (calls === 3) throw new Error('flaky projection');
          if (calls === 4) return v.mul(Number.NaN);
          return C.l2Ball(1).project(v);
        };
        C.registerJointConstraint([a, b], flaky);
        const opt = new cp.optim.Adam([a, b], { lr: 0.1 });
        outward([a, b]);
        opt.step();
        const snap = () => [bits(a), bits(b), ...[a, b].flatMap((p) => [bits(opt.state.get(p)!.expAvg as cp.Tensor)])];
        const before = snap();
        expect(() => opt.step()).toThrow(cp.constraints.ConstraintError);
        expect(() => opt.step()).toThrow(/NaN/);
        const after = snap();
        expect(after.every((t, i) => sameBits(t, before[i]))).toBe(true);
        expect(opt.state.get(a)!.step).toBe(1);
        opt.step();
        expect(l2(concat([a, b]))).toBeLessThanOrEqual(1 + 1e-6);
        opt.zeroGrad();
      }));

    test('a non-finite gradient on one member of an exact group raises and changes nothing', () =>
      cp.tidy(() => {
        const a = param([0.5, 0.5]);
        const b = param([0.5]);
        C.registerJointConstraint([a, b], C.l1Ball(1));
        const opt = new cp.optim.SGD([a, b], { lr: 0.1, momentum: 0.9 });
        a.grad = cp.tensor([1, 1]);
        b.grad = cp.tensor([Number.NaN]);
        const before = [bits(a), bits(b)];
        expect(() => opt.step()).toThrow(/joint\(l1Ball\(radius=1\)\) over 2 parameters.*1 NaN/);
        expect(sameBits(bits(a), before[0]) && sameBits(bits(b), before[1])).toBe(true);
        expect(opt.state.size).toBe(0);
      }));

    test('a registration that fails changes nothing and records no group', () =>
      cp.tidy(() => {
        const a = param([3, 4]);
        const b = param([5]);
        const before = [bits(a), bits(b)];
        expect(() => C.registerJointConstraint([a, b], (v: cp.Tensor) => v.mul(Number.NaN))).toThrow(/NaN/);
        expect(sameBits(bits(a), before[0]) && sameBits(bits(b), before[1])).toBe(true);
        expect(C.jointConstraintOf(a)).toBeNull();
        a.registerConstraint(C.nonNeg()); // a is free to take a constraint of its own
      }));

    test('rules: one group per parameter, no constraint of its own, project mode, each member once', () =>
      cp.tidy(() => {
        const a = param([1, 2]);
        const b = param([3]);
        const c = param([4]);
        C.registerJointConstraint([a, b], C.l2Ball(10));
        expect(() => C.registerJointConstraint([b, c], C.l2Ball(10))).toThrow(/already in joint\(l2Ball/);
        expect(() => a.registerConstraint(C.nonNeg())).toThrow(/is in a joint group.*C\.intersect/);
        c.registerConstraint(C.nonNeg());
        expect(() => C.registerJointConstraint([c, param([1])], C.l2Ball(1))).toThrow(
          /already has a value constraint \(nonNeg\(\)\)/,
        );
        expect(() =>
          C.registerJointConstraint([param([1]), param([2])], C.positive(), { mode: 'reparametrize' }),
        ).toThrow(/projection only/);
        const d = param([1]);
        expect(() => C.registerJointConstraint([d, d], C.l2Ball(1))).toThrow(/listed twice/);
        expect(() => C.registerJointConstraint([], C.l2Ball(1))).toThrow(/non-empty array/);
        // A gradient constraint on a member is allowed: it acts on the member's gradient.
        a.registerGradConstraint(C.clamp(-1, 1));
        // Clearing a member's constraints dissolves its group.
        C.clearConstraints(b);
        expect(C.jointConstraintOf(a)).toBeNull();
      }));

    test('module.registerConstraint with several names, report as one entry, applyConstraints', () => {
      cp.manualSeed(3);
      const m = new cp.nn.Sequential(new cp.nn.Linear(4, 3), new cp.nn.ReLU(), new cp.nn.Linear(3, 2));
      m.registerConstraint(['0.weight', '2.weight'], C.l2Ball(0.5));
      const report = m.constraintReport();
      expect(report.map((e) => [e.name, e.constraint, e.ok])).toEqual([
        ['0.weight + 2.weight', 'l2Ball(radius=0.5)', true],
      ]);
      expect(report[0].params).toEqual(['0.weight', '2.weight']);
      const w0 = m.getParameter('0.weight');
      cp.noGrad(() => w0.copy_(cp.ones([3, 4])));
      expect(m.constraintReport()[0].ok).toBe(false);
      expect(m.applyConstraints()).toBe(2);
      expect(l2(concat([w0, m.getParameter('2.weight')]))).toBeLessThanOrEqual(0.5 * (1 + 1e-6));
      expect(m.constraintReport()[0].ok).toBe(true);
      expect(() => m.registerConstraint(['0.weight', '1.weight'], C.l2Ball(1))).toThrow(/no parameter '1\.weight'/);
      m.dispose();
    });

    test('a group spanning two optimizers holds after the step of either', () =>
      cp.tidy(() => {
        const a = param([0.1, 0.1]);
        const b = param([0.1]);
        C.registerJointConstraint([a, b], C.l2Ball(1));
        const oa = new cp.optim.SGD([a], { lr: 1 });
        const ob = new cp.optim.Adam([b], { lr: 1 });
        for (let s = 0; s < 4; s++) {
          outward([a, b]);
          (s % 2 === 0 ? oa : ob).step();
          a.grad = null;
          b.grad = null;
          expect(l2(concat([a, b]))).toBeLessThanOrEqual(1 + 1e-6);
        }
        expect(l2(concat([a, b]))).toBeGreaterThan(1 - 1e-5);
      }));

    test('the async forms register and enforce a group like the sync ones', async () => {
      const a = param([3, 4]);
      const b = param([12]);
      await C.registerJointConstraintAsync([a, b], C.l2Ball(1));
      expect(l2(concat([a, b]))).toBeLessThanOrEqual(1 + 1e-6);
      const opt = new cp.optim.Adam([a, b], { lr: 0.5 });
      outward([a, b]);
      await opt.stepAsync();
      expect(l2(concat([a, b]))).toBeLessThanOrEqual(1 + 1e-6);
      cp.noGrad(() => a.copy_(cp.tensor([30, 40])));
      expect(await C.applyConstraintsAsync([a])).toBe(2);
      expect(l2(concat([a, b]))).toBeLessThanOrEqual(1 + 1e-6);
      opt.zeroGrad();
    });

    test('a group on a parameter shared under two names survives a state dict round trip', () => {
      const make = () => {
        const lin = new cp.nn.Linear(2, 2);
        return new cp.nn.Sequential(lin, new cp.nn.ReLU(), lin);
      };
      const a = make();
      a.registerConstraint(['0.weight', '0.bias'], C.l2Ball(0.3));
      const sd = a.stateDict();
      expect(Object.keys(cp.nn.stateDictMetadata(sd)!.constraints)).toEqual(['0.weight', '0.bias']);
      const b = make();
      b.loadStateDict(sd);
      expect(b.constraintReport().map((e) => [e.name, e.ok])).toEqual([['0.weight + 0.bias', true]]);
      a.dispose();
      b.dispose();
    });

    test('a checkpoint whose values leave a joint group is refused, and the model is unchanged', () => {
      const make = () => new cp.nn.Sequential(new cp.nn.Linear(2, 2));
      const a = make();
      a.registerConstraint(['0.weight', '0.bias'], C.l2Ball(0.5));
      // Written by hand after registration, without applyConstraints: the saved values violate the group.
      cp.noGrad(() => a.getParameter('0.bias').copy_(cp.tensor([5, 5])));
      const bytes = cp.saveCheckpoint({ model: a });
      const b = make();
      const before = bits(b.getParameter('0.bias'));
      expect(() => cp.loadCheckpoint(bytes, { model: b })).toThrow(/joint constraint 'l2Ball\(radius=0\.5\)'/);
      expect(sameBits(bits(b.getParameter('0.bias')), before)).toBe(true);
      expect(b.constraintReport()).toEqual([]);
      a.dispose();
      b.dispose();
    });

    test('state dicts and checkpoints carry a group; loading projects (state dict) or checks (checkpoint)', () => {
      cp.manualSeed(5);
      const make = () => new cp.nn.Sequential(new cp.nn.Linear(3, 2), new cp.nn.Linear(2, 2));
      const a = make();
      a.registerConstraint(['0.weight', '1.bias'], C.l1Ball(0.7));
      a.registerConstraint('1.weight', C.maxNorm(1, { dim: 1 }));
      const sd = a.stateDict();
      const meta = cp.nn.stateDictMetadata(sd)!;
      expect(meta.constraints['0.weight'].map((s) => s.name)).toEqual(['joint']);
      expect(meta.constraints['1.bias'][0].options).toEqual({
        params: ['0.weight', '1.bias'],
        constraint: { name: 'l1Ball', options: { radius: 0.7, dim: null } },
      });
      Object.defineProperty(sd, '_metadata', { value: JSON.parse(JSON.stringify(meta)), enumerable: false });
      const b = make();
      b.loadStateDict(sd);
      expect(b.constraintReport().map((e) => [e.name, e.constraint, e.ok])).toEqual([
        ['0.weight + 1.bias', 'l1Ball(radius=0.7)', true],
        ['1.weight', 'maxNorm(max=1, dim=1)', true],
      ]);
      for (const k of ['0.weight', '0.bias', '1.weight', '1.bias'])
        expect(sameBits(bits(b.getParameter(k)), bits(a.getParameter(k)))).toBe(true);
      // The loaded group is enforced by the next step.
      const opt = new cp.optim.SGD(b.parameters(), { lr: 1 });
      outward([b.getParameter('0.weight'), b.getParameter('1.bias')]);
      opt.step();
      expect(l1(concat([b.getParameter('0.weight'), b.getParameter('1.bias')]))).toBeLessThanOrEqual(0.7 * (1 + 1e-5));
      opt.zeroGrad();
      // Values outside the group are projected by loadStateDict ...
      const c = make();
      const raw = { ...a.stateDict(), '0.weight': cp.ones([2, 3]) };
      Object.defineProperty(raw, '_metadata', { value: meta, enumerable: false });
      c.loadStateDict(raw);
      expect(l1(concat([c.getParameter('0.weight'), c.getParameter('1.bias')]))).toBeLessThanOrEqual(0.7 * (1 + 1e-5));
      // ... a module keeps its own group when the dict has no specs for its members ...
      const d = make();
      d.registerConstraint(['0.bias', '1.bias'], C.l2Ball(0.1));
      d.loadStateDict({ ...a.stateDict() });
      expect(d.constraintReport().map((e) => e.name)).toEqual(['0.bias + 1.bias']);
      expect(l2(concat([d.getParameter('0.bias'), d.getParameter('1.bias')]))).toBeLessThanOrEqual(0.1 * (1 + 1e-6));
      // ... and a checkpoint round-trips the group exactly.
      const e = make();
      cp.loadCheckpoint(cp.saveCheckpoint({ model: a }), { model: e });
      expect(e.constraintReport().map((r) => r.name)).toEqual(['0.weight + 1.bias', '1.weight']);
      expect(sameBits(bits(e.getParameter('0.weight')), bits(a.getParameter('0.weight')))).toBe(true);
      // Specs that disagree between members raise before anything changes.
      const bad = a.stateDict();
      const badMeta = JSON.parse(JSON.stringify(meta));
      badMeta.constraints['1.bias'][0].options.constraint.options.radius = 0.9;
      Object.defineProperty(bad, '_metadata', { value: badMeta, enumerable: false });
      const f = make();
      const fBefore = bits(f.getParameter('0.weight'));
      expect(() => f.loadStateDict(bad)).toThrow(/do not carry its spec/);
      expect(sameBits(bits(f.getParameter('0.weight')), fBefore)).toBe(true);
      expect(f.constraintReport()).toEqual([]);
      // The named-parameter form round-trips too.
      const specs = C.jointConstraintSpecs(a.namedParameters());
      expect(specs).toEqual([
        { params: ['0.weight', '1.bias'], constraint: { name: 'l1Ball', options: { radius: 0.7, dim: null } } },
      ]);
      const g = make();
      C.loadJointConstraintSpecs(g.namedParameters(), specs);
      expect(g.constraintReport().map((r) => [r.name, r.ok])).toEqual([['0.weight + 1.bias', true]]);
      for (const m of [a, b, c, d, e, f, g]) m.dispose();
    });
  });
}
