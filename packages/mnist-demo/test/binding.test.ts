// A maxNorm bound that is never reached is said in words: a run whose largest unit norm stayed below the
// bound gets a message naming the weight, its largest norm and the bound; a run that reached it, or ran
// without constraints, gets none.
import { describe, expect, test } from 'vitest';
import { unboundLines, unboundNorms } from '../src/train/run.js';

describe('never-binding constraints', () => {
  test('a weight whose largest norm stayed below the bound is named, with its norm and the bound', () => {
    const run = { constrained: true, peakNorms: { '0.weight': 1.5, '2.weight': 1.433 } };
    const unbound = unboundNorms(run, 1.5);
    expect(unbound).toEqual([{ name: '2.weight', peak: 1.433, bound: 1.5 }]);
    expect(unboundLines(unbound)).toEqual([
      'maxNorm never bound on 2.weight: its largest unit norm stayed at 1.433, below the bound 1.5, at every epoch end, so the constraint changed nothing (a smaller --max-norm or more epochs make it bind)',
    ]);
  });

  test('a bound reached (up to float32 rounding of the projection) or no constraints: no message', () => {
    expect(unboundNorms({ constrained: true, peakNorms: { '0.weight': 1.4999, '2.weight': 1.5 } }, 1.5)).toEqual([]);
    expect(unboundNorms({ constrained: false, peakNorms: { '0.weight': 0.2 } }, 1.5)).toEqual([]);
    expect(unboundLines([])).toEqual([]);
  });
});
