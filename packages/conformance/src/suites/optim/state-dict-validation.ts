/**
 * `validateStateDict` is the complete check of an optimizer state dict (checkpoints call it before writing
 * anything): layout and indices, every group's options, and every state entry (known keys, a `step` that is
 * an integer >= 1, tensors of the parameter's shape and dtype float32, accumulators that cannot be negative,
 * no non-finite state on a constrained parameter). `loadStateDict` changes nothing when it fails.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { param } from '../constraints/helpers.js';
import { stateBits } from './step.js';

const C = cp.constraints;
type SD = cp.optim.OptimizerStateDict;
type Mutation = [string, (sd: SD) => void, new (...args: never[]) => Error, RegExp];

/** A 2x2 constrained parameter and an unconstrained [3] one, trained two steps by `make`. */
function trained(make: (ps: cp.nn.Parameter[]) => cp.optim.Optimizer): cp.optim.Optimizer {
  const w = param([
    [0.5, -0.5],
    [1, 0.25],
  ]);
  w.registerConstraint(C.maxNorm(2, { dim: 1 }));
  const b = param([0.1, 0.2, 0.3]);
  const opt = make([w, b]);
  for (let s = 0; s < 2; s++) {
    w.grad = cp.tensor([
      [0.3, -0.1],
      [0.2, 0.4 + s],
    ]);
    b.grad = cp.tensor([1, -1, 0.5]);
    opt.step();
  }
  opt.zeroGrad();
  return opt;
}

const t22 = (v: number) => cp.full([2, 2], v);

/** Mutations every optimizer's state dict must reject. */
const COMMON: Mutation[] = [
  ['step -1', (sd) => (sd.state[0].step = -1), cp.ArgumentError, /parameter 0: invalid step: -1/],
  ['step 0', (sd) => (sd.state[0].step = 0), cp.ArgumentError, /invalid step: 0/],
  ['step 1.5', (sd) => (sd.state[0].step = 1.5), cp.ArgumentError, /invalid step: 1\.5.*integer/],
  ['step a string', (sd) => (sd.state[0].step = '2' as never), cp.ArgumentError, /invalid step: '2'/],
  [
    'step renamed',
    (sd) => {
      sd.state[0].stpe = sd.state[0].step;
      delete sd.state[0].step;
    },
    cp.ArgumentError,
    /parameter 0: unknown state key 'stpe'.*did you mean 'step'/,
  ],
  ['step missing', (sd) => delete sd.state[1].step, cp.ArgumentError, /parameter 1: .*'step' is missing/],
  ['state for a parameter that does not exist', (sd) => (sd.state[7] = { step: 1 }), cp.ArgumentError, /parameter 7/],
  [
    'a state key that is not an index',
    (sd) => ((sd.state as Record<string, unknown>).x = { step: 1 }),
    cp.ArgumentError,
    /'x'/,
  ],
  [
    'a state entry that is not an object',
    (sd) => ((sd.state as Record<string, unknown>)[0] = 5),
    cp.ArgumentError,
    /parameter 0/,
  ],
  ['group lr -1', (sd) => (sd.paramGroups[0].lr = -1), cp.ArgumentError, /group 0: invalid learning rate: -1/],
  ['group lr a string', (sd) => (sd.paramGroups[0].lr = 'abc'), cp.ArgumentError, /invalid learning rate: 'abc'/],
  [
    'an unknown group key',
    (sd) => (sd.paramGroups[0].learning_rate = 0.1),
    cp.ArgumentError,
    /group 0: unknown option 'learning_rate'.*did you mean 'lr'/,
  ],
  ['duplicate parameter indices', (sd) => (sd.paramGroups[0].params = [0, 0]), cp.ArgumentError, /index 0 .*twice/],
  ['a non-integer parameter index', (sd) => (sd.paramGroups[0].params = [0, 1.5]), cp.ArgumentError, /1\.5/],
  ['groups not an array', (sd) => ((sd as { paramGroups: unknown }).paramGroups = {}), cp.ArgumentError, /paramGroups/],
];

/** Per optimizer: how to make it, and the mutations of its own state it must reject. */
const CASES: [string, (ps: cp.nn.Parameter[]) => cp.optim.Optimizer, Mutation[]][] = [
  [
    'Adam amsgrad',
    (ps) => new cp.optim.Adam(ps, { lr: 0.1, amsgrad: true }),
    [
      [
        'expAvg of the right size, wrong shape',
        (sd) => (sd.state[0].expAvg = cp.zeros([4])),
        cp.ShapeError,
        /expAvg.*\[4\].*\[2, 2\]/,
      ],
      [
        'expAvg int32',
        (sd) => (sd.state[0].expAvg = cp.zeros([2, 2], { dtype: 'int32' })),
        cp.DTypeError,
        /expAvg.*int32.*float32/,
      ],
      ['negative expAvgSq', (sd) => (sd.state[0].expAvgSq = t22(-1)), cp.ArgumentError, /expAvgSq.*negative/],
      [
        'NaN expAvg on a constrained parameter',
        (sd) => (sd.state[0].expAvg = t22(Number.NaN)),
        cp.ArgumentError,
        /expAvg.*non-finite/,
      ],
      [
        'maxExpAvgSq below expAvgSq',
        (sd) => (sd.state[0].maxExpAvgSq = t22(0)),
        cp.ArgumentError,
        /maxExpAvgSq.*below expAvgSq/,
      ],
      [
        'expAvgSq missing',
        (sd) => delete sd.state[1].expAvgSq,
        cp.ArgumentError,
        /parameter 1: .*'expAvgSq' is missing/,
      ],
      [
        'maxExpAvgSq missing with amsgrad',
        (sd) => delete sd.state[0].maxExpAvgSq,
        cp.ArgumentError,
        /'maxExpAvgSq' is missing/,
      ],
      [
        'an unknown state key',
        (sd) => (sd.state[0].exp_avg = t22(0)),
        cp.ArgumentError,
        /unknown state key 'exp_avg'.*did you mean 'expAvg'/,
      ],
      ['a number where a tensor belongs', (sd) => (sd.state[0].expAvg = 3), cp.ArgumentError, /expAvg.*tensor/],
      [
        'betas [2, 2]',
        (sd) => (sd.paramGroups[0].betas = [2, 2]),
        cp.ArgumentError,
        /group 0: invalid beta parameter at index 0: 2/,
      ],
      ['eps -1', (sd) => (sd.paramGroups[0].eps = -1), cp.ArgumentError, /invalid epsilon value: -1/],
    ],
  ],
  [
    'SGD momentum',
    (ps) => new cp.optim.SGD(ps, { lr: 0.1, momentum: 0.9 }),
    [
      [
        'a buffer of the wrong shape',
        (sd) => (sd.state[1].momentumBuffer = cp.zeros([3, 1])),
        cp.ShapeError,
        /momentumBuffer/,
      ],
      [
        'Infinity in a constrained buffer',
        (sd) => (sd.state[0].momentumBuffer = t22(Number.POSITIVE_INFINITY)),
        cp.ArgumentError,
        /non-finite/,
      ],
      ['momentum -1', (sd) => (sd.paramGroups[0].momentum = -1), cp.ArgumentError, /invalid momentum: -1/],
    ],
  ],
  [
    'RMSprop centered',
    (ps) => new cp.optim.RMSprop(ps, { lr: 0.01, centered: true }),
    [
      [
        'negative squareAvg',
        (sd) => (sd.state[1].squareAvg = cp.full([3], -2)),
        cp.ArgumentError,
        /squareAvg.*negative/,
      ],
      ['gradAvg missing when centered', (sd) => delete sd.state[0].gradAvg, cp.ArgumentError, /'gradAvg' is missing/],
    ],
  ],
  [
    'Adagrad',
    (ps) => new cp.optim.Adagrad(ps, { lr: 0.1 }),
    [
      ['negative sum', (sd) => (sd.state[0].sum = t22(-1)), cp.ArgumentError, /sum.*negative/],
      ['lrDecay -1', (sd) => (sd.paramGroups[0].lrDecay = -1), cp.ArgumentError, /invalid lrDecay: -1/],
    ],
  ],
];

/** State dict validation on the backend under test. */
export function stateDictValidationSuite(_ctx: SuiteContext): void {
  describe('optim: validateStateDict is complete; loadStateDict changes nothing on failure', () => {
    for (const [name, make, own] of CASES) {
      test(`every malformed state dict is a clear CpError from validateStateDict, and loadStateDict leaves the optimizer unchanged (${name})`, () =>
        cp.tidy(() => {
          const opt = trained(make);
          const before = stateBits(opt);
          for (const [what, mutate, cls, message] of [...COMMON, ...own]) {
            const sd = opt.stateDict();
            mutate(sd);
            let err: unknown = null;
            try {
              opt.validateStateDict(sd);
            } catch (e) {
              err = e;
            }
            expect(err, what).toBeInstanceOf(cls);
            expect(err, what).toBeInstanceOf(cp.CpError);
            expect(String(err), what).toMatch(message);
            expect(() => opt.loadStateDict(sd), what).toThrow(cls);
            expect(stateBits(opt), what).toBe(before);
          }
          const good = opt.stateDict();
          expect(() => opt.validateStateDict(good)).not.toThrow();
          opt.loadStateDict(good);
          expect(stateBits(opt)).toBe(before);
        }));
    }

    test('an unconstrained parameter may carry NaN state (a diverged run, as in PyTorch); the options a scheduler adds load', () =>
      cp.tidy(() => {
        const opt = trained((ps) => new cp.optim.Adam(ps, { lr: 0.1 }));
        const sd = opt.stateDict();
        sd.state[1].expAvg = cp.full([3], Number.NaN);
        sd.paramGroups[0].initialLr = 0.1;
        expect(() => opt.validateStateDict(sd)).not.toThrow();
        sd.paramGroups[0].initialLr = -1;
        expect(() => opt.validateStateDict(sd)).toThrow(/initialLr: -1/);
      }));
  });
}
