/**
 * The fused optimizer updates (in place, torch.optim semantics) against the float64 reference: every
 * buffer the kernel updates is compared within a small relative bound of the magnitudes that went into it
 * (docs/numerics.md). Hyperparameters are float64 numbers and are drawn from the ranges people use.
 */
import fc from 'fast-check';
import { describe } from 'vitest';
import { data } from '../../arbitraries.js';
import type { Suite } from '../../context.js';
import { bounded, EPS32, TINY } from '../../tolerance.js';
import { needsFused } from './fused.js';
import { propTest, show } from './harness.js';

const n = fc.integer({ min: 0, max: 24 });
const vec = (len: number, min = -10, max = 10) => data('float32', len, { min, max });

const sgdHyper = fc
  .record({
    lr: fc.double({ min: 1e-4, max: 1, noNaN: true }),
    momentum: fc.oneof(fc.constant(0), fc.double({ min: 0.1, max: 0.99, noNaN: true })),
    dampening: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.5, noNaN: true })),
    nesterov: fc.boolean(),
    weightDecay: fc.oneof(fc.constant(0), fc.double({ min: 1e-4, max: 0.1, noNaN: true })),
    firstStep: fc.boolean(),
    maximize: fc.boolean(),
  })
  // NOTE: torch rejects nesterov without momentum or with dampening; core never asks for it.
  .map((h) => ({ ...h, nesterov: h.nesterov && h.momentum > 0 && h.dampening === 0 }));

const adamHyper = fc.record({
  lr: fc.double({ min: 1e-4, max: 0.1, noNaN: true }),
  beta1: fc.double({ min: 0.5, max: 0.99, noNaN: true }),
  beta2: fc.double({ min: 0.9, max: 0.9999, noNaN: true }),
  eps: fc.constantFrom(1e-8, 1e-6, 1e-3),
  weightDecay: fc.oneof(fc.constant(0), fc.double({ min: 1e-4, max: 0.1, noNaN: true })),
  decoupled: fc.boolean(),
  step: fc.integer({ min: 1, max: 1000 }),
  maximize: fc.boolean(),
  amsgrad: fc.boolean(),
});

/** The fused optimizer-update suite. */
export const fusedOptimSuite: Suite = (ctx) => {
  describe('fused optimizer updates', () => {
    propTest(
      ctx,
      'fused sgdUpdate updates param and momentum buffer like torch.optim.SGD within a relative bound',
      n.chain((len) => fc.tuple(vec(len), vec(len), vec(len), sgdHyper)),
      ([P, G, B, h], s) => {
        const len = P.length;
        const param = s.input(P);
        const grad = s.input(G);
        const momentumBuf = h.momentum > 0 ? s.input(B) : null;
        s.runFused('sgdUpdate', { param, grad, momentumBuf, n: len, ...h });
        const pBounds: number[] = [];
        const bBounds: number[] = [];
        for (let i = 0; i < len; i++) {
          const g = Math.abs(G[i]) + h.weightDecay * Math.abs(P[i]);
          const buf = h.momentum > 0 ? h.momentum * Math.abs(h.firstStep ? 0 : B[i]) + g : 0;
          bBounds.push(8 * EPS32 * buf + TINY);
          const step = h.lr * (g + (1 + h.momentum) * buf);
          pBounds.push(EPS32 * (4 * Math.abs(P[i]) + 16 * step) + TINY);
        }
        const inputs = () => `param = ${show(P)}, grad = ${show(G)}, buf = ${show(B)}, ${JSON.stringify(h)}`;
        s.check('fused sgdUpdate param', param, bounded, { bounds: pBounds, inputs });
        if (momentumBuf !== null)
          s.check('fused sgdUpdate momentumBuf', momentumBuf, bounded, { bounds: bBounds, inputs });
      },
      needsFused('sgdUpdate'),
    );

    propTest(
      ctx,
      'fused adamUpdate updates param and moments like torch.optim.Adam/AdamW within a relative bound',
      n.chain((len) => fc.tuple(vec(len), vec(len), vec(len, -1, 1), vec(len, 0, 1), vec(len, 0, 1), adamHyper)),
      ([P, G, M, V, VMAX, { amsgrad, ...h }], s) => {
        const len = P.length;
        const param = s.input(P);
        const grad = s.input(G);
        const expAvg = s.input(M);
        const expAvgSq = s.input(V);
        const maxExpAvgSq = amsgrad ? s.input(VMAX) : null;
        s.runFused('adamUpdate', { param, grad, expAvg, expAvgSq, maxExpAvgSq, n: len, ...h });
        const bc1 = 1 - h.beta1 ** h.step;
        const bc2 = 1 - h.beta2 ** h.step;
        const [pB, mB, vB] = [[], [], []] as number[][];
        for (let i = 0; i < len; i++) {
          const g = Math.abs(G[i]) + (h.decoupled ? 0 : h.weightDecay * Math.abs(P[i]));
          const m = h.beta1 * Math.abs(M[i]) + (1 - h.beta1) * g;
          const v = h.beta2 * V[i] + (1 - h.beta2) * g * g;
          const second = amsgrad ? Math.max(v, VMAX[i]) : v;
          const denom = Math.sqrt(second) / Math.sqrt(bc2) + h.eps;
          mB.push(8 * EPS32 * m + TINY);
          vB.push(8 * EPS32 * v + TINY);
          // NOTE: m may cancel (beta1·m and (1-beta1)·g of opposite signs), so its error is relative to |terms|.
          pB.push(EPS32 * (4 * Math.abs(P[i]) + 32 * (h.lr / bc1) * (m / denom)) + TINY);
        }
        const inputs = () =>
          `param = ${show(P)}, grad = ${show(G)}, m = ${show(M)}, v = ${show(V)}, ${JSON.stringify({ amsgrad, ...h })}`;
        s.check('fused adamUpdate param', param, bounded, { bounds: pB, inputs });
        s.check('fused adamUpdate expAvg', expAvg, bounded, { bounds: mB, inputs });
        s.check('fused adamUpdate expAvgSq', expAvgSq, bounded, { bounds: vB, inputs });
        if (maxExpAvgSq !== null)
          s.check('fused adamUpdate maxExpAvgSq', maxExpAvgSq, bounded, {
            bounds: vB.map((b, i) => b + 8 * EPS32 * VMAX[i]),
            inputs,
          });
      },
      needsFused('adamUpdate'),
    );
  });
};
