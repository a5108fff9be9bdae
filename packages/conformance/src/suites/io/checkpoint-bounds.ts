/**
 * Checkpoints keep every number: infinite and NaN bounds in constraint specs, optimizer options and the
 * caller's metadata come back as they were saved (JSON alone would write them as null), so the loaded
 * constraint is the saved one and the loaded weights are unchanged.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { bytesOf } from './fixture.js';

const { nn, constraints: C } = cp;

const unbounded: [string, () => cp.constraints.Constraint][] = [
  ['maxNorm(Infinity)', () => C.maxNorm(Number.POSITIVE_INFINITY)],
  ['l2Ball(Infinity)', () => C.l2Ball(Number.POSITIVE_INFINITY)],
  ['linfBall(Infinity)', () => C.linfBall(Number.POSITIVE_INFINITY)],
  ['lessThan(Infinity)', () => C.lessThan(Number.POSITIVE_INFINITY)],
  ['greaterThan(-Infinity)', () => C.greaterThan(Number.NEGATIVE_INFINITY)],
  ['minMaxNorm(1, Infinity)', () => C.minMaxNorm(1, Number.POSITIVE_INFINITY, { dim: 1 })],
];

/** Round trips of non-finite numbers through checkpoints. */
export function checkpointBoundsSuite(_ctx: SuiteContext): void {
  describe('checkpoints keep non-finite numbers', () => {
    test.each(unbounded)('%s round-trips with its bound and the weights unchanged', (_name, make) => {
      cp.manualSeed(11);
      const a = new nn.Linear(3, 2, { weightConstraint: make() });
      const b = new nn.Linear(3, 2);
      cp.noGrad(() => cp.tidy(() => b.weight.copy_(cp.full([2, 3], 0.25))));
      const specs = C.constraintSpecs(a.weight);
      cp.loadCheckpoint(cp.saveCheckpoint({ model: a }), { model: b });
      expect(C.constraintSpecs(b.weight)).toEqual(specs);
      expect(b.constraintReport().map((e) => e.constraint)).toEqual(a.constraintReport().map((e) => e.constraint));
      expect(bytesOf(b.weight)).toEqual(bytesOf(a.weight));
      expect(bytesOf(b.bias!)).toEqual(bytesOf(a.bias!));
      a.dispose();
      b.dispose();
    });

    test('optimizer options and the caller metadata keep Infinity, -Infinity and NaN', () => {
      const a = new nn.Linear(2, 1);
      const optA = new cp.optim.Adam(a.parameters(), { lr: 0.1 });
      Object.assign(optA.paramGroups[0], { maxLr: Number.POSITIVE_INFINITY, floor: Number.NEGATIVE_INFINITY });
      const metadata = {
        best: Number.POSITIVE_INFINITY,
        worst: [Number.NEGATIVE_INFINITY, Number.NaN],
        name: 'Infinity',
      };
      const bytes = cp.saveCheckpoint({ model: a, optimizer: optA, metadata });
      const b = new nn.Linear(2, 1);
      const optB = new cp.optim.Adam(b.parameters(), { lr: 0.1 });
      const loaded = cp.loadCheckpoint(bytes, { model: b, optimizer: optB });
      expect(optB.paramGroups[0].maxLr).toBe(Number.POSITIVE_INFINITY);
      expect(optB.paramGroups[0].floor).toBe(Number.NEGATIVE_INFINITY);
      expect(loaded.metadata).toEqual(metadata);
      a.dispose();
      b.dispose();
    });
  });
}
