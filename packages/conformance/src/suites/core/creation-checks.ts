/**
 * Creation functions check their arguments before they allocate or draw a random number: shapes are
 * lists of integers >= 0 that match the data, fill values are numbers (or booleans), ranges are finite,
 * randint's range fits int32, and random tensors are allocated on the backend before they are generated,
 * so the backend's out-of-memory error comes first.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';

/** A generator that counts its draws. */
class CountingGenerator extends cp.Generator {
  draws = 0;
  override nextUint32(): number {
    this.draws++;
    return super.nextUint32();
  }
}

/** Argument checks of the creation and random functions. */
export function creationChecksSuite(ctx: SuiteContext): void {
  describe('creation checks', () => {
    const live = () => ctx.backend().stats().handles;

    test('tensor() rejects a shape whose size differs from the data, on both data paths', () => {
      expect(() => cp.tensor([1], { shape: [1, 2] })).toThrow(cp.ShapeError);
      expect(() => cp.tensor([1], { shape: [1, 2] })).toThrow(/tensor: shape \[1, 2\] needs 2 elements.* has 1/);
      expect(() => cp.tensor(new Float32Array(1), { shape: [1, 2] })).toThrow(cp.ShapeError);
      expect(cp.tensor([1, 2, 3, 4], { shape: [2, 2] }).toArray()).toEqual([
        [1, 2],
        [3, 4],
      ]);
    });

    test('tensor() rejects negative, fractional and non-numeric dims before anything is allocated', () => {
      const before = live();
      for (const shape of [[-2, -2], [0.5, 4], [Number.NaN], [2, '2'], [Number.POSITIVE_INFINITY]]) {
        const s = shape as number[];
        expect(() => cp.tensor([1, 2, 3, 4], { shape: s }), JSON.stringify(shape)).toThrow(cp.ArgumentError);
        expect(() => cp.tensor([1, 2, 3, 4], { shape: s })).toThrow(/tensor: invalid shape .*integers >= 0/);
        expect(() => cp.tensor(new Float32Array(4), { shape: s })).toThrow(cp.ArgumentError);
        expect(() => cp.zeros(s)).toThrow(/zeros: invalid shape/);
        expect(() => cp.rand(s)).toThrow(/rand: invalid shape/);
      }
      expect(live()).toBe(before);
    });

    test('a shape that is not a list is an ArgumentError naming the op', () => {
      expect(() => cp.zeros(5 as unknown as number[])).toThrow(cp.ArgumentError);
      expect(() => cp.zeros(5 as unknown as number[])).toThrow(/zeros: shape must be an array of integers, got 5/);
      expect(() => cp.ones('2' as unknown as number[])).toThrow(/ones: shape must be an array/);
      expect(() => cp.tensor([1], { shape: 1 as unknown as number[] })).toThrow(/tensor: shape must be an array/);
      expect(() => cp.randn(null as unknown as number[])).toThrow(/randn: shape must be an array/);
    });

    test('tensor() rejects data that is not a number, boolean, nested array or typed array', () => {
      for (const data of [undefined, null, 'abc', { a: 1 }, [1, '2'], [[1], [null]]]) {
        expect(() => cp.tensor(data as unknown as number), JSON.stringify(data)).toThrow(cp.ArgumentError);
      }
    });

    test('random tensors validate the shape and allocate before drawing a number', () => {
      const g = new CountingGenerator(1);
      expect(() => cp.rand([-1], { generator: g })).toThrow(cp.ArgumentError);
      expect(() => cp.randn([2 ** 30, 2 ** 30, 2 ** 30], { generator: g })).toThrow(cp.ArgumentError);
      expect(g.draws).toBe(0);
      const real = ctx.backend();
      const failing: cp.Backend = Object.assign(Object.create(real) as cp.Backend, {
        alloc(): never {
          throw new cp.OutOfMemoryError('test backend: out of memory');
        },
      });
      for (const make of [
        () => cp.rand([1000], { generator: g, backend: failing }),
        () => cp.randn([1000], { generator: g, backend: failing }),
        () => cp.randint(0, 5, [1000], { generator: g, backend: failing }),
        () => cp.randperm(1000, { generator: g, backend: failing }),
      ]) {
        expect(make).toThrow(cp.OutOfMemoryError);
      }
      expect(g.draws).toBe(0);
    });

    test('random tensors larger than one generation chunk equal the element-by-element stream', () => {
      const n = 70_000;
      const a = cp.rand([n], { generator: new cp.Generator(7) }).dataSync();
      const g = new cp.Generator(7);
      let same = true;
      for (let i = 0; i < n; i++) if (a[i] !== g.nextFloat()) same = false;
      expect(same).toBe(true);
      const r = cp.randn([n + 1], { generator: new cp.Generator(7) }).dataSync();
      expect(r.length).toBe(n + 1);
      expect(Number.isFinite(r[n])).toBe(true);
    });

    test('randint rejects a range that does not fit int32, like PyTorch', () => {
      expect(() => cp.randint(0, 2 ** 40, [3])).toThrow(cp.ArgumentError);
      expect(() => cp.randint(0, 2 ** 40, [3])).toThrow(/randint: .*out of bounds for int32/);
      expect(() => cp.randint(-(2 ** 31) - 1, 0, [3])).toThrow(/out of bounds for int32/);
      expect(() => cp.randint(0.5, 3, [3])).toThrow(/integers low < high/);
      const wide = cp.randint(-(2 ** 31), 2 ** 31, [2000], { generator: new cp.Generator(3) }).dataSync();
      expect(Array.from(wide).every((v) => v >= -(2 ** 31) && v < 2 ** 31)).toBe(true);
      // NOTE: 24 random bits cannot reach every integer of a 2^32 span; odd values show more bits are used.
      expect(Array.from(wide).some((v) => v % 2 !== 0)).toBe(true);
    });

    test('full rejects a fill value that is not a number; a boolean fills a bool tensor', () => {
      expect(() => cp.full([2], 'a' as unknown as number)).toThrow(cp.ArgumentError);
      expect(() => cp.full([2], 'a' as unknown as number)).toThrow(/full: fill value must be a number or a boolean/);
      expect(() => cp.full([2], null as unknown as number)).toThrow(cp.ArgumentError);
      expect(() => cp.ones([2]).fill_('1' as unknown as number)).toThrow(/fill_: fill value must be a number/);
      const t = cp.full([2], true);
      expect(t.dtype).toBe('bool');
      expect(t.toArray()).toEqual([true, true]);
      expect(cp.full([2], true, { dtype: 'float32' }).toArray()).toEqual([1, 1]);
    });

    test('arange rejects non-finite or non-numeric start, end and step', () => {
      for (const args of [
        [Number.NaN],
        [0, Number.POSITIVE_INFINITY],
        [0, 1, Number.NaN],
        [Number.NEGATIVE_INFINITY, 0],
        ['3'],
      ]) {
        const [a, b, c] = args as [number, number?, number?];
        expect(() => cp.arange(a, b, c), JSON.stringify(args)).toThrow(cp.ArgumentError);
        expect(() => cp.arange(a, b, c)).toThrow(/arange: /);
      }
      expect(() => cp.arange(0, 2 ** 60)).toThrow(cp.ArgumentError);
    });

    test('eye and linspace check their sizes', () => {
      expect(() => cp.eye(-1)).toThrow(/eye: n must be an integer >= 0/);
      expect(() => cp.eye(2, 1.5)).toThrow(/eye: m must be an integer >= 0/);
      expect(() => cp.linspace(0, 1, 2.5)).toThrow(/linspace: steps must be an integer >= 0/);
      expect(() => cp.linspace(0, '1' as unknown as number, 3)).toThrow(cp.ArgumentError);
      expect(cp.eye(3, 2, { dtype: 'bool' }).toArray()).toEqual([
        [true, false],
        [false, true],
        [false, false],
      ]);
    });

    test('a creation option that cp does not know is an ArgumentError naming it', () => {
      expect(() => cp.zeros([2], { dtpye: 'int32' } as cp.CreationOptions)).toThrow(cp.ArgumentError);
      expect(() => cp.zeros([2], { dtpye: 'int32' } as cp.CreationOptions)).toThrow(/zeros: unknown option 'dtpye'/);
      const before = live();
      expect(() => cp.zeros([2], { dtype: 'int32', requiresGrad: true })).toThrow(cp.DTypeError);
      expect(live()).toBe(before);
    });
  });
}
