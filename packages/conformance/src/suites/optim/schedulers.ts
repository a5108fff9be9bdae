/** Learning-rate schedulers: values against their closed forms (torch.optim.lr_scheduler), and state dicts. */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { param } from '../constraints/helpers.js';

const S = cp.optim.lrScheduler;

function lrs(s: { step(): void; getLastLr(): number[] }, n: number): number[] {
  const out = [s.getLastLr()[0]];
  for (let i = 1; i < n; i++) {
    s.step();
    out.push(s.getLastLr()[0]);
  }
  return out;
}

function close(a: number[], b: number[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => {
    expect(v, `epoch ${i}`).toBeCloseTo(b[i], 10);
  });
}

/** Schedulers (backend-independent, run once per backend for completeness). */
export function schedulersSuite(_ctx: SuiteContext): void {
  describe('optim: learning-rate schedulers', () => {
    const opt = (lr = 1, extra: Record<string, unknown> = {}) =>
      new cp.optim.SGD([param([1])], { lr, momentum: 0.9, ...extra });

    test('StepLR multiplies by gamma every stepSize epochs', () =>
      cp.tidy(() => close(lrs(new S.StepLR(opt(), 2, 0.5), 6), [1, 1, 0.5, 0.5, 0.25, 0.25])));

    test('ExponentialLR multiplies by gamma every epoch', () =>
      cp.tidy(() => close(lrs(new S.ExponentialLR(opt(2), 0.5), 4), [2, 1, 0.5, 0.25])));

    test('CosineAnnealingLR follows etaMin + (base - etaMin)(1 + cos(πt/T))/2', () =>
      cp.tidy(() =>
        close(lrs(new S.CosineAnnealingLR(opt(1), 4, 0.2), 5), [
          1,
          0.2 + (0.8 * (1 + Math.SQRT1_2)) / 2,
          0.6,
          0.2 + (0.8 * (1 - Math.SQRT1_2)) / 2,
          0.2,
        ]),
      ));

    test('LinearLR ramps the factor from startFactor to endFactor over totalIters', () =>
      cp.tidy(() =>
        close(lrs(new S.LinearLR(opt(1), { startFactor: 0.25, totalIters: 3 }), 5), [0.25, 0.5, 0.75, 1, 1]),
      ));

    test('OneCycleLR warms up to maxLr, anneals to maxLr/divFactor/finalDivFactor, and cycles momentum', () =>
      cp.tidy(() => {
        const o = opt(1);
        const s = new S.OneCycleLR(o, { maxLr: 1, totalSteps: 10, pctStart: 0.3 });
        const seq = lrs(s, 10);
        expect(seq[0]).toBeCloseTo(1 / 25, 10);
        expect(Math.max(...seq)).toBeCloseTo(1, 10);
        expect(seq[2]).toBeCloseTo(1, 10);
        expect(seq[9]).toBeCloseTo(1 / 25 / 1e4, 10);
        expect(o.paramGroups[0].momentum).toBeCloseTo(0.95, 10);
        expect(() => {
          s.step();
          s.step();
        }).toThrow(/totalSteps/);
        const a = new cp.optim.Adam([param([1])], { lr: 1 });
        new S.OneCycleLR(a, { maxLr: 1, totalSteps: 10 });
        expect(a.paramGroups[0].betas[0]).toBeCloseTo(0.95, 10);
      }));

    test('a scheduler state dict restores the epoch and rates', () =>
      cp.tidy(() => {
        const s1 = new S.StepLR(opt(), 2, 0.5);
        s1.step();
        s1.step();
        const sd = s1.stateDict();
        const s2 = new S.StepLR(opt(), 2, 0.5);
        s2.loadStateDict(sd);
        s1.step();
        s2.step();
        expect(s2.getLastLr()).toEqual(s1.getLastLr());
        expect(s2.lastEpoch).toBe(3);
      }));
  });
}
