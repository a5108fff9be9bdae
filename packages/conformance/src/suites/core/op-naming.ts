/**
 * Errors name the op the user called, also when it is built from other ops or fails in the allocator, and
 * a few edge inputs give PyTorch's answer instead of garbage: empty softmax and norms, a 0-d indexSelect.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';

const bad = <T>(v: unknown): T => v as T;

function disposed(): cp.Tensor {
  const t = cp.ones([2, 3]);
  t.dispose();
  return t;
}

/** Op naming in errors, and edge inputs of composite ops. */
export function opNamingSuite(_ctx: SuiteContext): void {
  describe('errors name the op the user called', () => {
    test('a disposed input is a DisposedError naming the op', () => {
      expect(() => cp.add(disposed(), 1)).toThrow(/^add: tensor \d+ \(shape \[2, 3\]\) was disposed/);
      expect(() => disposed().sum()).toThrow(cp.DisposedError);
      expect(() => disposed().reshape([6])).toThrow(/^reshape: /);
      expect(() => cp.F.mseLoss(disposed(), cp.ones([2, 3]))).toThrow(/^mseLoss: /);
      expect(() => disposed().fill_(0)).toThrow(/^fill_: /);
      expect(() => disposed().requiresGrad_()).toThrow(/^requiresGrad_: /);
      expect(() => new cp.optim.SGD([new cp.nn.Parameter(disposed())], { lr: 0.1 })).toThrow(cp.DisposedError);
    });

    test('a composite op names itself before the op it is built from', () => {
      const other = cp.tensor([1, 2, 3], { backend: cp.getBackend() });
      expect(() => cp.F.crossEntropy(cp.ones([2, 3]), cp.tensor([0, 5], { dtype: 'int32' }))).toThrow(
        /^crossEntropy: /,
      );
      expect(() => cp.ones([2, 3]).chunk(2, 5)).toThrow(/^chunk: /);
      expect(() => cp.tensor(2).narrow(0, 0, 1)).toThrow(/^narrow: cannot be applied to a 0-d tensor/);
      expect(() => cp.clamp(cp.ones([2, 3]), other, cp.ones([4]))).toThrow(/^clamp: /);
    });

    test('an allocation beyond any memory names the creation function or layer', () => {
      expect(() => cp.zeros([1e10])).toThrow(cp.OutOfMemoryError);
      expect(() => cp.zeros([1e10])).toThrow(/^zeros: /);
      expect(() => cp.randint(0, 5, [2 ** 20, 2 ** 20])).toThrow(/^randint: /);
      expect(() => new cp.nn.Linear(1, 2 ** 40)).toThrow(/^Linear: /);
      expect(() => new cp.nn.Embedding(2 ** 40, 1)).toThrow(/^Embedding: /);
    });

    test('layer, loss and dropout arguments and options are checked', () => {
      expect(() => new cp.nn.Dropout(bad(null))).toThrow(/Dropout: p must be in \[0, 1\], got null/);
      expect(() => new cp.nn.Linear(1, 1, bad('bias'))).toThrow(/Linear: options must be an object/);
      expect(() => new cp.nn.Linear(1, 1, bad({ bais: false }))).toThrow(/Linear: unknown option 'bais'/);
      expect(() => new cp.nn.LayerNorm(bad(true))).toThrow(/LayerNorm: normalizedShape must be/);
      expect(() => new cp.nn.Embedding(3, 2).call(bad(null))).toThrow(/Embedding: ids: expected a tensor/);
      expect(() => cp.F.mseLoss(cp.ones([2]), cp.ones([2]), bad('sum'))).toThrow(/mseLoss: options must be/);
      expect(() => cp.F.linear(bad(null), cp.ones([2, 2]))).toThrow(/linear: input: expected a tensor/);
      expect(() => cp.sum(cp.ones([2]), 0, bad('yes'))).toThrow(/sum: keepdim must be a boolean/);
    });
  });

  describe('edge inputs of composite ops', () => {
    test('softmax and logSoftmax of an empty dim are empty, as in PyTorch', () => {
      expect(cp.ones([0, 3]).softmax(0).shape).toEqual([0, 3]);
      expect(cp.zeros([2, 0]).logSoftmax(1).shape).toEqual([2, 0]);
    });

    test('a finite p-norm over an empty dim is 0, as in PyTorch', () => {
      expect(cp.norm(cp.zeros([0, 3]), 2, 0).toArray()).toEqual([0, 0, 0]);
      expect(cp.norm(cp.zeros([0, 3]), 3, 0).toArray()).toEqual([0, 0, 0]);
    });

    test('indexSelect of a 0-d input takes one index 0, with its gradient', () => {
      const x = cp.tensor(2, { requiresGrad: true });
      const y = cp.indexSelect(x, 0, cp.tensor([0], { dtype: 'int32' }));
      expect(y.item()).toBe(2);
      y.sum().backward();
      expect(x.grad?.item()).toBe(1);
      expect(() => cp.indexSelect(x, 0, cp.tensor([0, 1], { dtype: 'int32' }))).toThrow(
        /indexSelect: a 0-d input takes exactly one index/,
      );
    });

    test('step() with a disposed .grad is a DisposedError naming the parameter, and nothing changes', () => {
      const p = new cp.nn.Parameter(cp.tensor([1, 2, 3]));
      const opt = new cp.optim.SGD([p], { lr: 0.1 });
      p.grad = disposed();
      expect(() => opt.step()).toThrow(/step: parameter 0: \.grad/);
      expect(Array.from(p.dataSync())).toEqual([1, 2, 3]);
    });
  });
}
