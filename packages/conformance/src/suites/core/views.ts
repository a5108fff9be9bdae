/**
 * Views and no-op shape ops: every op returns a new tensor object (sharing storage where it can), so
 * disposing the result never frees the input. Target sizes of expand/broadcastTo and the arguments of
 * slice/narrow/split/cat are checked, with errors naming the op and the shapes.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';

/** View independence and the argument checks of the shape ops. */
export function viewsSuite(ctx: SuiteContext): void {
  describe('views', () => {
    const live = () => ctx.backend().stats().handles;

    const noOps: [string, (x: cp.Tensor) => cp.Tensor][] = [
      ['reshape to the same shape', (x) => x.reshape(2, 2)],
      ['view to the same shape', (x) => x.view([2, 2])],
      ['functional reshape', (x) => cp.reshape(x, [2, 2])],
      ['squeeze without size-1 dims', (x) => x.squeeze()],
      ['squeeze of a dim that is not 1', (x) => x.squeeze(0)],
      ['identity permute', (x) => x.permute(0, 1)],
      ['transpose of a dim with itself', (x) => x.transpose(1, 1)],
      ['full slice', (x) => x.slice(0)],
      ['full narrow', (x) => x.narrow(1, 0, 2)],
      ['split into one piece', (x) => x.split(2, 0)[0]],
      ['chunk into one piece', (x) => x.chunk(1, 1)[0]],
      ['same-shape expand', (x) => x.expand(2, 2)],
      ['same-shape expand with -1', (x) => x.expand(-1, -1)],
      ['same-shape broadcastTo', (x) => x.broadcastTo([2, 2])],
      ['flatten of dims 1..1', (x) => x.flatten(1, 1)],
      ['contiguous', (x) => x.contiguous()],
      ['to the same dtype', (x) => x.to('float32')],
      ['to the same backend', (x) => x.to(ctx.backend())],
      ['float() of a float tensor', (x) => x.float()],
      ['functional cast to the same dtype', (x) => cp.cast(x, 'float32')],
      ['detach', (x) => x.detach()],
    ];

    for (const [name, op] of noOps) {
      test(`${name} returns a new tensor whose dispose leaves the input intact`, () => {
        const before = live();
        const x = cp.tensor([
          [1, 2],
          [3, 4],
        ]);
        const v = op(x);
        expect(v).not.toBe(x);
        v.dispose();
        expect(x.toArray()).toEqual([
          [1, 2],
          [3, 4],
        ]);
        const w = op(x);
        x.dispose();
        expect(w.toArray()).toEqual([
          [1, 2],
          [3, 4],
        ]);
        w.dispose();
        expect(live()).toBe(before);
      });
    }

    test('t() of a 1-D tensor and flatten of a 1-D tensor are new tensors too', () => {
      const x = cp.tensor([1, 2, 3]);
      for (const v of [x.t(), x.flatten(), cp.flatten(x), x.unsqueeze(0).squeeze(0)]) {
        expect(v).not.toBe(x);
        v.dispose();
        expect(x.toArray()).toEqual([1, 2, 3]);
      }
    });

    test('a gradient flows through a no-op view', () => {
      const x = cp.tensor([1, 2], { requiresGrad: true });
      x.reshape(2).to('float32').contiguous().expand(2).mul(3).sum().backward();
      expect(x.grad!.toArray()).toEqual([3, 3]);
    });

    test('expand and broadcastTo reject sizes that are not integers >= 0 with a ShapeError', () => {
      const s = cp.tensor(1);
      expect(() => s.broadcastTo([0.5, 4])).toThrow(cp.ShapeError);
      expect(() => s.broadcastTo([0.5, 4])).toThrow(/broadcastTo: .*\[0\.5, 4\].*integers >= 0/);
      expect(() => cp.broadcastTo(s, [0.5, 4])).toThrow(/broadcastTo: /);
      for (const shape of [[-3], [2.5], [Number.NaN], [2, -2], [Number.POSITIVE_INFINITY], ['2']]) {
        expect(() => s.expand(shape as number[]), JSON.stringify(shape)).toThrow(cp.ShapeError);
        expect(() => s.expand(shape as number[])).toThrow(/expand: /);
      }
      expect(() => cp.expand(s, 5 as unknown as number[])).toThrow(cp.ArgumentError);
    });

    test('expand allows -1 only for an existing dim and grows only size-1 dims, like PyTorch', () => {
      const x = cp.ones([2]);
      expect(() => x.expand(-1, 2)).toThrow(cp.ShapeError);
      expect(() => x.expand(-1, 2)).toThrow(/expand: .*-1 is not allowed for the new leading dim 0/);
      expect(() => x.expand(0)).toThrow(/expand: cannot expand \[2\] to \[0\]/);
      expect(() => x.expand(3)).toThrow(cp.ShapeError);
      expect(cp.ones([1]).expand(0).shape).toEqual([0]);
      expect(cp.ones([1]).expand(3, -1).shape).toEqual([3, 1]);
      expect(cp.ones([1]).broadcastTo([2, 0]).shape).toEqual([2, 0]);
    });

    test('slice, narrow and split take integers only', () => {
      const x = cp.arange(5);
      expect(() => x.slice(0, 0.5, 2.5)).toThrow(cp.ArgumentError);
      expect(() => x.slice(0, 0.5, 2.5)).toThrow(/slice: start must be an integer, got 0.5/);
      expect(() => x.slice(0, 0, Number.NaN)).toThrow(/slice: end must be an integer/);
      expect(() => x.narrow(0, 0.5, 2)).toThrow(/narrow: start must be an integer, got 0.5/);
      expect(() => x.narrow(0, 0, 1.5)).toThrow(/narrow: length must be an integer/);
      expect(() => x.split([2.5, 2.5])).toThrow(/split: sizes must be integers >= 0, got \[2.5,2.5\]/);
      expect(() => x.split([-1, 6])).toThrow(cp.ArgumentError);
      expect(x.split([0, 5]).map((t) => t.shape)).toEqual([[0], [5]]);
      expect(x.slice(0, -2).toArray()).toEqual([3, 4]);
    });

    test('cat of 0-d tensors is a ShapeError like PyTorch; stack of them works', () => {
      const a = cp.tensor(1);
      const b = cp.tensor(2);
      expect(() => cp.cat([a, b])).toThrow(cp.ShapeError);
      expect(() => cp.cat([a, b])).toThrow(/cat: zero-dimensional tensor \(at position 0\) cannot be concatenated/);
      expect(() => cp.cat([cp.ones([1]), b])).toThrow(/at position 1/);
      expect(cp.stack([a, b]).toArray()).toEqual([1, 2]);
    });
  });
}
