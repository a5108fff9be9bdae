/**
 * `optim.Lagrangian` on `constraints.ConstrainedProblem`: every method converges on the problems with known
 * KKT points (lagrangian-problems.ts) within stated tolerances after a stated number of steps, inequality
 * multipliers are never negative, `stepAsync` is bit for bit `step`, state dicts and checkpoints round-trip the
 * multipliers, a failing step (a non-finite fn, a throwing fn, a failing primal step) changes nothing, bad input
 * is a CpError naming the constraint and the problem, and `report()` keeps a bounded history.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { bits, param, sameBits } from '../constraints/helpers.js';
import { build, type KnownProblem, PROBLEMS } from './lagrangian-problems.js';
import { noSyncReads } from './no-sync-reads.js';

const METHODS: cp.optim.LagrangianMethod[] = ['gda', 'extragradient', 'augmented'];
/** Stated tolerance on |x - x*| and |λ - λ*| after each problem's `steps` steps. */
const TOL = 1e-5;

type P = cp.nn.Parameter;

/** Everything a step may change, as bits: parameters, their grads aside, multipliers, primal state. */
function fullState(ps: P[], opt: cp.optim.Lagrangian): string {
  const parts: string[] = ps.map((p) => Array.from(new Uint32Array(bits(p).buffer)).join(','));
  for (const name of opt.problem.names) {
    const m = opt.multiplier(name);
    parts.push(m ? Array.from(new Uint32Array(bits(m).buffer)).join(',') : 'none');
  }
  parts.push(JSON.stringify(opt.dualStateDict()));
  for (const [p, s] of opt.primal.state) {
    parts.push(String(ps.indexOf(p as P)));
    for (const [k, v] of Object.entries(s)) parts.push(`${k}=${cp.isTensor(v) ? Array.from(bits(v)).join(',') : v}`);
  }
  return parts.join('|');
}

function release(ps: P[]): void {
  for (const p of ps) {
    p.grad?.dispose();
    p.grad = null;
    cp.constraints.clearConstraints(p);
    p.dispose();
  }
}

function converge(kp: KnownProblem, method: cp.optim.LagrangianMethod) {
  const { ps, cmp, opt } = build(kp, method);
  try {
    let last: cp.optim.LagrangianStepResult | null = null;
    for (let s = 0; s < kp.steps; s++) {
      last = opt.step();
      for (const name of cmp.names) {
        if (cmp.constraints[name].kind !== 'eq') expect(last.multipliers[name]).toBeGreaterThanOrEqual(0);
      }
    }
    const x = ps.map((p) => p.item());
    return { x, last: last!, report: cmp.report() };
  } finally {
    release(ps);
  }
}

export function lagrangianSuite(ctx: SuiteContext): void {
  describe('optim.Lagrangian: known solutions', () => {
    for (const kp of PROBLEMS) {
      for (const method of METHODS) {
        test(`${method}: ${kp.name} -> x = ${kp.x.join(', ')}, multipliers ${JSON.stringify(kp.multipliers)} within ${TOL} after ${kp.steps} steps`, () => {
          const { x, last, report } = converge(kp, method);
          for (const [i, v] of kp.x.entries()) expect(Math.abs(x[i] - v)).toBeLessThan(TOL);
          for (const [name, v] of Object.entries(kp.multipliers)) {
            expect(Math.abs(last.multipliers[name] - v)).toBeLessThan(TOL);
            expect(report.constraints[name].last?.multiplier).toBe(last.multipliers[name]);
          }
          expect(report.steps).toBe(kp.steps);
        });
      }
    }

    test('any primal optimizer: Adam (lr 0.05, dualLr 0.05) on min (x-2)² s.t. x <= 1, within 1e-3 after 1500 steps', () => {
      const { ps, opt } = build({ ...PROBLEMS[0], dualLr: 0.05 }, 'gda', (p) => new cp.optim.Adam(p, { lr: 0.05 }));
      try {
        let r: cp.optim.LagrangianStepResult | null = null;
        for (let s = 0; s < 1500; s++) r = opt.step();
        expect(Math.abs(ps[0].item() - 1)).toBeLessThan(1e-3);
        expect(Math.abs(r!.multipliers.cap - 2)).toBeLessThan(1e-3);
      } finally {
        release(ps);
      }
    });
  });

  describe('optim.Lagrangian: the step', () => {
    test('step() returns the objective, values, proxies, violations (from the proxy) and multipliers at the start point', () => {
      const { ps, opt } = build(PROBLEMS[3], 'gda');
      try {
        const r = opt.step();
        // x = 0: loss (0-2)² = 4, fn = 0, proxy 0.5, violation 0.5 - 1 = -0.5, λ = max(0, 0 + 1·(-0.5)) = 0.
        expect(r).toMatchObject({
          loss: 4,
          values: { cap: 0 },
          proxies: { cap: 0.5 },
          violations: { cap: -0.5 },
          multipliers: { cap: 0 },
          skipped: false,
        });
        // x = 0 - 0.1·2·(0-2) = 0.4: proxy 0.9, still feasible; the third step sees x = 0.72, proxy 1.22.
        opt.step();
        const r3 = opt.step();
        expect(r3.values.cap).toBeCloseTo(0.72, 5);
        expect(r3.violations.cap).toBeCloseTo(0.22, 5);
        expect(r3.multipliers.cap).toBeCloseTo(0.22, 5);
        expect(opt.multiplier('cap')!.item()).toBe(r3.multipliers.cap);
        expect(cp.constraints.constraintsOf(opt.multiplier('cap')!).map((e) => String(e.constraint))).toEqual([
          'nonNeg()',
        ]);
      } finally {
        release(ps);
      }
    });

    test("an 'eq' multiplier is a free parameter: it goes negative", () => {
      const { ps, opt } = build(PROBLEMS[1], 'gda');
      try {
        for (let s = 0; s < 5; s++) opt.step();
        expect(opt.multipliers().sum).toBeLessThan(0);
        expect(cp.constraints.constraintsOf(opt.multiplier('sum')!)).toEqual([]);
      } finally {
        release(ps);
      }
    });

    for (const method of METHODS) {
      test(`${method}: stepAsync() is step() bit for bit`, async () => {
        const a = build(PROBLEMS[4], method);
        const b = build(PROBLEMS[4], method);
        try {
          for (let s = 0; s < 25; s++) {
            const ra = a.opt.step();
            const rb = await b.opt.stepAsync();
            expect(rb).toEqual(ra);
          }
          expect(fullState(b.ps, b.opt)).toBe(fullState(a.ps, a.opt));
        } finally {
          release(a.ps);
          release(b.ps);
        }
      });
    }

    for (const method of METHODS) {
      test(`${method}: on a backend without synchronous reads, stepAsync() trains as step() does on the backend, and step() names stepAsync`, async () => {
        const a = build(PROBLEMS[4], method);
        const prev = cp.getBackend();
        cp.setBackendSync(noSyncReads(ctx.backend()));
        let b: ReturnType<typeof build> | null = null;
        try {
          b = build(PROBLEMS[4], method);
          expect(() => b!.opt.step()).toThrow(/await lagrangian\.stepAsync\(\)/);
          expect(b.cmp.report().steps).toBe(0);
          for (let s = 0; s < 15; s++) expect(await b.opt.stepAsync()).toEqual(a.opt.step());
          const x = (await b.ps[0].data()) as Float32Array;
          expect(sameBits(Float32Array.from(x), bits(a.ps[0]))).toBe(true);
        } finally {
          cp.setBackendSync(prev);
          release(a.ps);
          if (b) release(b.ps);
        }
      });
    }

    test('augmented: rho grows by rhoGrowth when a window does not shrink the violation by rhoTolerance, and the problem still converges', () => {
      // A slow primal (lr 0.01) and a small rho: the violation shrinks by less than 10% a window at first.
      const ps = [param([0])];
      const cmp = new cp.constraints.ConstrainedProblem(PROBLEMS[0].make(ps));
      const opt = new cp.optim.Lagrangian(cmp, {
        primal: new cp.optim.SGD(ps, { lr: 0.05 }),
        method: 'augmented',
        rho: 0.01,
        rhoEvery: 5,
        rhoGrowth: 2,
        rhoMax: 4,
      });
      try {
        const seen = new Set<number>();
        let r: cp.optim.LagrangianStepResult | null = null;
        for (let s = 0; s < 800; s++) {
          r = opt.step();
          seen.add(r.penalties.cap);
          expect(r.multipliers.cap).toBeGreaterThanOrEqual(0);
        }
        expect([...seen].sort((u, v) => u - v)[0]).toBe(0.01);
        expect(Math.max(...seen)).toBeGreaterThan(0.01);
        expect(Math.max(...seen)).toBeLessThanOrEqual(4);
        // Each rho is 0.01·2^k (capped at 4).
        for (const v of seen)
          expect(v === 4 || Math.abs(Math.log2(v / 0.01) - Math.round(Math.log2(v / 0.01))) < 1e-9).toBe(true);
        expect(Math.abs(ps[0].item() - 1)).toBeLessThan(TOL);
        expect(Math.abs(r!.multipliers.cap - 2)).toBeLessThan(TOL);
      } finally {
        release(ps);
      }
    });
  });

  describe('optim.Lagrangian: state', () => {
    for (const method of METHODS) {
      test(`${method}: stateDict/loadStateDict round-trip the multipliers, penalties and primal state; training continues bit for bit`, () => {
        const momentum = (ps: P[]) => new cp.optim.SGD(ps, { lr: 0.05, momentum: 0.5 });
        const a = build(PROBLEMS[4], method, momentum);
        const b = build(PROBLEMS[4], method, momentum);
        try {
          for (let s = 0; s < 20; s++) a.opt.step();
          const sd = a.opt.stateDict();
          expect(JSON.parse(JSON.stringify(sd.dual))).toEqual(sd.dual);
          cp.noGrad(() => {
            for (const [i, p] of b.ps.entries()) p.copy_(a.ps[i]);
          });
          b.opt.loadStateDict(sd);
          expect(b.opt.multipliers()).toEqual(a.opt.multipliers());
          for (let s = 0; s < 10; s++) expect(b.opt.step()).toEqual(a.opt.step());
          expect(fullState(b.ps, b.opt)).toBe(fullState(a.ps, a.opt));
        } finally {
          release(a.ps);
          release(b.ps);
        }
      });
    }

    test('a bad dual state is an ArgumentError naming the problem and the constraint, and loads nothing', () => {
      const { ps, opt } = build(PROBLEMS[4], 'gda');
      try {
        for (let s = 0; s < 5; s++) opt.step();
        const before = fullState(ps, opt);
        const sd = opt.stateDict();
        const bad = (dual: unknown) => () =>
          opt.loadStateDict({ primal: sd.primal, dual: dual as cp.optim.LagrangianDualState });
        expect(bad({ ...sd.dual, multipliers: { cap: -1, low: 0 } })).toThrow(
          /problem 'min \(x-2\)² s.t. x <= 1 and x >= -2 \(inactive\)': constraint 'cap': the multiplier is -1/,
        );
        expect(bad({ ...sd.dual, multipliers: { cap: 1 } })).toThrow(/missing 'low'/);
        expect(bad({ ...sd.dual, method: 'augmented' })).toThrow(/method 'augmented'/);
        expect(bad({ ...sd.dual, penalties: { cap: 0, low: 1 } })).toThrow(cp.ArgumentError);
        expect(fullState(ps, opt)).toBe(before);
      } finally {
        release(ps);
      }
    });

    test('checkpoints: Lagrangian.saveCheckpoint/loadCheckpoint round-trip the model, the primal state and the multipliers', () => {
      const make = () => {
        const model = new cp.nn.Linear(1, 1);
        cp.noGrad(() => {
          model.weight.copy_(cp.tensor([[0]]));
          model.bias!.copy_(cp.tensor([0.5]));
        });
        const cmp = new cp.constraints.ConstrainedProblem({
          objective: () => model.weight.sub(2).square().sum().add(model.bias!.square().sum()),
          constraints: { cap: { kind: 'le', fn: () => model.weight.sum(), bound: 1 } },
        });
        const opt = new cp.optim.Lagrangian(cmp, {
          primal: new cp.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.3 }),
          dualLr: 0.5,
        });
        return { model, opt };
      };
      const a = make();
      const b = make();
      for (let s = 0; s < 15; s++) a.opt.step();
      const bytes = a.opt.saveCheckpoint({ model: a.model, metadata: { epoch: 3 } });
      const loaded = b.opt.loadCheckpoint(bytes, { model: b.model });
      expect(loaded.metadata).toEqual({ epoch: 3 });
      expect(b.opt.multipliers()).toEqual(a.opt.multipliers());
      expect(b.opt.multipliers().cap).toBeGreaterThan(0);
      expect(b.opt.dualStateDict()).toEqual(a.opt.dualStateDict());
      for (let s = 0; s < 5; s++) expect(b.opt.step()).toEqual(a.opt.step());
      expect(sameBits(bits(b.model.weight), bits(a.model.weight))).toBe(true);
      expect(() => a.opt.saveCheckpoint({ model: a.model, metadata: { lagrangian: 1 } })).toThrow(
        /metadata key 'lagrangian'/,
      );
    });

    test('report(): the last value, multiplier and violation, a history bounded by historyLength, a summary over every step', () => {
      const ps = [param([-3])];
      const cmp = new cp.constraints.ConstrainedProblem({ ...PROBLEMS[4].make(ps), name: 'two', historyLength: 7 });
      const opt = new cp.optim.Lagrangian(cmp, { primal: new cp.optim.SGD(ps, { lr: 0.1 }), dualLr: 1 });
      try {
        const results = Array.from({ length: 30 }, () => opt.step());
        const rep = cmp.report();
        expect(rep.name).toBe('two');
        expect(rep.steps).toBe(30);
        expect(rep.loss).toBe(results[29].loss);
        const cap = rep.constraints.cap;
        expect(cap.kind).toBe('le');
        expect(cap.bound).toBe(1);
        expect(cap.history.length).toBe(7);
        expect(cap.history.map((h) => h.step)).toEqual([24, 25, 26, 27, 28, 29, 30]);
        expect(cap.last).toEqual({
          step: 30,
          value: results[29].values.cap,
          proxy: results[29].proxies.cap,
          violation: results[29].violations.cap,
          multiplier: results[29].multipliers.cap,
        });
        const excess = results.map((r) => Math.max(0, r.violations.low));
        expect(rep.constraints.low.summary.steps).toBe(30);
        expect(rep.constraints.low.summary.maxViolation).toBe(Math.max(...excess));
        expect(rep.constraints.low.summary.meanViolation).toBeCloseTo(excess.reduce((u, v) => u + v, 0) / 30, 12);
        expect(rep.constraints.low.summary.feasibleFraction).toBe(excess.filter((e) => e === 0).length / 30);
      } finally {
        release(ps);
      }
    });
  });

  describe('optim.Lagrangian: bad input and failing steps change nothing', () => {
    test('construction: unknown kind, bad bound, bad fn, unknown option, unknown method are ArgumentErrors naming the constraint and the problem', () => {
      const x = param([0]);
      const mk = (c: unknown) => () =>
        new cp.constraints.ConstrainedProblem({
          name: 'demo',
          objective: () => x.sum(),
          constraints: { rate: c as cp.constraints.FunctionConstraintSpec },
        });
      expect(mk({ kind: 'lt', fn: () => x.sum(), bound: 1 })).toThrow(
        /ConstrainedProblem 'demo': constraint 'rate': unknown kind "lt"; use 'le'/,
      );
      expect(mk({ kind: 'le', fn: () => x.sum(), bound: Number.NaN })).toThrow(
        /constraint 'rate': bound must be a finite number/,
      );
      expect(mk({ kind: 'le', fn: 3, bound: 1 })).toThrow(/constraint 'rate': fn must be a function/);
      expect(mk({ kind: 'le', fn: () => x.sum(), bound: 1, proxy: 2 })).toThrow(
        /constraint 'rate': proxy must be a function/,
      );
      expect(mk({ kind: 'lt', fn: () => x.sum(), bound: 1 })).toThrow(cp.ArgumentError);
      const cmp = new cp.constraints.ConstrainedProblem({
        name: 'demo',
        objective: () => x.sum(),
        constraints: { rate: { kind: 'le', fn: () => x.sum(), bound: 1 } },
      });
      const primal = new cp.optim.SGD([x], { lr: 0.1 });
      expect(() => new cp.optim.Lagrangian(cmp, { primal, dualLr: 0.1, method: 'sgda' as never })).toThrow(
        /problem 'demo'.*unknown method "sgda"/,
      );
      expect(() => new cp.optim.Lagrangian(cmp, { primal, dualLrr: 0.1 } as never)).toThrow(/dualLr/);
      expect(() => new cp.optim.Lagrangian(cmp, { primal, dualLr: -1 })).toThrow(cp.ArgumentError);
      new cp.optim.Lagrangian(cmp, { primal });
      expect(() => new cp.optim.Lagrangian(cmp, { primal })).toThrow(/problem 'demo' already has a Lagrangian/);
      x.dispose();
    });

    for (const method of METHODS) {
      test(`${method}: a non-scalar fn, a non-finite fn or proxy, a throwing fn, a failing primal step: a CpError naming the constraint and the problem, and nothing changed`, async () => {
        const x = param([-3]);
        let mode: 'ok' | 'vector' | 'nan' | 'proxyInf' | 'throwSecond' | 'primal' = 'ok';
        let calls = 0;
        cp.constraints.registerConstraint(x, function failing(v: cp.Tensor) {
          if (mode === 'primal') throw new Error('injected');
          return v;
        });
        const cmp = new cp.constraints.ConstrainedProblem({
          name: 'faulty',
          objective: () => x.sub(2).square().sum(),
          constraints: {
            cap: {
              kind: 'le',
              bound: 1,
              fn: () => {
                calls++;
                if (mode === 'vector') return x.mul(cp.tensor([1, 1]));
                if (mode === 'nan') return x.sum().mul(Number.NaN);
                if (mode === 'throwSecond' && calls % 2 === 0) throw new cp.ArgumentError('injected in fn');
                return x.sum();
              },
              proxy: () => (mode === 'proxyInf' ? Number.POSITIVE_INFINITY : cp.noGrad(() => x.sum())),
            },
            low: { kind: 'ge', fn: () => x.sum(), bound: -2 },
          },
        });
        const opt = new cp.optim.Lagrangian(cmp, {
          primal: new cp.optim.SGD([x], { lr: 0.1, momentum: 0.5 }),
          method,
          dualLr: 1,
        });
        try {
          for (let s = 0; s < 4; s++) opt.step();
          const before = fullState([x], opt);
          const expectFail = async (m: typeof mode, re: RegExp, sync: boolean) => {
            mode = m;
            calls = 0;
            if (sync) expect(() => opt.step()).toThrow(re);
            else await expect(opt.stepAsync()).rejects.toThrow(re);
            mode = 'ok';
            expect(fullState([x], opt)).toBe(before);
            expect(cmp.report().steps).toBe(4);
          };
          for (const sync of [true, false]) {
            await expectFail(
              'vector',
              /problem 'faulty': constraint 'cap': fn must return a scalar \(one-element\) tensor, got a tensor of shape \[2\]/,
              sync,
            );
            await expectFail(
              'nan',
              /problem 'faulty': constraint 'cap' \(le 1\): fn\(\) is NaN; nothing was changed/,
              sync,
            );
            await expectFail('proxyInf', /problem 'faulty': constraint 'cap' \(le 1\): proxy\(\) is Infinity/, sync);
            await expectFail('primal', /injected/, sync);
            if (method === 'extragradient') await expectFail('throwSecond', /injected in fn/, sync);
          }
          const r = opt.step();
          expect(cmp.report().steps).toBe(5);
          expect(r.skipped).toBe(false);
        } finally {
          release([x]);
        }
      });
    }
  });
}
