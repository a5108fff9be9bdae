/** Creating tensors and reading them back: shapes, dtypes, ranges, seeded randomness, explicit reads. */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';

/** Tensor creation and data access on the backend under test. */
export function creationSuite(ctx: SuiteContext): void {
  describe('tensor creation', () => {
    test('nested arrays give their shape, float32 by default, and read back as nested arrays', () => {
      const t = cp.tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      expect(t.shape).toEqual([2, 3]);
      expect(t.dtype).toBe('float32');
      expect(t.size).toBe(6);
      expect(t.ndim).toBe(2);
      expect(t.backend).toBe(ctx.backend());
      expect(t.toArray()).toEqual([
        [1, 2, 3],
        [4, 5, 6],
      ]);
    });

    test('a number gives a 0-dim tensor whose item() is that number', () => {
      const t = cp.tensor(2.5);
      expect(t.shape).toEqual([]);
      expect(t.item()).toBe(2.5);
      expect(t.toArray()).toBe(2.5);
    });

    test('booleans give a bool tensor and int32 can be asked for', () => {
      expect(cp.tensor([true, false]).dtype).toBe('bool');
      expect(cp.tensor([true, false]).toArray()).toEqual([true, false]);
      const i = cp.tensor([1.7, -1.7], { dtype: 'int32' });
      expect(i.toArray()).toEqual([1, -1]);
    });

    test('typed arrays keep their dtype and take a shape', () => {
      const t = cp.tensor(new Int32Array([1, 2, 3, 4]), { shape: [2, 2] });
      expect(t.dtype).toBe('int32');
      expect(t.toArray()).toEqual([
        [1, 2],
        [3, 4],
      ]);
    });

    test('ragged nested arrays are rejected with the position', () => {
      expect(() => cp.tensor([[1, 2], [3]])).toThrow(/ragged.*\[1\]/);
    });

    test('dataSync returns a copy and data() resolves to the same values', async () => {
      const t = cp.tensor([1, 2, 3]);
      const copy = t.dataSync();
      copy[0] = 99;
      expect(t.toArray()).toEqual([1, 2, 3]);
      expect(Array.from(await t.data())).toEqual([1, 2, 3]);
    });

    test('zeros, ones, full, and the *Like forms fill shapes including size 0', () => {
      expect(cp.zeros([2, 2]).toArray()).toEqual([
        [0, 0],
        [0, 0],
      ]);
      expect(cp.ones([3], { dtype: 'int32' }).toArray()).toEqual([1, 1, 1]);
      expect(cp.full([2], 7).toArray()).toEqual([7, 7]);
      expect(cp.zeros([0, 3]).size).toBe(0);
      expect(cp.fullLike(cp.ones([2], { dtype: 'int32' }), 4).toArray()).toEqual([4, 4]);
    });

    test('arange, linspace and eye follow PyTorch', () => {
      expect(cp.arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
      expect(cp.arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
      expect(cp.arange(0, 3, 1, { dtype: 'int32' }).dtype).toBe('int32');
      expect(cp.linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
      expect(cp.eye(2, 3).toArray()).toEqual([
        [1, 0, 0],
        [0, 1, 0],
      ]);
    });

    test('manualSeed makes rand, randn and randint repeat exactly', () => {
      cp.manualSeed(7);
      const a = [cp.rand([5]).toArray(), cp.randn([5]).toArray(), cp.randint(0, 10, [5]).toArray()];
      cp.manualSeed(7);
      const b = [cp.rand([5]).toArray(), cp.randn([5]).toArray(), cp.randint(0, 10, [5]).toArray()];
      expect(a).toEqual(b);
    });

    test('randn has mean near 0 and std near 1; rand stays in [0, 1); randint in [low, high)', () => {
      cp.manualSeed(1);
      const n = cp.randn([20000]);
      expect(Math.abs(n.mean().item())).toBeLessThan(0.03);
      expect(Math.abs(n.std().item() - 1)).toBeLessThan(0.03);
      const u = cp.rand([1000]).dataSync();
      expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...u)).toBeLessThan(1);
      const r = cp.randint(-2, 3, [1000]).dataSync();
      expect(Math.min(...r)).toBe(-2);
      expect(Math.max(...r)).toBe(2);
    });

    test('item() on a multi-element tensor is an error naming the shape', () => {
      expect(() => cp.tensor([1, 2]).item()).toThrow(/\[2\]/);
    });
  });
}
