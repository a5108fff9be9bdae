/** Bad input gives a clear error naming the op and the shapes, dtypes or values, never a wrong answer. */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';

/** Error behaviour of core ops. */
export function errorsSuite(_ctx: SuiteContext): void {
  describe('errors', () => {
    test('a broadcast mismatch names the op and both shapes', () => {
      expect(() => cp.ones([2, 3]).add(cp.ones([4]))).toThrow(cp.ShapeError);
      expect(() => cp.ones([2, 3]).add(cp.ones([4]))).toThrow(/add: shapes \[2, 3\] and \[4\]/);
    });

    test('a matmul inner-dim mismatch names both shapes', () => {
      expect(() => cp.ones([2, 3]).matmul(cp.ones([4, 5]))).toThrow(/matmul.*\[2, 3\].*\[4, 5\]/);
    });

    test('a bad dim names the op, the dim and the valid range', () => {
      expect(() => cp.ones([2, 3]).sum(2)).toThrow(cp.ArgumentError);
      expect(() => cp.ones([2, 3]).sum(2)).toThrow(/sum: dim 2 is out of range.*-2 to 1/);
      expect(() => cp.ones([2]).softmax(-2)).toThrow(/softmax: dim -2/);
    });

    test('a dtype an op does not take is a DTypeError', () => {
      expect(() => cp.ones([2], { dtype: 'int32' }).matmul(cp.ones([2], { dtype: 'int32' }))).toThrow(cp.DTypeError);
      expect(() => cp.ones([2], { dtype: 'int32' }).requiresGrad_()).toThrow(/only float32/);
      expect(() => cp.where(cp.ones([2]), 1, 0)).toThrow(/condition must be bool/);
    });

    test('reshape to an incompatible size names both shapes', () => {
      expect(() => cp.ones([2, 3]).reshape(4, 2)).toThrow(/reshape: cannot reshape \[2, 3\].*\[4, 2\]/);
    });

    test('an out-of-range index names the op and the value', () => {
      const idx = cp.tensor([0, 5], { dtype: 'int32' });
      expect(() => cp.ones([3, 2]).indexSelect(0, idx)).toThrow(/indexSelect: index 5.*size 3/);
    });

    test('backward on a non-scalar without a gradient is an AutogradError naming the shape', () => {
      const x = cp.ones([2, 2], { requiresGrad: true });
      expect(() => x.mul(2).backward()).toThrow(cp.AutogradError);
      expect(() => x.mul(2).backward()).toThrow(/\[2, 2\]/);
    });

    test('backward on a tensor without a graph is an AutogradError', () => {
      expect(() => cp.ones([1]).backward()).toThrow(/does not require grad/);
    });

    test('reading a disposed tensor is a DisposedError, and disposing twice is harmless', () => {
      const x = cp.ones([2]);
      x.dispose();
      x.dispose();
      expect(x.isDisposed).toBe(true);
      expect(() => x.dataSync()).toThrow(cp.DisposedError);
      expect(() => x.add(1)).toThrow(/was disposed/);
    });

    test('max over an empty dim is an error, not -Infinity', () => {
      expect(() => cp.zeros([0, 3]).max(0)).toThrow(/size 0/);
    });

    test('cat of mismatched shapes names every shape', () => {
      expect(() => cp.cat([cp.ones([2, 2]), cp.ones([3, 3])], 0)).toThrow(/cat.*\[2, 2\].*\[3, 3\]/);
    });
  });
}
