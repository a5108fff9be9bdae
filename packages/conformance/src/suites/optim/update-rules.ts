/**
 * Update rules against numbers worked out by hand (float64, from PyTorch's documented algorithms) for three
 * steps of each optimizer, with fixed gradients [0.5, -1], [0.1, 0.3], [-0.2, 0.4] from p0 = [1, -2]; run on
 * the backend as is (fused kernels when present) and with the fused kernels removed (core fallbacks).
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { onBackend, param, withoutFused } from '../constraints/helpers.js';

const GRADS = [
  [0.5, -1],
  [0.1, 0.3],
  [-0.2, 0.4],
];

/** Runs three steps with the fixed gradients and returns the parameter after each. */
export function runFixed(make: (p: cp.nn.Parameter) => cp.optim.Optimizer): number[][] {
  const p = param([1, -2]);
  const opt = make(p);
  const out: number[][] = [];
  for (const g of GRADS) {
    p.grad?.dispose();
    p.grad = cp.tensor(g);
    opt.step();
    out.push(Array.from(p.dataSync()));
  }
  opt.zeroGrad();
  for (const s of opt.state.values()) for (const v of Object.values(s)) if (v instanceof cp.Tensor) v.dispose();
  p.dispose();
  return out;
}

const CASES: [string, (p: cp.nn.Parameter) => cp.optim.Optimizer, number[][]][] = [
  [
    'SGD(lr 0.1, momentum 0.9, dampening 0.1, weightDecay 0.01)',
    (p) => new cp.optim.SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 }),
    [
      [0.949, -1.898],
      [0.8932459, -1.8314918],
      [0.860263289, -1.80598608],
    ],
  ],
  [
    'SGD(lr 0.1, momentum 0.9, nesterov, weightDecay 0.01)',
    (p) => new cp.optim.SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
    [
      [0.9031, -1.8062],
      [0.84107411, -1.77714822],
      [0.831465558, -1.79825062],
    ],
  ],
  [
    'SGD(lr 0.1, maximize)',
    (p) => new cp.optim.SGD([p], { lr: 0.1, maximize: true }),
    [
      [1.05, -2.1],
      [1.06, -2.07],
      [1.04, -2.03],
    ],
  ],
  [
    'Adam(lr 0.1, weightDecay 0.01)',
    (p) => new cp.optim.Adam([p], { lr: 0.1, weightDecay: 0.01 }),
    [
      [0.900000002, -1.9],
      [0.818915174, -1.85517616],
      [0.782165847, -1.84426957],
    ],
  ],
  [
    'AdamW(lr 0.1, weightDecay 0.1)',
    (p) => new cp.optim.AdamW([p], { lr: 0.1, weightDecay: 0.1 }),
    [
      [0.890000002, -1.88],
      [0.800795906, -1.81841514],
      [0.758352573, -1.79222509],
    ],
  ],
  [
    'Adam(lr 0.1, betas [0.8, 0.9], amsgrad)',
    (p) => new cp.optim.Adam([p], { lr: 0.1, betas: [0.8, 0.9], amsgrad: true }),
    [
      [0.900000002, -1.9],
      [0.823421955, -1.86171098],
      [0.796515542, -1.86171098],
    ],
  ],
  [
    'RMSprop(lr 0.01, alpha 0.9, weightDecay 0.01, momentum 0.5, centered)',
    (p) => new cp.optim.RMSprop([p], { lr: 0.01, alpha: 0.9, weightDecay: 0.01, momentum: 0.5, centered: true }),
    [
      [0.966666669, -1.96666667],
      [0.942499464, -1.95898115],
      [0.942529471, -1.96685347],
    ],
  ],
  [
    'RMSprop(lr 0.01)',
    (p) => new cp.optim.RMSprop([p], { lr: 0.01 }),
    [
      [0.90000002, -1.90000001],
      [0.880293438, -1.92886752],
      [0.917121098, -1.96494604],
    ],
  ],
  [
    'Adagrad(lr 0.1, lrDecay 0.5, weightDecay 0.01, initialAccumulatorValue 0.1)',
    (p) => new cp.optim.Adagrad([p], { lr: 0.1, lrDecay: 0.5, weightDecay: 0.01, initialAccumulatorValue: 0.1 }),
    [
      [0.915011803, -1.904485],
      [0.903081446, -1.92144728],
      [0.918021298, -1.93774737],
    ],
  ],
];

/** Update rules on the backend under test. */
export function updateRulesSuite(ctx: SuiteContext): void {
  describe('optim: update rules match the documented algorithms', () => {
    for (const [label, make, expected] of CASES) {
      for (const fused of [true, false]) {
        test(`${label} gives the hand-worked values for 3 steps (${fused ? 'backend kernels' : 'core fallback'})`, () => {
          const got = fused ? runFixed(make) : onBackend(withoutFused(ctx.backend()), () => runFixed(make));
          got.forEach((row, s) => {
            row.forEach((v, i) => {
              expect(v, `step ${s + 1}, element ${i}`).toBeCloseTo(expected[s][i], 5);
            });
          });
        });
      }
    }

    test('the fused kernels and the core fallbacks agree over 5 steps of SGD, Adam and AdamW', () => {
      const run = (backend: cp.Backend, make: (ps: cp.nn.Parameter[]) => cp.optim.Optimizer): number[] =>
        onBackend(backend, () =>
          cp.tidy(() => {
            const gen = new cp.Generator(11);
            const p = new cp.nn.Parameter(cp.randn([7, 5], { generator: gen }));
            const target = cp.randn([7, 5], { generator: gen });
            const opt = make([p]);
            for (let s = 0; s < 5; s++) {
              opt.zeroGrad();
              cp.tidy(() => p.sub(target).square().sum().backward());
              opt.step();
            }
            opt.zeroGrad();
            return Array.from(p.dataSync());
          }),
        );
      const makers: ((ps: cp.nn.Parameter[]) => cp.optim.Optimizer)[] = [
        (ps) => new cp.optim.SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
        (ps) => new cp.optim.Adam(ps, { lr: 0.05, amsgrad: true, weightDecay: 0.01, maximize: false }),
        (ps) => new cp.optim.AdamW(ps, { lr: 0.05 }),
      ];
      for (const make of makers) {
        const a = run(ctx.backend(), make);
        const b = run(withoutFused(ctx.backend()), make);
        a.forEach((v, i) => {
          expect(Math.abs(v - b[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(v)));
        });
      }
    });
  });
}
