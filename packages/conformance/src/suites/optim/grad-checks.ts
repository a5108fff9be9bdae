/**
 * Gradients must belong to their tensor: `backward(grad)` rejects a gradient of another backend, dtype or
 * shape (like PyTorch, a non-float32 gradient is an error, not converted), never accumulates into a `.grad`
 * assigned by hand that does not fit, and `step()` checks every `.grad`'s backend, dtype and shape before it
 * touches anything, naming the parameter's index. Before these checks the optimizer looked a foreign
 * gradient's handle up on the parameter's backend and used whatever storage had that number.
 */
import * as cp from '@cp/core';
import { afterAll, describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { createReferenceBackend } from '../../reference/index.js';
import { bits, onBackend, param, sameBits } from '../constraints/helpers.js';
import { ALL_OPTIMIZERS } from './faults.js';

/** The error `fn` throws (fails the test when it does not throw). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

/** Gradient checks on the backend under test. */
export function gradChecksSuite(_ctx: SuiteContext): void {
  describe('optim: gradients belong to their parameter (backend, dtype, shape)', () => {
    const other = createReferenceBackend();
    afterAll(() => other.dispose());
    const onOther = (values: number[], dtype: cp.DType = 'float32') =>
      onBackend(other, () => cp.tensor(values, { dtype }));

    test('backward(grad) rejects a gradient on another backend with a BackendError and stores no gradient', () =>
      cp.tidy(() => {
        const p = param([1, 2]);
        const e = thrown(() => p.mul(2).backward(onOther([1, 1])));
        expect(e).toBeInstanceOf(cp.BackendError);
        expect(e.message).toMatch(/backward: .*backend/);
        expect(p.grad).toBeNull();
      }));

    test('backward(grad) rejects an int32 or bool gradient with a DTypeError (like PyTorch: expected float32)', () =>
      cp.tidy(() => {
        const p = param([1, 2]);
        for (const dtype of ['int32', 'bool'] as const) {
          const e = thrown(() => p.mul(2).backward(cp.tensor([1, 1], { dtype })));
          expect(e).toBeInstanceOf(cp.DTypeError);
          expect(e.message).toContain(dtype);
          expect(e.message).toContain('float32');
          expect(p.grad).toBeNull();
        }
      }));

    test('backward never accumulates into a .grad assigned by hand with another dtype, backend or shape, and changes no gradient', () =>
      cp.tidy(() => {
        for (const [bad, cls] of [
          [() => cp.tensor([1, 1], { dtype: 'int32' }), cp.DTypeError],
          [() => onOther([1, 1]), cp.BackendError],
          [() => cp.tensor([1, 1, 1]), cp.ShapeError],
        ] as const) {
          const a = param([1, 2]);
          const b = param([3, 4]);
          a.grad = cp.tensor([5, 5]);
          b.grad = bad();
          const before = bits(a.grad);
          const e = thrown(() => a.square().sum().add(b.sum()).backward());
          expect(e).toBeInstanceOf(cls);
          expect(e.message).toMatch(/backward: .*\.grad/);
          expect(sameBits(bits(a.grad), before)).toBe(true);
        }
      }));

    for (const [name, make] of ALL_OPTIMIZERS) {
      test(`step() rejects a .grad of another backend, dtype or shape, naming the parameter; nothing changes (${name})`, () =>
        cp.tidy(() => {
          for (const [bad, cls, what] of [
            [() => onOther([1, 1]), cp.BackendError, /backend/],
            [() => cp.tensor([1, 1], { dtype: 'int32' }), cp.DTypeError, /int32.*float32/],
            [() => cp.tensor([true, false]), cp.DTypeError, /bool.*float32/],
            [() => cp.tensor([1, 1, 1]), cp.ShapeError, /\[3\].*\[2\]/],
            [() => cp.tensor([[1, 1]]), cp.ShapeError, /\[1, 2\].*\[2\]/],
          ] as const) {
            const a = param([1, 2, 3]);
            const b = param([4, 5]);
            const opt = make([a, b]);
            a.grad = cp.tensor([0.5, -0.5, 1]);
            b.grad = cp.tensor([1, 1]);
            opt.step();
            const before = [bits(a), bits(b)];
            a.grad = cp.tensor([0.5, -0.5, 1]);
            b.grad = bad();
            const e = thrown(() => opt.step());
            expect(e).toBeInstanceOf(cls);
            expect(e.message).toContain('parameter 1');
            expect(e.message).toMatch(what);
            expect(sameBits(bits(a), before[0])).toBe(true);
            expect(sameBits(bits(b), before[1])).toBe(true);
            expect(opt.state.get(a)?.step).toBe(1);
          }
        }));
    }

    test('step() rejects a .grad that is not a tensor with an ArgumentError', () =>
      cp.tidy(() => {
        const a = param([1, 2]);
        const opt = new cp.optim.SGD([a], { lr: 0.1 });
        (a as { grad: unknown }).grad = [1, 1];
        const e = thrown(() => opt.step());
        expect(e).toBeInstanceOf(cp.ArgumentError);
        expect(e.message).toContain('parameter 0');
        expect(a.toArray()).toEqual([1, 2]);
        a.grad = null;
      }));
  });
}
