/**
 * `Module.loadStateDict`, the path checkpoints build on, validates everything before it writes: a bad
 * constraint spec, a value its constraints turn into NaN, or a tensor of another dtype raises a
 * `StateDictError` naming the key, and the module's values and constraints are as they were.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { snapshot } from './fixture.js';

const { nn, constraints: C } = cp;

function model(): cp.nn.Sequential {
  return new nn.Sequential(new nn.Linear(3, 2, { weightConstraint: C.maxNorm(1, { dim: 1 }) }), new nn.Linear(2, 1));
}

/** A state dict of `m` whose `_metadata.constraints` is `constraints`. */
function withSpecs(m: cp.nn.Module, constraints: unknown): cp.nn.StateDict {
  const sd = m.stateDict();
  Object.defineProperty(sd, '_metadata', { value: { constraints }, enumerable: false });
  return sd;
}

/** loadStateDict failures change nothing. */
export function stateDictAtomicSuite(_ctx: SuiteContext): void {
  describe('a state dict that fails to load changes nothing', () => {
    function rejects(target: cp.nn.Module, sd: cp.nn.StateDict, error: RegExp): void {
      const before = snapshot(target);
      expect(() => target.loadStateDict(sd)).toThrow(error);
      expect(() => target.loadStateDict(sd)).toThrow(nn.StateDictError);
      expect(snapshot(target)).toEqual(before);
    }

    test('an unknown constraint in the specs, after the values were checked', () => {
      cp.manualSeed(1);
      const a = model();
      const b = model();
      rejects(b, withSpecs(a, { '1.weight': [{ name: 'maxNorn', options: { max: 1 } }] }), /'1\.weight'.*maxNorn/);
      rejects(
        b,
        withSpecs(a, { '1.weight': [{ name: 'nonNeg', options: {}, mode: 'sideways' }] }),
        /'1\.weight'.*mode/,
      );
      rejects(b, withSpecs(a, { '1.weight': 'nonNeg' }), /'1\.weight'.*list of constraint specs/);
      a.dispose();
      b.dispose();
    });

    test('a value that its constraints turn into NaN', () => {
      const a = model();
      const b = model();
      const sd = a.stateDict();
      sd['0.weight'] = cp.tensor([
        [Number.NaN, 0, 0],
        [0, 0, 0],
      ]);
      rejects(b, sd, /'0\.weight'.*NaN/);
      a.dispose();
      b.dispose();
    });

    test('a tensor of another dtype than the parameter', () => {
      const b = model();
      const sd = b.stateDict();
      sd['1.bias'] = cp.tensor([1], { dtype: 'int32' });
      rejects(b, sd, /dtype mismatch for '1\.bias': the state dict has int32, the module has float32/);
      b.dispose();
    });
  });
}
