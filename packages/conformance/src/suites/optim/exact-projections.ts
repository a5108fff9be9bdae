/**
 * Exact and checked projections. Every parameter takes the one update path (updated and projected in place,
 * undone on failure); what differs is whether its result is read back. A parameter whose constraint declares an
 * exact projection (`safeProjection`) and whose update rule declares that it keeps finite inputs finite
 * (`updateTraits().finite`) is checked with one host read per step (its gradient's finiteness); everything else
 * is read back after its update. Both must give the same values and state bit for bit on the fused kernels and on
 * core's fallbacks, keep the transactional guarantee for non-finite gradients, and a rule or constraint that
 * declares nothing is read back and undone.
 */
import * as cp from '@cp/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import {
  bits,
  constrainedArb,
  countingReads,
  onBackend,
  param,
  sameBits,
  withoutFused,
} from '../constraints/helpers.js';
import { stateBits } from './step.js';

const C = cp.constraints;
type P = cp.nn.Parameter;
type Make = (ps: P[]) => cp.optim.Optimizer;

/** `c`'s projection as a function constraint, whose result is always read back (checked). */
function checked(c: cp.constraints.Constraint): (v: cp.Tensor) => cp.Tensor {
  return function checked(v: cp.Tensor) {
    c.project_(v);
    return v;
  };
}

function setGrad(p: cp.Tensor, g: cp.Tensor): void {
  p.grad?.dispose();
  p.grad = g;
}

/** Every built-in update rule, in configurations that declare `finite` (so exact projections are not read back). */
const OPTIMIZERS: [string, Make][] = [
  ['SGD', (ps) => new cp.optim.SGD(ps, { lr: 0.3 })],
  [
    'SGD nesterov wd clipValue',
    (ps) => new cp.optim.SGD(ps, { lr: 0.2, momentum: 0.9, nesterov: true, weightDecay: 0.01, clipValue: 0.5 }),
  ],
  ['Adam amsgrad wd', (ps) => new cp.optim.Adam(ps, { lr: 0.1, amsgrad: true, weightDecay: 0.1 })],
  ['Adam maximize clipNorm', (ps) => new cp.optim.Adam(ps, { lr: 0.1, maximize: true, clipNorm: 1 })],
  ['AdamW', (ps) => new cp.optim.AdamW(ps, { lr: 0.1 })],
  ['RMSprop momentum', (ps) => new cp.optim.RMSprop(ps, { lr: 0.05, momentum: 0.5 })],
  ['Adagrad', (ps) => new cp.optim.Adagrad(ps, { lr: 0.3, lrDecay: 0.01 })],
];

/**
 * Trains two copies of the same parameters for `steps` steps with the same gradients: one with `make()`
 * registered (exact, not read back), one with it wrapped in a function (checked). Returns whether params and
 * optimizer state agree bit for bit after every step, and the first disagreement.
 */
function exactEqualsChecked(
  shape: number[],
  data: Float32Array,
  make: () => cp.constraints.Constraint,
  opt: Make,
  steps: number,
  seed: number,
): string | null {
  return cp.tidy(() => {
    const fast = new cp.nn.Parameter(cp.tensor(data, { shape }));
    const slow = new cp.nn.Parameter(cp.tensor(data, { shape }));
    const free = param([0.5, -1]);
    const free2 = param([0.5, -1]);
    fast.registerConstraint(make(), { mode: 'project' });
    slow.registerConstraint(checked(make()));
    // NOTE: a gradient constraint too, so the order (gradient constraints, clipping, update, projection) is shared.
    fast.registerGradConstraint(C.clamp(-3, 3));
    slow.registerGradConstraint(C.clamp(-3, 3));
    const o1 = opt([fast, free]);
    const o2 = opt([slow, free2]);
    const gen = new cp.Generator(seed);
    for (let s = 0; s < steps; s++) {
      const g = cp.randn(shape, { generator: gen }).mul(2);
      const gf = cp.randn([2], { generator: gen });
      setGrad(fast, g.clone());
      setGrad(slow, g.clone());
      setGrad(free, gf.clone());
      setGrad(free2, gf.clone());
      o1.step();
      o2.step();
      if (!sameBits(bits(fast), bits(slow))) return `value differs after step ${s + 1}`;
      if (!sameBits(bits(free), bits(free2))) return `unconstrained value differs after step ${s + 1}`;
      if (stateBits(o1) !== stateBits(o2)) return `state differs after step ${s + 1}`;
    }
    o1.zeroGrad();
    o2.zeroGrad();
    return null;
  });
}

/** Exact and checked projections on the backend under test. */
export function exactProjectionsSuite(ctx: SuiteContext): void {
  const backends: [string, () => cp.Backend][] = [
    ['fused kernels', () => ctx.backend()],
    ['core fallbacks', () => withoutFused(ctx.backend())],
  ];

  describe('optim: exact projections (not read back) and checked ones', () => {
    for (const [bname, backend] of backends) {
      test(`property: an exact projection equals the same projection checked, bit for bit, value and state, every optimizer (${bname})`, () => {
        const arb = fc.record({
          v: constrainedArb,
          opt: fc.integer({ min: 0, max: OPTIMIZERS.length - 1 }),
          steps: fc.integer({ min: 1, max: 4 }),
          seed: fc.integer({ min: 0, max: 10_000 }),
        });
        fc.assert(
          fc.property(arb, ({ v, opt, steps, seed }) => {
            const [label, make] = OPTIMIZERS[opt];
            const diff = onBackend(backend(), () => exactEqualsChecked(v.shape, v.data, v.c.make, make, steps, seed));
            expect(diff, `${v.c.label} with ${label}`).toBeNull();
          }),
          { numRuns: Math.max(10, Math.floor(ctx.numRuns / 2)), seed: ctx.seed },
        );
      });

      test(`an exact projection equals the same projection checked, bit for bit, for matrices: maxNorm(dim 1), minMaxNorm(rate), symmetric, merged boxes (${bname})`, () => {
        const cases: [string, number[], () => cp.constraints.Constraint][] = [
          ['maxNorm(0.5, dim 1)', [6, 5], () => C.maxNorm(0.5, { dim: 1 })],
          ['maxNorm(0.5, dim 0)', [6, 5], () => C.maxNorm(0.5, { dim: 0 })],
          ['minMaxNorm(0.5, 1, rate 0.5)', [4, 3], () => C.minMaxNorm(0.5, 1, { dim: 1, rate: 0.5 })],
          ['unitNorm(dim 0)', [3, 4], () => C.unitNorm({ dim: 0 })],
          ['simplex(dim 0)', [4, 3], () => C.simplex({ dim: 0 })],
          ['l1Ball(1, dim 1)', [3, 5], () => C.l1Ball(1, { dim: 1 })],
          ['symmetric', [2, 3, 3], () => C.symmetric()],
          ['intersect(nonNeg, lessThan(0.3))', [3, 3], () => C.intersect(C.nonNeg(), C.lessThan(0.3))],
        ];
        for (const [label, shape, make] of cases) {
          for (const [olabel, opt] of OPTIMIZERS) {
            const n = shape.reduce((a, b) => a * b, 1);
            const data = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) * 2);
            const diff = onBackend(backend(), () => exactEqualsChecked(shape, data, make, opt, 3, n));
            expect(diff, `${label} with ${olabel}`).toBeNull();
          }
        }
      });

      for (const [label, bad] of [
        ['NaN', Number.NaN],
        ['Infinity', Number.POSITIVE_INFINITY],
        ['-Infinity', Number.NEGATIVE_INFINITY],
      ] as const) {
        for (const clipNorm of [undefined, 1]) {
          test(`a ${label} gradient on an exactly projected parameter raises before anything is written: every parameter and the state bit-identical (${bname}${clipNorm ? ', clipNorm' : ''})`, () =>
            onBackend(backend(), () =>
              cp.tidy(() => {
                const a = param([0.5, -1.5, 2]);
                const b = param([
                  [3, 4],
                  [1, 0],
                ]);
                b.registerConstraint(C.maxNorm(2, { dim: 1 }));
                const c = param([0.3, 2, -1]);
                c.registerConstraint(C.clamp(-1, 1));
                const d = param([1, 2, 3]);
                d.registerConstraint(function custom(v: cp.Tensor) {
                  return v.clamp(0, 2.5);
                });
                const e = param([0.3, 2]);
                e.registerConstraint(C.positive());
                const params = [a, b, c, d, e];
                const opt = new cp.optim.Adam(params, { lr: 0.1, amsgrad: true, clipNorm });
                const grads = (poison: boolean) => {
                  setGrad(a, cp.tensor([1, -1, 0.5]));
                  setGrad(
                    b,
                    cp.tensor([
                      [0.1, poison ? bad : 0.2],
                      [-0.3, 0.4],
                    ]),
                  );
                  setGrad(c, cp.tensor([1, 1, -1]));
                  setGrad(d, cp.tensor([1, 1, 1]));
                  setGrad(e, cp.tensor([0.5, -0.5]));
                };
                grads(false);
                opt.step();
                const before = params.map(bits);
                const stateBefore = stateBits(opt);
                grads(true);
                let err: unknown = null;
                try {
                  opt.step();
                } catch (x) {
                  err = x;
                }
                expect(err).toBeInstanceOf(C.ConstraintError);
                const msg = String(err);
                expect(msg).toContain('maxNorm');
                if (!clipNorm) {
                  // Without clipNorm the bad entry is b's alone; clipNorm's NaN coefficient spreads it to every gradient.
                  expect(msg).toContain('[2, 2]');
                  expect(msg).toMatch(label === 'NaN' ? /1 NaN and 0 infinite/ : /0 NaN and 1 infinite/);
                }
                expect(msg).toContain('nothing was changed');
                params.forEach((p, i) => {
                  expect(sameBits(bits(p), before[i]), `parameter ${i}`).toBe(true);
                });
                expect(stateBits(opt)).toBe(stateBefore);
                grads(false);
                opt.step();
                expect(stateBits(opt)).not.toBe(stateBefore);
                expect(C.maxNorm(2, { dim: 1 }).check(b).ok).toBe(true);
                opt.zeroGrad();
              }),
            ));
        }
      }

      test(`one host read per step for all exactly projected parameters, none for unconstrained ones, none extra with clipNorm (${bname})`, () => {
        const counted = countingReads(backend());
        onBackend(counted.backend, () =>
          cp.tidy(() => {
            const shapes = [[4, 3], [3], [2, 3], [5], [3, 3], [2, 2], [2], [4]];
            const ps = shapes.map((s, i) => new cp.nn.Parameter(cp.randn(s, { generator: new cp.Generator(i) })));
            ps[0].registerConstraint(C.maxNorm(1, { dim: 1 }));
            ps[1].registerConstraint(C.clamp(-0.5, 0.5));
            ps[2].registerConstraint(C.simplex({ dim: 1 }));
            ps[3].registerConstraint(C.nonNeg());
            ps[4].registerConstraint(C.symmetric());
            ps[5].registerConstraint(C.intersect(C.nonNeg(), C.lessThan(1)));
            // ps[6], ps[7]: unconstrained.
            const grads = () => {
              ps.forEach((p, i) => {
                setGrad(p, cp.randn(shapes[i], { generator: new cp.Generator(9 + i) }));
              });
            };
            const readsOf = (opt: cp.optim.Optimizer) => {
              grads();
              const r0 = counted.reads();
              opt.step();
              return counted.reads() - r0;
            };
            // NOTE: core's fallbacks compute maxNorm and simplex exactly in float64 on a host copy: one read each.
            const n = bname === 'core fallbacks' ? 3 : 1;
            const adam = new cp.optim.Adam(ps, { lr: 0.1 });
            expect([readsOf(adam), readsOf(adam), readsOf(adam)]).toEqual([n, n, n]);
            const sgd = new cp.optim.SGD(ps, { lr: 0.1, momentum: 0.9 });
            expect([readsOf(sgd), readsOf(sgd)]).toEqual([n, n]);
            expect(readsOf(new cp.optim.Adam(ps.slice(6), { lr: 0.1 }))).toBe(0);
            // With clipNorm the total norm already tells whether every gradient is finite: no read of our own.
            const withClip = readsOf(new cp.optim.Adam(ps, { lr: 0.1, clipNorm: 1 }));
            const fresh = ps.map((p) => new cp.nn.Parameter(p.detach().clone()));
            const plain = new cp.optim.Adam(fresh, { lr: 0.1, clipNorm: 1 });
            fresh.forEach((p, i) => {
              setGrad(p, cp.randn(shapes[i], { generator: new cp.Generator(9 + i) }));
            });
            const r0 = counted.reads();
            plain.step();
            expect(withClip).toBe(counted.reads() - r0 + (n - 1));
            for (const p of [...ps, ...fresh]) {
              p.grad?.dispose();
              p.grad = null;
            }
          }),
        );
      });

      test(`what the step cannot vouch for is read back and undone: a subclass that revokes safeProjection, a rule that declares no traits, Adam with eps = 0 (${bname})`, () =>
        onBackend(backend(), () =>
          cp.tidy(() => {
            class Flaky extends C.BoxConstraint {
              fail = false;
              override get safeProjection(): boolean {
                return false;
              }
              override project_(x: cp.Tensor): void {
                super.project_(x);
                if (this.fail) x.copy_(x.mul(Number.NaN));
              }
            }
            let poison = false;
            class PoisonSGD extends cp.optim.SGD {
              protected override update(
                p: cp.Tensor,
                g: cp.Tensor,
                s: cp.optim.ParamState,
                group: cp.optim.ParamGroup<cp.optim.SGDOptions>,
              ): void {
                super.update(p, g, s, group);
                if (poison) p.copy_(p.div(0).mul(0));
              }
              protected override updateTraits(): cp.optim.UpdateTraits {
                return { finite: false, writesStateInPlace: true, singleWrite: false };
              }
            }
            const expectTransactional = (opt: cp.optim.Optimizer, ps: P[], arm: () => void) => {
              for (const p of ps) setGrad(p, cp.zerosLike(p));
              const before = ps.map(bits);
              const stateBefore = stateBits(opt);
              arm();
              expect(() => opt.step()).toThrow(C.ConstraintError);
              ps.forEach((p, i) => {
                expect(sameBits(bits(p), before[i]), `parameter ${i}`).toBe(true);
              });
              expect(stateBits(opt)).toBe(stateBefore);
              opt.zeroGrad();
            };
            const flaky = new Flaky('flaky', -1, 1, {});
            const p1 = param([0.5, -0.5]);
            p1.registerConstraint(flaky);
            expectTransactional(new cp.optim.Adam([p1], { lr: 0.1 }), [p1], () => {
              flaky.fail = true;
            });
            const p2 = param([
              [0.5, -0.5],
              [1, 1],
            ]);
            p2.registerConstraint(C.maxNorm(1, { dim: 1 }));
            expectTransactional(new PoisonSGD([p2], { lr: 0.1 }), [p2], () => {
              poison = true;
            });
            // eps = 0 and a zero gradient: m̂ / sqrt(v̂) = 0/0 from finite inputs, so Adam(eps = 0) is read back.
            const p3 = param([0.5, -0.5]);
            p3.registerConstraint(C.clamp(-1, 1));
            expectTransactional(new cp.optim.Adam([p3], { lr: 0.1, eps: 0 }), [p3], () => {});
          }),
        ));

      test(`documented limit: a finite gradient whose update overflows float32 is not undone for an exact projection; a checked one raises (${bname})`, () =>
        onBackend(backend(), () =>
          cp.tidy(() => {
            const make = () => C.maxNorm(2, { dim: 1 });
            const fast = param([[1, 1]]);
            fast.registerConstraint(make());
            const slow = param([[1, 1]]);
            slow.registerConstraint(checked(make()));
            const before = bits(slow);
            // 1 - 1e38·10 is -Infinity in float32: every input is finite, the result is not.
            const o1 = new cp.optim.SGD([fast], { lr: 1e38 });
            const o2 = new cp.optim.SGD([slow], { lr: 1e38 });
            setGrad(fast, cp.tensor([[10, 10]]));
            setGrad(slow, cp.tensor([[10, 10]]));
            expect(() => o1.step()).not.toThrow();
            expect(make().check(fast).ok).toBe(false);
            expect(() => o2.step()).toThrow(C.ConstraintError);
            expect(sameBits(bits(slow), before)).toBe(true);
            // The non-finite value is caught as soon as it reaches a gradient: the next step raises.
            setGrad(fast, fast.detach().mul(2));
            expect(() => o1.step()).toThrow(/gradient .*non-finite|NaN|infinite/);
            o1.zeroGrad();
            o2.zeroGrad();
          }),
        ));
    }
  });
}
