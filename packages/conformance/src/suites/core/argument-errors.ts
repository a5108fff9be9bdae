/**
 * Garbage arguments to the public functions and Tensor methods give an ArgumentError naming the op and
 * what was expected, never a bare TypeError/RangeError from deep inside; DTypeError is kept for dtype
 * problems only.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';

const bad = <T>(v: unknown): T => v as T;

/** Argument type checks at the entry of ops. */
export function argumentErrorsSuite(_ctx: SuiteContext): void {
  describe('argument errors', () => {
    test('clamp without bounds and ops on two numbers are ArgumentErrors, not DTypeErrors', () => {
      expect(() => cp.ones([2]).clamp()).toThrow(cp.ArgumentError);
      expect(() => cp.ones([2]).clamp()).toThrow(/clamp: at least one of min and max/);
      expect(() => cp.add(1, 2)).toThrow(cp.ArgumentError);
      expect(() => cp.add(1, 2)).toThrow(/add: at least one operand must be a tensor/);
      expect(() => cp.compare('lt', 1, 2)).toThrow(cp.ArgumentError);
    });

    test('a dim that is not an integer or a list of them is an ArgumentError naming the op', () => {
      const x = cp.ones([2, 3]);
      expect(() => x.sum(bad('1'))).toThrow(cp.ArgumentError);
      expect(() => x.sum(bad('1'))).toThrow(/sum: dim must be an integer or a list of integers, got "1"/);
      expect(() => x.mean(bad({}))).toThrow(/mean: dim must be/);
      expect(() => x.max(bad([0, '1']))).toThrow(cp.ArgumentError);
      expect(() => x.softmax(bad('1'))).toThrow(cp.ArgumentError);
      expect(() => x.argmax(bad(0.5))).toThrow(cp.ArgumentError);
    });

    test('reduction options are an object: x.sum(0, true) is an error, not a silently dropped keepdim', () => {
      const x = cp.ones([2, 3]);
      expect(() => x.sum(0, bad(true))).toThrow(cp.ArgumentError);
      expect(() => x.sum(0, bad(true))).toThrow(/sum: options must be an object such as \{ keepdim: true \}/);
      expect(() => x.max(0, bad({ keepDim: true }))).toThrow(/max: unknown option 'keepDim'/);
      expect(() => x.mean(0, bad({ keepdim: 1 }))).toThrow(/mean: keepdim must be a boolean/);
      expect(x.sum(0, { keepdim: true }).shape).toEqual([1, 3]);
    });

    test('an operand that is not a tensor or a number is an ArgumentError naming the op', () => {
      const x = cp.ones([2]);
      const operands = [null, undefined, '1', [1, 2], {}, true];
      for (const v of operands) {
        for (const [op, call] of [
          ['add', () => x.add(bad(v))],
          ['mul', () => cp.mul(bad(v), x)],
          ['pow', () => x.pow(bad(v))],
          ['maximum', () => x.maximum(bad(v))],
          ['eq', () => x.eq(bad(v))],
          ['where', () => x.where(x.gt(0), bad(v))],
          ['clamp', () => x.clamp(1, bad(v == null ? 'x' : v))],
        ] as const) {
          expect(call, `${op}(${JSON.stringify(v)})`).toThrow(cp.ArgumentError);
          expect(call).toThrow(/expected a tensor or a number/);
        }
      }
      expect(() => x.matmul(bad(2))).toThrow(/matmul: .*expected a tensor/);
      expect(() => cp.where(bad(true), x, 1)).toThrow(/where: condition: expected a tensor/);
      expect(() => x.gather(0, bad([0]))).toThrow(/gather: index: expected a tensor/);
      expect(() => x.indexSelect(0, bad(0))).toThrow(/indexSelect: index: expected a tensor/);
      expect(() => x.copy_(bad([1, 2]))).toThrow(/copy_: src: expected a tensor/);
    });

    test('shape and dim lists of the shape ops are checked', () => {
      const x = cp.ones([2, 3]);
      expect(() => x.reshape(bad<number>('a'))).toThrow(cp.ShapeError);
      expect(() => x.reshape(bad<number>(null))).toThrow(/reshape: /);
      expect(() => x.permute(bad<number[]>(['1', 0]))).toThrow(cp.ArgumentError);
      expect(() => x.transpose(bad('0'), 1)).toThrow(cp.ArgumentError);
      expect(() => x.unsqueeze(bad(undefined))).toThrow(cp.ArgumentError);
      expect(() => x.split(bad('1'))).toThrow(/split: /);
      expect(() => x.chunk(bad(null))).toThrow(/chunk: /);
      expect(() => cp.cat(bad('ab'))).toThrow(/cat: expected a non-empty list of tensors/);
      expect(() => cp.cat(bad([x, 1]))).toThrow(/cat: .*position 1.*expected a tensor/);
      expect(() => cp.stack(bad([x, null]))).toThrow(/stack: .*position 1.*expected a tensor/);
    });

    test('every bad argument above is a CpError, never a bare TypeError or RangeError', () => {
      const calls = [
        () => cp.ones([2]).sum(bad('1')),
        () => cp.ones([2]).add(bad(null)),
        () => cp.zeros(bad(5)),
        () => cp.rand([-1]),
        () => cp.ones([2]).norm(bad('2')),
        () => cp.ones([2]).leakyRelu(bad('a')),
        () => cp.ones([2]).var(0, bad({ correction: '1' })),
        () => cp.ones([2]).fill_(bad(undefined)),
        () => cp.clone(bad(null)),
        () => cp.exp(bad([1, 2])),
        () => cp.sum(bad(undefined)),
        () => cp.reshape(bad('x'), [1]),
        () => cp.softmax(bad({})),
      ];
      for (const call of calls) {
        let thrown: unknown = null;
        try {
          call();
        } catch (e) {
          thrown = e;
        }
        expect(thrown, String(call)).toBeInstanceOf(cp.CpError);
      }
    });
  });
}
