/**
 * The dispatch turns any backend failure into a `CpError` naming the public op and the input shapes: a
 * bare RangeError/TypeError becomes a BackendError with the original as `cause`, a backend's own CpError
 * (out of memory, unsupported) keeps its class and gains the context, and a missing kernel is an
 * UnsupportedError instead of "is not a function".
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { backendView, thrown } from './backend-view.js';

const rangeError = (): never => {
  throw new RangeError('offset is out of bounds');
};

/** Errors raised inside kernels and allocation, as the user sees them. */
export function dispatchSuite(ctx: SuiteContext): void {
  describe('dispatch: backend failures', () => {
    test('a kernel that throws a RangeError is a BackendError naming the op, the kernel and the shapes', () => {
      const view = backendView(ctx.backend(), { kernels: { matmul: rangeError } });
      const a = cp.ones([2, 3], { backend: view });
      const b = cp.ones([3, 4], { backend: view });
      const e = thrown(() => cp.matmul(a, b));
      expect(e).toBeInstanceOf(cp.BackendError);
      expect(e.message).toMatch(/^matmul: the backend failed in kernel 'matmul' of backend '[^']+-view'/);
      expect(e.message).toContain('input shapes [1, 2, 3], [1, 3, 4]: RangeError: offset is out of bounds');
      expect(e.cause).toBeInstanceOf(RangeError);
      a.dispose();
      b.dispose();
    });

    test('a composite op names itself before the op whose kernel failed', () => {
      const typeError = (): never => {
        throw new TypeError('bad handle');
      };
      const view = backendView(ctx.backend(), {
        kernels: { reduce: typeError },
        fused: { softmaxCrossEntropy: null, logSoftmax: null },
      });
      const logits = cp.ones([4, 3], { backend: view });
      const labels = cp.tensor([0, 1, 2, 0], { dtype: 'int32', backend: view });
      const e = thrown(() => cp.F.crossEntropy(logits, labels));
      expect(e).toBeInstanceOf(cp.BackendError);
      expect(e.message).toMatch(
        /^crossEntropy: logSoftmax: .*kernel 'reduce'.*input shapes \[4, 3\]: TypeError: bad handle/,
      );
      expect(e.cause).toBeInstanceOf(TypeError);
    });

    test("a backend's own out-of-memory error keeps its class and gains the op and shapes", () => {
      const oom = (): never => {
        throw new cp.OutOfMemoryError('scratch space exhausted');
      };
      const view = backendView(ctx.backend(), { kernels: { binary: oom } });
      const a = cp.ones([2, 3], { backend: view });
      const e = thrown(() => cp.add(a, cp.ones([3], { backend: view })));
      expect(e).toBeInstanceOf(cp.OutOfMemoryError);
      expect(e.message).toBe(
        `add: scratch space exhausted (in kernel 'binary' of backend '${view.name}', input shapes [2, 3], [3])`,
      );
    });

    test('a fused kernel that throws is reported like a required one', () => {
      const base = ctx.backend();
      const view = backendView(base, { fused: { softmax: rangeError } });
      const x = cp.ones([2, 5], { backend: view });
      const e = thrown(() => cp.softmax(x, 1));
      expect(e).toBeInstanceOf(cp.BackendError);
      expect(e.message).toMatch(/^softmax: the backend failed in kernel 'softmax' .*input shapes \[2, 5\]/);
    });

    test('a backend without a kernel is an UnsupportedError naming the op and the kernel', () => {
      const view = backendView(ctx.backend(), { kernels: { gather: null } });
      const x = cp.ones([3, 2], { backend: view });
      const e = thrown(() => cp.indexSelect(x, 0, cp.tensor([0, 2], { dtype: 'int32', backend: view })));
      expect(e).toBeInstanceOf(cp.UnsupportedError);
      expect(e.message).toMatch(
        /^indexSelect: backend '[^']+' has no kernel 'gather' \(input shapes \[3, 2\], \[2\]\)/,
      );
    });

    test('an allocator that throws a RangeError is a BackendError naming the creation function', () => {
      const view = backendView(ctx.backend(), { alloc: rangeError });
      const e = thrown(() => cp.zeros([2, 3], { backend: view }));
      expect(e).toBeInstanceOf(cp.BackendError);
      expect(e.message).toMatch(/^zeros: backend '[^']+' failed to allocate \[2, 3\] float32: RangeError/);
      expect(e.cause).toBeInstanceOf(RangeError);
    });

    test('a kernel failing inside backward names the op whose gradient it computes, and no .grad is written', () => {
      const base = ctx.backend();
      let armed = false;
      const view = backendView(base, {
        kernels: {
          matmul: (args) => {
            if (armed) rangeError();
            base.kernels.matmul(args);
          },
        },
      });
      const w = cp.ones([3, 2], { backend: view, requiresGrad: true });
      const loss = cp.matmul(cp.ones([4, 3], { backend: view }), w).sum();
      armed = true;
      const e = thrown(() => loss.backward());
      expect(e).toBeInstanceOf(cp.BackendError);
      expect(e.message).toMatch(/^matmul: the backend failed in kernel 'matmul'/);
      expect(w.grad).toBeNull();
    });
  });
}
