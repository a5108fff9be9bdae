/**
 * nn and the constraint registry: constraints given to layers or registered by dotted name hold at once,
 * `constraintReport`/`applyConstraints` cover every parameter, and state dicts carry the specs so a loaded
 * model keeps its constraints.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { setParam } from './helpers.js';

const { nn, constraints: C } = cp;

function rowNorms(t: cp.Tensor): number[] {
  return cp.tidy(() => Array.from(t.norm(2, 1).dataSync()));
}

/** Module-level constraint behaviour. */
export function nnConstraintsSuite(_ctx: SuiteContext): void {
  describe('nn constraints', () => {
    test('Linear registers weightConstraint and biasConstraint and makes the parameters satisfy them', () => {
      cp.manualSeed(0);
      const m = new nn.Linear(4, 3, { weightConstraint: C.maxNorm(0.1, { dim: 1 }), biasConstraint: C.nonNeg() });
      expect(rowNorms(m.weight).every((n) => n <= 0.1 + 1e-6)).toBe(true);
      expect(Array.from(m.bias!.dataSync()).every((v) => v >= 0)).toBe(true);
      expect(m.constraintReport().map((e) => [e.name, e.ok])).toEqual([
        ['weight', true],
        ['bias', true],
      ]);
      m.dispose();
    });

    test('registerConstraint by dotted name constrains that parameter and its handle removes it', () => {
      const m = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU(), new nn.Linear(2, 1));
      const handle = m.registerConstraint('2.weight', C.nonNeg());
      expect(Array.from(m.getParameter('2.weight').dataSync()).every((v) => v >= 0)).toBe(true);
      expect(m.constraintReport().map((e) => e.name)).toEqual(['2.weight']);
      handle.remove();
      expect(m.constraintReport()).toEqual([]);
      expect(() => m.registerConstraint('1.weight', C.nonNeg())).toThrow(/no parameter '1\.weight'.*0\.weight/);
      m.dispose();
    });

    test('applyConstraints restores every constraint after values were written by hand', () => {
      const m = new nn.Linear(2, 2, { biasConstraint: C.interval(-1, 1) });
      setParam(m.bias!, [5, -5]);
      expect(m.constraintReport()[0].ok).toBe(false);
      expect(m.applyConstraints()).toBe(1);
      expect(Array.from(m.bias!.dataSync())).toEqual([1, -1]);
      expect(m.constraintReport()[0].ok).toBe(true);
      m.dispose();
    });

    test('stateDict carries the constraint specs in its metadata, and loading restores them', () => {
      const a = new nn.Sequential(new nn.Linear(3, 2, { weightConstraint: C.maxNorm(1, { dim: 1 }) }));
      const sd = a.stateDict();
      const meta = nn.stateDictMetadata(sd)!;
      expect(Object.keys(meta.constraints)).toEqual(['0.weight']);
      expect(meta.constraints['0.weight'][0].name).toBe('maxNorm');
      // The specs survive JSON, so a checkpoint can be written to disk.
      Object.defineProperty(sd, '_metadata', { value: JSON.parse(JSON.stringify(meta)), enumerable: false });
      const b = new nn.Sequential(new nn.Linear(3, 2));
      b.loadStateDict(sd);
      expect(b.constraintReport().map((e) => [e.name, e.constraint.startsWith('maxNorm'), e.ok])).toEqual([
        ['0.weight', true, true],
      ]);
      a.dispose();
      b.dispose();
    });

    test('loading values that violate a constraint the module carries projects them', () => {
      const m = new nn.Linear(2, 2, { biasConstraint: C.nonNeg() });
      const sd = { weight: cp.ones([2, 2]), bias: cp.tensor([-3, 2]) };
      m.loadStateDict(sd);
      expect(Array.from(m.bias!.dataSync())).toEqual([0, 2]);
      m.dispose();
    });

    test('nn.utils re-exports gradient clipping', () => {
      const m = new nn.Linear(2, 1);
      cp.tidy(() =>
        m
          .call(cp.tensor([[30, 40]]))
          .sum()
          .backward(),
      );
      const total = nn.utils.clipGradNorm(m.parameters(), 1);
      expect(total).toBeGreaterThan(1);
      const after = cp.tidy(() => Math.hypot(...m.parameters().flatMap((p) => Array.from(p.grad!.dataSync()))));
      expect(after).toBeCloseTo(1, 4);
      m.dispose();
    });
  });
}
