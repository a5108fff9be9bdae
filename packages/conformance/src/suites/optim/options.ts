/**
 * Optimizer options are checked like PyTorch checks them: an unknown key (a misspelled `clipnorm` used to
 * mean no clipping at all) is an `ArgumentError` naming the key and, when one is close, the intended name;
 * every value is range- and type-checked for every optimizer, for each parameter group, at every step (a
 * scheduler or a hand edit cannot slip a NaN learning rate in), and for the groups `loadStateDict` brings.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { bits, param, sameBits } from '../constraints/helpers.js';

type Options = Record<string, unknown>;
type Make = (ps: cp.nn.Parameter[] | { params: cp.nn.Parameter[] }[], options: Options) => cp.optim.Optimizer;

const MAKERS: [string, Make][] = [
  ['SGD', (ps, o) => new cp.optim.SGD(ps as cp.nn.Parameter[], o)],
  ['Adam', (ps, o) => new cp.optim.Adam(ps as cp.nn.Parameter[], o)],
  ['AdamW', (ps, o) => new cp.optim.AdamW(ps as cp.nn.Parameter[], o)],
  ['RMSprop', (ps, o) => new cp.optim.RMSprop(ps as cp.nn.Parameter[], o)],
  ['Adagrad', (ps, o) => new cp.optim.Adagrad(ps as cp.nn.Parameter[], o)],
];

/** Invalid values every optimizer rejects: [options, the words the message must contain]. */
const COMMON_BAD: [Options, RegExp][] = [
  [{ lr: -1 }, /invalid learning rate: -1/],
  [{ lr: 'abc' }, /invalid learning rate: 'abc'/],
  [{ lr: Number.NaN }, /invalid learning rate: NaN/],
  [{ lr: Number.POSITIVE_INFINITY }, /invalid learning rate: Infinity/],
  [{ weightDecay: -0.1 }, /invalid weightDecay: -0\.1/],
  [{ weightDecay: '0.1' }, /invalid weightDecay: '0\.1'/],
  [{ maximize: 'yes' }, /invalid maximize: 'yes'.*boolean/],
  [{ clipNorm: -1 }, /invalid clipNorm: -1/],
  [{ clipNorm: 'a' }, /invalid clipNorm: 'a'/],
  [{ clipValue: Number.NaN }, /invalid clipValue: NaN/],
  [{ skipNonFinite: 1 }, /invalid skipNonFinite: 1.*boolean/],
  [{ onSkip: 'log' }, /invalid onSkip: 'log'.*function/],
];

/** Invalid values of each optimizer's own options. */
const OWN_BAD: Record<string, [Options, RegExp][]> = {
  SGD: [
    [{ momentum: -0.5 }, /invalid momentum: -0\.5/],
    [{ momentum: 'x' }, /invalid momentum: 'x'/],
    [{ dampening: Number.NaN }, /invalid dampening: NaN/],
    [{ nesterov: 1, momentum: 0.9 }, /invalid nesterov: 1.*boolean/],
    [{ nesterov: true }, /Nesterov/],
  ],
  Adam: [
    [{ betas: [2, 2] }, /invalid beta parameter at index 0: 2/],
    [{ betas: [0.9, -1] }, /invalid beta parameter at index 1: -1/],
    [{ betas: [0.9] }, /invalid betas: \[0\.9\].*two numbers/],
    [{ betas: 0.9 }, /invalid betas: 0\.9/],
    [{ eps: -1 }, /invalid epsilon value: -1/],
    [{ amsgrad: 'true' }, /invalid amsgrad: 'true'/],
  ],
  RMSprop: [
    [{ alpha: -1 }, /invalid alpha value: -1/],
    [{ momentum: -1 }, /invalid momentum: -1/],
    [{ eps: -1 }, /invalid epsilon value: -1/],
    [{ centered: 0 }, /invalid centered: 0/],
  ],
  Adagrad: [
    [{ lrDecay: -1 }, /invalid lrDecay: -1/],
    [{ initialAccumulatorValue: -1 }, /invalid initialAccumulatorValue: -1/],
    [{ eps: -1 }, /invalid epsilon value: -1/],
  ],
};
OWN_BAD.AdamW = OWN_BAD.Adam;

/** The error `fn` throws (fails the test when it does not throw). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

/** Option validation on the backend under test. */
export function optionsSuite(_ctx: SuiteContext): void {
  describe('optim: options are validated', () => {
    for (const [name, make] of MAKERS) {
      test(`unknown option keys are an ArgumentError naming the key and the intended name (${name})`, () =>
        cp.tidy(() => {
          const a = param([1]);
          for (const [options, expected] of [
            [{ learningRate: 0.1 }, /unknown option 'learningRate'.*did you mean 'lr'/],
            [{ learning_rate: 0.1 }, /unknown option 'learning_rate'.*did you mean 'lr'/],
            [{ clipnorm: 1 }, /unknown option 'clipnorm'.*did you mean 'clipNorm'/],
            [{ weight_decay: 0.1 }, /unknown option 'weight_decay'.*did you mean 'weightDecay'/],
            [{ clip_value: 1 }, /unknown option 'clip_value'.*did you mean 'clipValue'/],
            [{ frobnicate: 1 }, /unknown option 'frobnicate'/],
          ] as [Options, RegExp][]) {
            const e = thrown(() => make([a], options));
            expect(e).toBeInstanceOf(cp.ArgumentError);
            expect(e.message).toContain(name);
            expect(e.message).toMatch(expected);
          }
          const g = thrown(() => make([{ params: [a], weight_decay: 0.1 } as never], {}));
          expect(g).toBeInstanceOf(cp.ArgumentError);
          expect(g.message).toMatch(/group 0: unknown option 'weight_decay'.*did you mean 'weightDecay'/);
          const opt = make([a], {});
          const b = param([2]);
          expect(() => opt.addParamGroup({ params: [b], lR: 0.1 } as never)).toThrow(/unknown option 'lR'.*'lr'/);
          // Optimizer-wide options are not group options.
          expect(() => opt.addParamGroup({ params: [b], clipNorm: 1 } as never)).toThrow(/'clipNorm' .*optimizer-wide/);
          expect(opt.paramGroups.length).toBe(1);
        }));

      test(`invalid option values are an ArgumentError naming the option and the value, in the options and in every group (${name})`, () =>
        cp.tidy(() => {
          const a = param([1]);
          for (const [options, expected] of [...COMMON_BAD, ...OWN_BAD[name]]) {
            const e = thrown(() => make([a], options));
            expect(e, JSON.stringify(options)).toBeInstanceOf(cp.ArgumentError);
            expect(e.message).toMatch(expected);
            const groupOptions = Object.fromEntries(
              Object.entries(options).filter(
                ([k]) => !['clipNorm', 'clipValue', 'skipNonFinite', 'onSkip'].includes(k),
              ),
            );
            if (Object.keys(groupOptions).length === 0) continue;
            const opt = make([a], {});
            const b = param([2]);
            const ge = thrown(() => opt.addParamGroup({ params: [b], ...groupOptions }));
            expect(ge).toBeInstanceOf(cp.ArgumentError);
            expect(ge.message).toMatch(expected);
            expect(opt.paramGroups.length).toBe(1);
          }
        }));

      test(`an invalid value set on a group by hand is caught by the next step, before any write (${name})`, () =>
        cp.tidy(() => {
          const a = param([1, 2]);
          const opt = make([a], { lr: 0.1 });
          a.grad = cp.tensor([1, 1]);
          const before = bits(a);
          opt.paramGroups[0].lr = Number.NaN;
          expect(() => opt.step()).toThrow(/group 0.*invalid learning rate: NaN/);
          expect(sameBits(bits(a), before)).toBe(true);
          opt.paramGroups[0].lr = 0.1;
          opt.step();
          expect(sameBits(bits(a), before)).toBe(false);
          opt.zeroGrad();
        }));
    }

    test('valid edge values are accepted: lr 0, betas [0, 0], eps 0, momentum 0, clipNorm Infinity', () =>
      cp.tidy(() => {
        const a = param([1]);
        expect(() => new cp.optim.SGD([a], { lr: 0, momentum: 0, dampening: 0.5 })).not.toThrow();
        expect(
          () => new cp.optim.Adam([a], { betas: [0, 0], eps: 0, clipNorm: Number.POSITIVE_INFINITY }),
        ).not.toThrow();
        expect(() => new cp.optim.RMSprop([a], { alpha: 1, eps: 0 })).not.toThrow();
      }));
  });
}
