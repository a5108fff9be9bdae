/**
 * What constraints declare about themselves, which the optimizer's step and intersections act on instead of
 * checking classes: `safeProjection` (an exact projection the step need not read back) and `set` (the set an
 * intersection merges or solves in closed form). A subclass inherits both and may override them.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';

const C = cp.constraints;

/** Constraint declarations (backend-independent, run on the backend under test). */
export function declarationsSuite(_ctx: SuiteContext): void {
  describe('constraints: what they declare', () => {
    test('built-ins declare safeProjection; function constraints, Dykstra and orthogonal do not; a subclass inherits the declaration and may revoke it', () => {
      for (const c of [
        C.clamp(-1, 1),
        C.interval(0, 1),
        C.nonNeg(),
        C.greaterThan(1),
        C.lessThan(1),
        C.positive(),
        C.linfBall(1),
        C.maxNorm(2, { dim: 1 }),
        C.minMaxNorm(1, 2, { rate: 0.5 }),
        C.unitNorm(),
        C.l2Ball(1),
        C.l1Ball(1),
        C.simplex(),
        C.symmetric(),
        C.intersect(C.nonNeg(), C.lessThan(1), C.linfBall(3)),
        C.intersect(C.maxNorm(1)),
      ]) {
        expect(c.safeProjection, String(c)).toBe(true);
      }
      class Sub extends C.BoxConstraint {}
      class Revoked extends C.BoxConstraint {
        override get safeProjection(): boolean {
          return false;
        }
      }
      expect(new Sub('sub', 0, 1, {}).safeProjection).toBe(true);
      expect(C.intersect(C.nonNeg(), new Sub('sub', 0, 1, {})).safeProjection).toBe(true);
      for (const c of [
        C.toConstraint((v: cp.Tensor) => v.clamp(0, 1)),
        new Revoked('revoked', 0, 1, {}),
        C.intersect(C.nonNeg(), C.l2Ball(1)),
        C.intersect(C.nonNeg(), new Revoked('revoked', 0, 1, {})),
        C.orthogonal(),
      ]) {
        expect(c.safeProjection, String(c)).toBe(false);
      }
    });

    test('built-ins declare the set intersections merge or solve in closed form; other sets declare none', () => {
      expect(C.clamp(-1, 2).set).toEqual({ type: 'box', lo: -1, hi: 2 });
      expect(C.nonNeg().set).toEqual({ type: 'box', lo: 0, hi: Number.POSITIVE_INFINITY });
      expect(C.simplex({ sum: 2, dim: 1 }).set).toEqual({ type: 'simplex', total: 2, dim: 1 });
      expect(C.l1Ball(3).set).toEqual({ type: 'l1Ball', radius: 3, dim: undefined });
      expect(C.maxNorm(2, { dim: 0 }).set).toEqual({ type: 'l2Ball', radius: 2, dim: 0 });
      expect(C.l2Ball(1).set).toEqual({ type: 'l2Ball', radius: 1, dim: undefined });
      const parts = [C.nonNeg(), C.maxNorm(1)];
      expect(C.intersect(...parts).set).toEqual({ type: 'intersection', parts });
      for (const c of [
        C.minMaxNorm(1, 2),
        C.minMaxNorm(0, 2, { rate: 0.5 }),
        C.unitNorm(),
        C.orthogonal(),
        C.symmetric(),
        C.toConstraint((v: cp.Tensor) => v),
      ]) {
        expect(c.set, String(c)).toBeNull();
      }
    });
  });
}
