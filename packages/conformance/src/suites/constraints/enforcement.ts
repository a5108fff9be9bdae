/**
 * Constraints hold after EVERY optimizer step: fast-check properties over random shapes, built-ins,
 * optimizers with random options, random losses and step counts, in both modes; gradcheck through the
 * reparametrization transforms.
 */
import * as cp from '@cp/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { constrainedArb, dataArb } from './helpers.js';

const C = cp.constraints;
type P = cp.nn.Parameter;

/** A random optimizer over `params`. */
export const optimizerArb = fc.oneof(
  fc
    .record({
      lr: fc.double({ min: 0.01, max: 1, noNaN: true }),
      momentum: fc.constantFrom(0, 0.9),
      weightDecay: fc.constantFrom(0, 0.01),
      nesterov: fc.boolean(),
    })
    .map((o) => ({
      label: `SGD ${JSON.stringify(o)}`,
      make: (ps: P[]) => new cp.optim.SGD(ps, { ...o, nesterov: o.nesterov && o.momentum > 0 }),
    })),
  fc
    .record({
      lr: fc.double({ min: 0.01, max: 0.5, noNaN: true }),
      amsgrad: fc.boolean(),
      weightDecay: fc.constantFrom(0, 0.1),
    })
    .map((o) => ({
      label: `Adam ${JSON.stringify(o)}`,
      make: (ps: P[]) => new cp.optim.Adam(ps, o),
    })),
  fc
    .double({ min: 0.01, max: 0.5, noNaN: true })
    .map((lr) => ({ label: `AdamW lr=${lr}`, make: (ps: P[]) => new cp.optim.AdamW(ps, { lr }) })),
  fc
    .record({
      lr: fc.double({ min: 0.001, max: 0.1, noNaN: true }),
      centered: fc.boolean(),
      momentum: fc.constantFrom(0, 0.5),
    })
    .map((o) => ({
      label: `RMSprop ${JSON.stringify(o)}`,
      make: (ps: P[]) => new cp.optim.RMSprop(ps, o),
    })),
  fc
    .double({ min: 0.01, max: 1, noNaN: true })
    .map((lr) => ({ label: `Adagrad lr=${lr}`, make: (ps: P[]) => new cp.optim.Adagrad(ps, { lr }) })),
);

/** A random loss of a parameter: a weighted linear term plus a scaled squared distance to a target. */
function loss(p: P, w: cp.Tensor, target: cp.Tensor, kind: number): cp.Tensor {
  if (kind === 0) return p.mul(w).sum();
  if (kind === 1) return p.sub(target).square().sum().mul(3);
  return p.mul(w).sum().add(p.sub(target).square().mean());
}

/** The case every enforcement property runs: trains `p` for `steps` steps and checks `con` after each one. */
export interface TrainCase {
  shape: number[];
  data: Float32Array;
  w: Float32Array;
  target: Float32Array;
  kind: number;
  steps: number;
  opt: { label: string; make: (ps: P[]) => cp.optim.Optimizer };
}

/** Trains a parameter registered with `con` in `mode`, checking the constraint after every step. */
export function trainAndCheckEveryStep(
  label: string,
  con: cp.constraints.Constraint,
  mode: 'project' | 'reparametrize',
  { shape, data, w, target, kind, steps, opt }: TrainCase,
): void {
  cp.tidy(() => {
    const p = new cp.nn.Parameter(cp.tensor(data, { shape }));
    p.registerConstraint(con, { mode });
    if (mode === 'project') expect(con.check(p).ok, `${label} at registration`).toBe(true);
    const o = opt.make([p]);
    const wt = cp.tensor(w, { shape });
    const tt = cp.tensor(target, { shape });
    for (let s = 0; s < steps; s++) {
      o.zeroGrad();
      cp.tidy(() => loss(p, wt, tt, kind).backward());
      o.step();
      const r = con.check(p);
      expect(r.ok, `${label} with ${opt.label}, step ${s + 1}: violation ${r.maxViolation}`).toBe(true);
    }
    o.zeroGrad();
  });
}

/** Enforcement after steps on the backend under test. */
export function enforcementSuite(ctx: SuiteContext): void {
  const opts = () => ({ numRuns: Math.max(10, Math.floor(ctx.numRuns / 2)), seed: ctx.seed });

  describe('constraints: enforced after every optimizer step', () => {
    const caseArb = constrainedArb.chain((v) =>
      fc
        .record({
          opt: optimizerArb,
          steps: fc.integer({ min: 1, max: 6 }),
          kind: fc.integer({ min: 0, max: 2 }),
          w: dataArb(v.data.length, 10),
          target: dataArb(v.data.length, 10),
        })
        .map((r) => ({ ...v, ...r })),
    );

    test('property: project mode — after every step of every optimizer the parameter satisfies its constraint', () => {
      fc.assert(
        fc.property(caseArb, (t) => trainAndCheckEveryStep(t.c.label, t.c.make(), 'project', t)),
        opts(),
      );
    });

    const reparamArb = fc
      .tuple(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 2 }),
        fc.oneof(
          fc.constant({ label: 'positive', make: () => C.positive() }),
          fc.constant({ label: 'interval(-1, 2)', make: () => C.interval(-1, 2) }),
          fc.constant({ label: 'greaterThan(0.5)', make: () => C.greaterThan(0.5) }),
          fc.constant({ label: 'lessThan(-1)', make: () => C.lessThan(-1) }),
          fc.constant({ label: 'maxNorm(1)', make: () => C.maxNorm(1) }),
          fc.constant({ label: 'unitNorm', make: () => C.unitNorm() }),
          fc.constant({ label: 'simplex', make: () => C.simplex() }),
        ),
      )
      .chain(([shape, c]) => {
        const n = shape.reduce((a, b) => a * b, 1);
        return fc
          .record({
            data: dataArb(n),
            opt: optimizerArb,
            steps: fc.integer({ min: 1, max: 6 }),
            kind: fc.integer({ min: 0, max: 2 }),
            w: dataArb(n, 10),
            target: dataArb(n, 10),
          })
          .map((r) => ({ shape, c, ...r }));
      });

    test('property: reparametrize mode — the value is transform(raw) and stays in the set after every step', () => {
      fc.assert(
        fc.property(reparamArb, (t) => trainAndCheckEveryStep(t.c.label, t.c.make(), 'reparametrize', t)),
        opts(),
      );
    });

    test('property: orthogonal stays orthogonal after every step in both modes', () => {
      const arb = fc.record({
        m: fc.integer({ min: 1, max: 4 }),
        n: fc.integer({ min: 1, max: 4 }),
        mode: fc.constantFrom('project' as const, 'reparametrize' as const),
        opt: optimizerArb,
        steps: fc.integer({ min: 1, max: 4 }),
        seed: fc.integer({ min: 0, max: 1000 }),
      });
      fc.assert(
        fc.property(arb, ({ m, n, mode, opt, steps, seed }) =>
          cp.tidy(() => {
            const gen = new cp.Generator(seed);
            const p = new cp.nn.Parameter(cp.randn([m, n], { generator: gen }));
            const con = C.orthogonal();
            p.registerConstraint(con, { mode });
            const target = cp.randn([m, n], { generator: gen });
            const o = opt.make([p]);
            for (let s = 0; s < steps; s++) {
              o.zeroGrad();
              cp.tidy(() => p.sub(target).square().sum().backward());
              o.step();
              const r = con.check(p);
              expect(r.ok, `${mode} ${m}x${n} with ${opt.label}, step ${s + 1}: ${r.maxViolation}`).toBe(true);
            }
            o.zeroGrad();
          }),
        ),
        { numRuns: Math.max(5, Math.floor(ctx.numRuns / 4)), seed: ctx.seed },
      );
    });
  });

  describe('constraints: reparametrization transforms', () => {
    const transforms: [string, () => cp.constraints.Constraint, number[]][] = [
      ['positive', () => C.positive(), [3]],
      ['interval(-1, 2)', () => C.interval(-1, 2), [3]],
      ['greaterThan(0.5)', () => C.greaterThan(0.5), [2, 2]],
      ['lessThan(-1)', () => C.lessThan(-1), [3]],
      ['maxNorm(1, { dim: 1 })', () => C.maxNorm(1, { dim: 1 }), [2, 3]],
      ['unitNorm', () => C.unitNorm(), [4]],
      ['simplex({ dim: 1 })', () => C.simplex({ dim: 1 }), [2, 3]],
      ['symmetric', () => C.symmetric(), [3, 3]],
      ['orthogonal', () => C.orthogonal(), [3, 2]],
    ];
    for (const [label, make, shape] of transforms) {
      test(`property: gradcheck passes through the ${label} transform`, () =>
        cp.tidy(() => {
          const con = make();
          const raw = cp
            .randn(shape, { generator: new cp.Generator(3) })
            .mul(0.8)
            .add(label === 'orthogonal' ? 0 : 0.1);
          const start = label === 'orthogonal' ? raw.add(cp.eye(3, 2)) : raw;
          const r = cp.gradcheck((x) => con.transform!(x), [start], { eps: 1e-2, atol: 2e-2, rtol: 2e-2 });
          expect(r.ok, `${label}: ${JSON.stringify(r.worst)}`).toBe(true);
        }));
    }

    test('property: transform(inverse(v)) = v for feasible v (round trip), without overflow for large values', () => {
      const arb = fc.float32Array({
        minLength: 1,
        maxLength: 6,
        min: Math.fround(1e-3),
        max: Math.fround(1e6),
        noNaN: true,
      });
      fc.assert(
        fc.property(arb, (data) =>
          cp.tidy(() => {
            for (const con of [C.positive(), C.greaterThan(1e-3)]) {
              const v = cp.tensor(data);
              const back = con.transform!(con.inverse!(v)).dataSync();
              for (let i = 0; i < data.length; i++)
                expect(Math.abs(back[i] - data[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, data[i]));
            }
          }),
        ),
        { numRuns: ctx.numRuns, seed: ctx.seed },
      );
    });

    test('positive() never reaches exactly 0, even for very negative raw values', () =>
      cp.tidy(() => {
        const y = C.positive().transform!(cp.tensor([-1000, -120, -90, 0])).dataSync();
        for (const v of y) expect(v).toBeGreaterThan(0);
        expect(C.positive().inverse!(cp.tensor([3e38])).item()).toBeCloseTo(3e38, -33);
      }));
  });
}
