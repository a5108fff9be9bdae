/**
 * The storage rules of bool and int32, on every path into a tensor: bool is "non-zero is true" (NaN
 * included, like PyTorch) and holds only 0 or 1; creation from data rejects an integer that does not fit
 * int32 (PyTorch's "cannot be converted to type int32 without overflow") while `cast` saturates; typed
 * arrays of every element type are converted to a cp dtype; an unknown dtype is a DTypeError before
 * anything is allocated, so the backend keeps working afterwards.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';

const OVERFLOW = /cannot be converted to int32 without overflow/;

/** bool and int32 rules, typed-array inputs, and unknown dtypes. */
export function dtypeRulesSuite(ctx: SuiteContext): void {
  describe('dtype rules', () => {
    const live = () => ctx.backend().stats().handles;
    const bytes = (t: cp.Tensor) => Array.from(t.dataSync());

    test('bool tensors from numbers store 0 or 1: non-zero is true, NaN included', () => {
      const t = cp.tensor([1, -2, 0, 3, 0.5, 256, Number.NaN, -0, Number.POSITIVE_INFINITY], { dtype: 'bool' });
      expect(bytes(t)).toEqual([1, 1, 0, 1, 1, 1, 1, 0, 1]);
      expect(t.toArray()).toEqual([true, true, false, true, true, true, true, false, true]);
    });

    test('bool tensors from typed arrays store 0 or 1 whatever the raw values', () => {
      expect(bytes(cp.tensor(new Uint8Array([254, 0, 1, 2]), { dtype: 'bool' }))).toEqual([1, 0, 1, 1]);
      expect(bytes(cp.tensor(new Uint8Array([254, 0, 1, 2])))).toEqual([1, 0, 1, 1]);
      expect(bytes(cp.tensor(new Float32Array([0.5, Number.NaN, 0, -0]), { dtype: 'bool' }))).toEqual([1, 1, 0, 0]);
      expect(bytes(cp.tensor(new Int32Array([256, 0, -1]), { dtype: 'bool' }))).toEqual([1, 0, 1]);
    });

    test('full, fill_ and copy_ into bool store 0 or 1', () => {
      expect(bytes(cp.full([3], 0.5, { dtype: 'bool' }))).toEqual([1, 1, 1]);
      expect(bytes(cp.full([2], Number.NaN, { dtype: 'bool' }))).toEqual([1, 1]);
      expect(bytes(cp.full([2], 254, { dtype: 'bool' }))).toEqual([1, 1]);
      expect(bytes(cp.zeros([2], { dtype: 'bool' }).fill_(5))).toEqual([1, 1]);
      expect(bytes(cp.zeros([3], { dtype: 'bool' }).copy_(cp.tensor([254, 0, 0.25])))).toEqual([1, 0, 1]);
    });

    test('sum, where and casts of a bool tensor made from numbers see only true and false', () => {
      const c = cp.tensor([1, -2, 0, 3], { dtype: 'bool' });
      expect(c.sum().item()).toBe(3);
      expect(c.float().toArray()).toEqual([1, 1, 0, 1]);
      expect(c.int().toArray()).toEqual([1, 1, 0, 1]);
      expect(cp.where(cp.tensor([2, 254, 3], { dtype: 'bool' }), 1000, 7).toArray()).toEqual([1000, 1000, 1000]);
      const picked = cp.where(cp.tensor([1, 254, 0], { dtype: 'bool' }), 0.1, 0.3).toArray();
      expect(picked).toEqual([Math.fround(0.1), Math.fround(0.1), Math.fround(0.3)]);
    });

    test('int32 creation from data rejects values outside int32 like PyTorch', () => {
      const int32 = { dtype: 'int32' } as const;
      for (const v of [2 ** 31, -(2 ** 31) - 1, 1e10, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(() => cp.tensor([1, v], int32), `tensor([1, ${v}])`).toThrow(cp.ArgumentError);
        expect(() => cp.tensor([1, v], int32)).toThrow(OVERFLOW);
        expect(() => cp.full([2], v, int32), `full ${v}`).toThrow(OVERFLOW);
        expect(() => cp.zeros([2], int32).fill_(v), `fill_ ${v}`).toThrow(OVERFLOW);
      }
      expect(() => cp.tensor(new Float32Array([2 ** 31]), int32)).toThrow(OVERFLOW);
      expect(() => cp.tensor(new Float32Array([Number.NaN]), int32)).toThrow(OVERFLOW);
      expect(() => cp.arange(2 ** 31 - 2, 2 ** 31 + 1, 1, int32)).toThrow(OVERFLOW);
      expect(() => cp.arange(0, 3, 1, { dtype: 'bool' })).toThrow(cp.DTypeError);
    });

    test('int32 creation truncates fractions toward zero and keeps both extremes', () => {
      const int32 = { dtype: 'int32' } as const;
      expect(cp.tensor([1.7, -1.7, 2147483647, -2147483648], int32).toArray()).toEqual([
        1, -1, 2147483647, -2147483648,
      ]);
      expect(cp.tensor(new Float32Array([2147483520, -2147483648, -2.5]), int32).toArray()).toEqual([
        2147483520, -2147483648, -2,
      ]);
      expect(cp.full([1], -2.9, int32).toArray()).toEqual([-2]);
      expect(cp.arange(2 ** 31 - 3, 2 ** 31, 1, int32).toArray()).toEqual([2147483645, 2147483646, 2147483647]);
    });

    test('cast to int32 saturates and maps NaN to 0 (the documented cast rule)', () => {
      const t = cp.tensor([3e9, -3e9, Number.NaN, 2.9]).int();
      expect(t.toArray()).toEqual([2147483647, -2147483648, 0, 2]);
    });

    test('typed arrays of every element type convert to a cp dtype', () => {
      const f = cp.tensor(new Float64Array([1.5, 2, 0.1]));
      expect(f.dtype).toBe('float32');
      expect(f.toArray()).toEqual([1.5, 2, Math.fround(0.1)]);
      for (const data of [new Int8Array([-3, 2]), new Int16Array([-3, 2]), new Uint16Array([65535, 2])]) {
        const t = cp.tensor(data);
        expect(t.dtype, data.constructor.name).toBe('int32');
        expect(t.toArray()).toEqual(Array.from(data));
      }
      expect(cp.tensor(new Uint32Array([5, 2 ** 31 - 1])).toArray()).toEqual([5, 2 ** 31 - 1]);
      expect(() => cp.tensor(new Uint32Array([2 ** 32 - 1]))).toThrow(OVERFLOW);
      const clamped = cp.tensor(new Uint8ClampedArray([255, 0, 7]));
      expect(clamped.dtype).toBe('int32');
      expect(clamped.toArray()).toEqual([255, 0, 7]);
      expect(cp.tensor(new Int8Array([-3, 2]), { dtype: 'float32' }).toArray()).toEqual([-3, 2]);
      expect(bytes(cp.tensor(new Uint16Array([256, 0]), { dtype: 'bool' }))).toEqual([1, 0]);
      expect(() => cp.tensor(new BigInt64Array([1n]) as unknown as Int32Array)).toThrow(cp.DTypeError);
      expect(() => cp.tensor(new DataView(new ArrayBuffer(4)) as unknown as Int32Array)).toThrow(cp.ArgumentError);
    });

    test('an unknown dtype is a DTypeError listing the dtypes, and the backend keeps working', () => {
      const src = cp.ones([2]);
      const before = live();
      const bad = 'int64' as cp.DType;
      const calls: [string, () => unknown][] = [
        ['zeros', () => cp.zeros([2], { dtype: bad })],
        ['ones', () => cp.ones([2], { dtype: bad })],
        ['full', () => cp.full([2], 1, { dtype: bad })],
        ['eye', () => cp.eye(2, 2, { dtype: bad })],
        ['tensor', () => cp.tensor([1, 2], { dtype: bad })],
        ['tensor', () => cp.tensor(new Float32Array(2), { dtype: bad })],
        ['arange', () => cp.arange(3, undefined, 1, { dtype: bad })],
        ['linspace', () => cp.linspace(0, 1, 3, { dtype: bad })],
        ['rand', () => cp.rand([2], { dtype: bad })],
        ['randn', () => cp.randn([2], { dtype: bad })],
        ['randint', () => cp.randint(0, 3, [2], { dtype: bad })],
        ['zerosLike', () => cp.zerosLike(src, { dtype: bad })],
        ['to', () => src.to('float64' as cp.DType)],
        ['cast', () => cp.cast(src, 'float64' as cp.DType)],
      ];
      for (const [op, call] of calls) {
        expect(call, op).toThrow(cp.DTypeError);
        expect(call, op).toThrow(new RegExp(`${op}: unknown dtype '(int64|float64)'.*float32, int32, bool`));
      }
      expect(live()).toBe(before);
      src.dispose();
      expect(
        cp
          .tensor([1, 2])
          .add(cp.tensor([3, 4]))
          .toArray(),
      ).toEqual([4, 6]);
      expect(cp.full([1000], 1).sum().item()).toBe(1000);
    });
  });
}
