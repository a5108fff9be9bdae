/**
 * Op semantics through the Tensor API on the backend under test: broadcasting, type promotion, reductions
 * with dim/keepdim, matmul shapes, shape ops, indexing, and the values of composite ops on hand-worked
 * numbers.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';

const close = (got: cp.Tensor, want: number[] | number, digits = 5) => {
  const g = got.dataSync();
  const w = typeof want === 'number' ? [want] : want;
  expect(g.length).toBe(w.length);
  w.forEach((v, i) => {
    expect(g[i]).toBeCloseTo(v, digits);
  });
};

/** Tensor op semantics. */
export function opsSuite(_ctx: SuiteContext): void {
  describe('tensor ops', () => {
    test('binary ops broadcast like PyTorch ([2,1] with [3] gives [2,3])', () => {
      const a = cp.tensor([[1], [2]]);
      const b = cp.tensor([10, 20, 30]);
      expect(a.add(b).toArray()).toEqual([
        [11, 21, 31],
        [12, 22, 32],
      ]);
      expect(a.mul(b).shape).toEqual([2, 3]);
      expect(b.sub(a).toArray()).toEqual([
        [9, 19, 29],
        [8, 18, 28],
      ]);
    });

    test('numbers act as scalars on either side', () => {
      const x = cp.tensor([1, 2, 4]);
      expect(x.add(1).toArray()).toEqual([2, 3, 5]);
      expect(cp.sub(10, x).toArray()).toEqual([9, 8, 6]);
      expect(cp.div(8, x).toArray()).toEqual([8, 4, 2]);
      expect(cp.pow(2, x).toArray()).toEqual([2, 4, 16]);
      expect(x.pow(2).toArray()).toEqual([1, 4, 16]);
    });

    test('int32 arithmetic stays int32, true division and fractional scalars give float32', () => {
      const i = cp.tensor([3, 4], { dtype: 'int32' });
      expect(i.add(i).dtype).toBe('int32');
      expect(i.mul(2).dtype).toBe('int32');
      expect(i.mul(0.5).dtype).toBe('float32');
      expect(i.div(2).toArray()).toEqual([1.5, 2]);
      expect(i.add(cp.tensor([0.5, 0.5])).dtype).toBe('float32');
    });

    test('math functions match their definitions', () => {
      const x = cp.tensor([0.5, 1, 2]);
      close(x.exp(), [Math.exp(0.5), Math.E, Math.exp(2)]);
      close(x.log(), [Math.log(0.5), 0, Math.log(2)]);
      close(x.sqrt(), [Math.sqrt(0.5), 1, Math.SQRT2]);
      close(x.rsqrt(), [1 / Math.sqrt(0.5), 1, Math.SQRT1_2]);
      close(x.sin(), [Math.sin(0.5), Math.sin(1), Math.sin(2)]);
      close(x.cos(), [Math.cos(0.5), Math.cos(1), Math.cos(2)]);
      close(x.tanh(), [Math.tanh(0.5), Math.tanh(1), Math.tanh(2)]);
      close(x.sigmoid(), [1 / (1 + Math.exp(-0.5)), 1 / (1 + Math.exp(-1)), 1 / (1 + Math.exp(-2))]);
      close(x.neg().abs(), [0.5, 1, 2]);
      close(cp.tensor([-2, 0, 3]).sign(), [-1, 0, 1]);
      close(cp.tensor([1e-10]).log1p(), [1e-10], 15);
      close(cp.tensor([1e-10]).expm1(), [1e-10], 15);
    });

    test('activations: relu, leakyRelu, gelu, softplus on hand-worked values', () => {
      const x = cp.tensor([-2, 0, 3]);
      expect(x.relu().toArray()).toEqual([0, 0, 3]);
      close(x.leakyRelu(0.1), [-0.2, 0, 3]);
      close(cp.tensor([1]).gelu(), [0.8413447460685429]);
      close(cp.tensor([1]).gelu('tanh'), [0.8411919906082768]);
      close(cp.tensor([0, 100, -100]).softplus(), [Math.LN2, 100, 0]);
      close(cp.tensor([1]).softplus(2), [Math.log1p(Math.exp(2)) / 2]);
    });

    test('clamp, minimum, maximum and where', () => {
      const x = cp.tensor([-2, 0.5, 3]);
      expect(x.clamp(-1, 1).toArray()).toEqual([-1, 0.5, 1]);
      expect(x.clamp(0).toArray()).toEqual([0, 0.5, 3]);
      expect(x.clamp(null, 0).toArray()).toEqual([-2, 0, 0]);
      expect(x.maximum(cp.tensor([0, 0, 0])).toArray()).toEqual([0, 0.5, 3]);
      expect(x.minimum(1).toArray()).toEqual([-2, 0.5, 1]);
      expect(cp.where(x.gt(0), x, cp.tensor(-1)).toArray()).toEqual([-1, 0.5, 3]);
    });

    test('comparisons give bool tensors', () => {
      const x = cp.tensor([1, 2, 3]);
      expect(x.eq(2).toArray()).toEqual([false, true, false]);
      expect(x.ne(2).toArray()).toEqual([true, false, true]);
      expect(x.lt(2).toArray()).toEqual([true, false, false]);
      expect(x.le(2).toArray()).toEqual([true, true, false]);
      expect(x.gt(cp.tensor([0, 2, 4])).toArray()).toEqual([true, false, false]);
      expect(x.ge(2).dtype).toBe('bool');
    });

    test('sum, mean, prod, max, min over dims with and without keepdim', () => {
      const x = cp.tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      expect(x.sum().item()).toBe(21);
      expect(x.sum(0).toArray()).toEqual([5, 7, 9]);
      expect(x.sum(1, { keepdim: true }).toArray()).toEqual([[6], [15]]);
      expect(x.sum([0, 1]).item()).toBe(21);
      expect(x.mean(-1).toArray()).toEqual([2, 5]);
      expect(x.prod(1).toArray()).toEqual([6, 120]);
      expect(x.max(0).toArray()).toEqual([4, 5, 6]);
      expect(x.min().item()).toBe(1);
      const y = cp.arange(24).reshape(2, 3, 4);
      expect(y.sum([0, 2]).toArray()).toEqual([60, 92, 124]);
      expect(y.sum([0, 2], { keepdim: true }).shape).toEqual([1, 3, 1]);
    });

    test('argmax and argmin return int32 indices, first index on ties', () => {
      const x = cp.tensor([
        [1, 5, 5],
        [7, 0, 0],
      ]);
      expect(x.argmax(1).toArray()).toEqual([1, 0]);
      expect(x.argmin(1).toArray()).toEqual([0, 1]);
      expect(x.argmax().item()).toBe(3);
      expect(x.argmax(0, { keepdim: true }).shape).toEqual([1, 3]);
      expect(x.argmax(1).dtype).toBe('int32');
    });

    test('var and std use Bessel correction by default; logsumexp is stable; norm for p = 1, 2, inf', () => {
      const x = cp.tensor([1, 2, 3, 4]);
      close(x.var(), [5 / 3]);
      close(x.var(0, { correction: 0 }), [1.25]);
      close(x.std(), [Math.sqrt(5 / 3)]);
      close(cp.tensor([1000, 1000]).logsumexp(), [1000 + Math.LN2], 3);
      close(cp.tensor([-Infinity, -Infinity]).logsumexp(), [-Infinity]);
      close(cp.tensor([3, -4]).norm(), [5]);
      close(cp.tensor([3, -4]).norm(1), [7]);
      close(cp.tensor([3, -4]).norm(Infinity), [4]);
      close(cp.tensor([3e20, 4e20]).norm(), [5e20], -16);
      close(
        cp
          .tensor([
            [3, 4],
            [6, 8],
          ])
          .norm(2, 1),
        [5, 10],
      );
    });

    test('matmul handles 1-D, 2-D and batched operands with broadcasting', () => {
      const a = cp.tensor([
        [1, 2],
        [3, 4],
      ]);
      const v = cp.tensor([1, 1]);
      expect(a.matmul(a).toArray()).toEqual([
        [7, 10],
        [15, 22],
      ]);
      expect(a.matmul(v).toArray()).toEqual([3, 7]);
      expect(v.matmul(a).toArray()).toEqual([4, 6]);
      expect(v.matmul(v).item()).toBe(2);
      const batch = cp.stack([a, a, a]);
      expect(batch.matmul(a).shape).toEqual([3, 2, 2]);
      expect(cp.ones([4, 1, 2, 3]).matmul(cp.ones([5, 3, 2])).shape).toEqual([4, 5, 2, 2]);
    });

    test('softmax rows sum to 1 and logSoftmax is its log, on any dim', () => {
      const x = cp.tensor([
        [1, 2, 3],
        [1, 1, 1],
      ]);
      close(x.softmax().sum(-1), [1, 1]);
      close(x.softmax(0).sum(0), [1, 1, 1]);
      close(x.logSoftmax().exp().sub(x.softmax()).abs().max(), [0]);
      close(cp.tensor([1000, 0]).softmax(), [1, 0]);
    });

    test('reshape/view share storage, infer -1, and flatten/squeeze/unsqueeze adjust dims', () => {
      const x = cp.arange(6);
      const y = x.reshape(2, -1);
      expect(y.shape).toEqual([2, 3]);
      expect(x.view([3, 2]).shape).toEqual([3, 2]);
      expect(y.flatten().shape).toEqual([6]);
      expect(y.unsqueeze(0).shape).toEqual([1, 2, 3]);
      expect(y.unsqueeze(-1).shape).toEqual([2, 3, 1]);
      expect(y.unsqueeze(0).squeeze().shape).toEqual([2, 3]);
      expect(cp.zeros([1, 2, 1]).squeeze(0).shape).toEqual([2, 1]);
      expect(cp.zeros([2, 3, 4]).flatten(1).shape).toEqual([2, 12]);
    });

    test('transpose, permute, expand and broadcastTo rearrange data', () => {
      const x = cp.arange(6).reshape(2, 3);
      expect(x.transpose(0, 1).toArray()).toEqual([
        [0, 3],
        [1, 4],
        [2, 5],
      ]);
      expect(x.t().shape).toEqual([3, 2]);
      expect(cp.arange(24).reshape(2, 3, 4).permute(2, 0, 1).shape).toEqual([4, 2, 3]);
      expect(
        cp
          .tensor([[1], [2]])
          .expand(2, 3)
          .toArray(),
      ).toEqual([
        [1, 1, 1],
        [2, 2, 2],
      ]);
      expect(cp.tensor([1, 2]).broadcastTo(2, 2).shape).toEqual([2, 2]);
      expect(cp.broadcastTo(cp.tensor([1, 2]), [2, 2]).toArray()).toEqual([
        [1, 2],
        [1, 2],
      ]);
    });

    test('slice, narrow, split, chunk, cat and stack', () => {
      const x = cp.arange(10);
      expect(x.slice(0, 2, 8, 3).toArray()).toEqual([2, 5]);
      expect(x.slice(0, -3).toArray()).toEqual([7, 8, 9]);
      expect(x.narrow(0, 1, 2).toArray()).toEqual([1, 2]);
      expect(x.split(4).map((t) => t.size)).toEqual([4, 4, 2]);
      expect(x.split([3, 7]).map((t) => t.size)).toEqual([3, 7]);
      expect(x.chunk(3).map((t) => t.size)).toEqual([4, 4, 2]);
      const m = cp.arange(4).reshape(2, 2);
      expect(cp.cat([m, m], 1).toArray()).toEqual([
        [0, 1, 0, 1],
        [2, 3, 2, 3],
      ]);
      expect(cp.stack([m, m], 1).shape).toEqual([2, 2, 2]);
    });

    test('indexSelect and gather pick by int32 indices', () => {
      const x = cp.tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      const idx = cp.tensor([2, 0], { dtype: 'int32' });
      expect(x.indexSelect(1, idx).toArray()).toEqual([
        [3, 1],
        [6, 4],
      ]);
      expect(x.indexSelect(0, cp.tensor([1, 1], { dtype: 'int32' })).toArray()).toEqual([
        [4, 5, 6],
        [4, 5, 6],
      ]);
      const g = cp.tensor([[2], [0]], { dtype: 'int32' });
      expect(x.gather(1, g).toArray()).toEqual([[3], [4]]);
    });

    test('clone copies, detach shares data without a graph, to() converts dtype', () => {
      const x = cp.tensor([1.5, -2.5], { requiresGrad: true });
      expect(x.clone().toArray()).toEqual([1.5, -2.5]);
      expect(x.detach().requiresGrad).toBe(false);
      expect(x.to('int32').toArray()).toEqual([1, -2]);
      expect(x.bool().toArray()).toEqual([true, true]);
    });
  });
}
