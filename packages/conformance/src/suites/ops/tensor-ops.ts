/**
 * The rearranging, masking, scattering, scan and sorting ops (repeat, tile, flip, roll, triu, tril,
 * maskedFill, oneHot, scatter, scatterAdd, indexAdd, indexPut, maskedScatter, cumsum, cumprod, sort,
 * argsort, topk): values and gradients against PyTorch 1.13
 * (tensor-ops-torch.ts, from scripts/torch-tensor-ops.py, which builds the same inputs), gradients by
 * finite differences and against the reference backend at small and realistic sizes, the edge cases
 * (NaN, empty, 0-d, repeated indices) and the errors.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { Suite } from '../../context.js';
import { noSyncReads } from '../optim/no-sync-reads.js';
import { type OpCase, registerOpCases } from './op-harness.js';
import { TORCH_TENSOR_OPS } from './tensor-ops-torch.js';

type T = cp.Tensor;

/** `start + step * arange(n)` in `shape`, as the PyTorch script builds its inputs. */
function X(shape: number[], start = -1, step = 0.35): T {
  const n = shape.reduce((a, b) => a * b, 1);
  return cp.tensor(
    Array.from({ length: n }, (_, i) => start + step * i),
    { shape },
  );
}
const int = (values: number[], shape?: number[]): T => cp.tensor(values, { dtype: 'int32', shape });
const bool = (values: number[], shape?: number[]): T => cp.tensor(values, { dtype: 'bool', shape });
const m23 = () => bool([1, 0, 1, 0, 0, 1], [2, 3]);
const idx = () => int([0, 2, 1, 1, 3, 0], [3, 2]);
const idx0 = () => int([0, 2, 2, 1, 2, 0, 1, 1], [2, 4]);
const sortInput = () => cp.tensor([3, -1, 3, NaN, 0, -0, 2, 1, 1, NaN, -5, 1, 7, NaN], { shape: [2, 7] });
const mask34 = () => bool([1, 0, 0, 1, 0, 0, 1, 0, 1, 1, 0, 0], [3, 4]);

/** The PyTorch cases: name (a key of TORCH_TENSOR_OPS), inputs, and the op. */
const TORCH_CASES: [string, () => T[], (...xs: T[]) => T][] = [
  ['repeat [2,3] by (2,1,2)', () => [X([2, 3])], (x) => x.repeat(2, 1, 2)],
  ['repeat [3] by (2,2)', () => [X([3])], (x) => cp.repeat(x, [2, 2])],
  ['tile [2,3] by (2)', () => [X([2, 3])], (x) => x.tile(2)],
  ['tile [3] by (2,2)', () => [X([3])], (x) => cp.tile(x, [2, 2])],
  ['flip [2,3] dims (0,1)', () => [X([2, 3])], (x) => x.flip(0, 1)],
  ['flip [2,3,2] dims (-1)', () => [X([2, 3, 2])], (x) => cp.flip(x, -1)],
  ['roll [2,3] flattened by 1', () => [X([2, 3])], (x) => x.roll(1)],
  ['roll [2,3] by (1,-4) over (0,1)', () => [X([2, 3])], (x) => cp.roll(x, [1, -4], [0, 1])],
  ['triu [3,4]', () => [X([3, 4])], (x) => x.triu()],
  ['triu [3,4] diagonal 1', () => [X([3, 4])], (x) => cp.triu(x, 1)],
  ['tril [3,4] diagonal -1', () => [X([3, 4])], (x) => x.tril(-1)],
  ['tril [2,3,3] diagonal 1', () => [X([2, 3, 3])], (x) => cp.tril(x, 1)],
  ['maskedFill [2,3] with -5', () => [X([2, 3])], (x) => x.maskedFill(m23(), -5)],
  ['maskedFill [2,3] with a row mask', () => [X([2, 3])], (x) => cp.maskedFill(x, bool([0, 1, 0]), 2.5)],
  ['maskedFill [2,3] with a 0-d tensor', () => [X([2, 3]), cp.tensor(0.75)], (x, v) => x.maskedFill(m23(), v)],
  ['scatter [3,4] dim 1 src [3,2]', () => [X([3, 4]), X([3, 2], 5, 1)], (x, s) => x.scatter(1, idx(), s)],
  ['scatter [3,4] dim 1 value 9', () => [X([3, 4])], (x) => cp.scatter(x, 1, idx(), 9)],
  ['scatter [3,4] dim 0 src [2,4]', () => [X([3, 4]), X([2, 4], 5, 1)], (x, s) => cp.scatter(x, 0, idx0(), s)],
  ['scatterAdd [3,4] dim 1 src [3,2]', () => [X([3, 4]), X([3, 2], 5, 1)], (x, s) => x.scatterAdd(1, idx(), s)],
  ['scatterAdd [3,4] dim 0 src [2,4]', () => [X([3, 4]), X([2, 4], 5, 1)], (x, s) => cp.scatterAdd(x, 0, idx0(), s)],
  [
    'scatterAdd [3,4] dim -2 src [2,5] cut to the index',
    () => [X([3, 4]), X([2, 5], 5, 1)],
    (x, s) => cp.scatterAdd(x, -2, idx0(), s),
  ],
  [
    'indexAdd [4,3] dim 0 alpha 2',
    () => [X([4, 3]), X([4, 3], 1, 0.5)],
    (x, s) => x.indexAdd(0, int([0, 2, 3, 0]), s, { alpha: 2 }),
  ],
  ['indexAdd [2,4] dim 1', () => [X([2, 4]), X([2, 3], 1, 0.5)], (x, s) => cp.indexAdd(x, 1, int([3, 1, 3]), s)],
  [
    'indexPut [3,4] at (0,2),(1,3)',
    () => [X([3, 4]), cp.tensor([10, 20])],
    (x, v) => x.indexPut([int([0, 2]), int([1, -1])], v),
  ],
  [
    'indexPut [3,4] rows [2,0] with a broadcast row',
    () => [X([3, 4]), X([4], 7, 1)],
    (x, v) => cp.indexPut(x, [int([2, 0])], v),
  ],
  [
    'indexPut [3,4] accumulate repeated places',
    () => [X([3, 4]), cp.tensor([1, 2, 3])],
    (x, v) => x.indexPut([int([0, 0, 2]), int([1, 1, 3])], v, { accumulate: true }),
  ],
  [
    'indexPut [3,4] broadcast index tensors',
    () => [X([3, 4]), X([2, 2], 7, 1)],
    (x, v) => x.indexPut([int([0, 2], [2, 1]), int([1, 3])], v),
  ],
  ['indexPut [3,4] with a bool mask', () => [X([3, 4]), X([5], 7, 1)], (x, v) => x.indexPut([mask34()], v)],
  ['indexPut [3,4] with a row mask and a number', () => [X([3, 4])], (x) => x.indexPut([bool([1, 0, 1])], 4)],
  ['maskedScatter [2,3]', () => [X([2, 3]), X([5], 7, 1)], (x, s) => x.maskedScatter(m23(), s)],
  [
    'maskedScatter [2,3] with a row mask',
    () => [X([2, 3]), X([2, 3], 7, 1)],
    (x, s) => cp.maskedScatter(x, bool([1, 0, 1]), s),
  ],
  [
    'indexPut [3,4] repeated places',
    () => [X([3, 4]), cp.tensor([1, 2, 3])],
    (x, v) => x.indexPut([int([0, 0, 2]), int([1, 1, 3])], v),
  ],
  ['cumsum [2,3] dim 1', () => [X([2, 3])], (x) => x.cumsum(1)],
  ['cumsum [2,3,2] dim -3', () => [X([2, 3, 2])], (x) => cp.cumsum(x, -3)],
  ['cumprod [2,4] dim 1', () => [X([2, 4], 0.5, 0.3)], (x) => x.cumprod(1)],
  [
    'cumprod with zeros',
    () => [
      cp.tensor([
        [2, 0, 3, 4],
        [0, 2, 0, 5],
        [1.5, -2, 0.5, 0],
      ]),
    ],
    (x) => cp.cumprod(x, 1),
  ],
  ['cumprod [3,2] dim 0', () => [X([3, 2], -1.2, 0.5)], (x) => x.cumprod(0)],
  ['sort with ties and NaN', () => [sortInput()], (x) => x.sort({ dim: 1, stable: true }).values],
  ['sort with ties and NaN: indices', () => [sortInput()], (x) => cp.sort(x, { dim: 1 }).indices],
  [
    'sort descending with ties and NaN',
    () => [sortInput()],
    (x) => x.sort({ dim: -1, descending: true, stable: true }).values,
  ],
  ['sort descending with ties and NaN: indices', () => [sortInput()], (x) => x.sort({ descending: true }).indices],
  [
    'sort [3,2,2] dim 0',
    () => [cp.tensor([3, 1, 2, 8, -1, 4, 2, 0, 0.5, 9, 7, -3], { shape: [3, 2, 2] })],
    (x) => cp.sort(x, { dim: 0 }).values,
  ],
  [
    'argsort [2,3] dim 0 descending',
    () => [cp.tensor([1, 5, 2, 3, 0, 2], { shape: [2, 3] })],
    (x) => x.argsort({ dim: 0, descending: true }),
  ],
  ['topk 3', () => [cp.tensor([4, 1, 7, 7, -2, 0, NaN, 3, 3, 9], { shape: [2, 5] })], (x) => x.topk(3).values],
  [
    'topk 3: indices',
    () => [cp.tensor([4, 1, 7, 6, -2, 0, NaN, 3, 5, 9], { shape: [2, 5] })],
    (x) => cp.topk(x, 3).indices,
  ],
  [
    'topk 2 smallest dim 0',
    () => [X([3, 4], 2, -0.7).reshape(4, 3).t().contiguous()],
    (x) => x.topk(2, { dim: 0, largest: false }).values,
  ],
  ['oneHot [2,2]', () => [int([0, 2, 1, 0], [2, 2])], (i) => cp.F.oneHot(i)],
  ['oneHot [3] into 4', () => [int([3, 0, 1])], (i) => cp.F.oneHot(i, 4)],
];

/**
 * float32 agreement with a float64 value: a few float32 ulps relative, or 1e-6 absolute near 0; NaN must
 * be NaN, and with `signedZeros` a zero must have PyTorch's sign (values; gradients may differ in it).
 */
function expectNear(what: string, got: ArrayLike<number>, want: number[], signedZeros = false): void {
  expect(got.length, what).toBe(want.length);
  want.forEach((w, i) => {
    const ok = Number.isNaN(w)
      ? Number.isNaN(got[i])
      : Math.abs(got[i] - w) <= Math.max(1e-6, 4e-7 * Math.abs(w)) && (!signedZeros || w !== 0 || Object.is(got[i], w));
    if (!ok)
      throw new Error(
        `${what}: element ${i} is ${Object.is(got[i], -0) ? '-0' : got[i]}, PyTorch ${Object.is(w, -0) ? '-0' : w}`,
      );
  });
}

const S = [2, 3];
const rnd = (shape: number[]) => ({ shape });
const intIndex = (n: number, size: number, seed: number, shape = [n]): T =>
  int(
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => (i * 7 + seed) % size),
    shape,
  );

/** Gradient cases at small and realistic sizes (finite differences and the reference backend). */
const CASES: OpCase[] = [
  { name: 'repeat [2,3] by (2,1,3)', inputs: [rnd(S)], fn: (x) => x.repeat(2, 1, 3) },
  { name: 'repeat [16,32] by (4,2)', inputs: [rnd([16, 32])], fn: (x) => x.repeat(4, 2), noGradcheck: true },
  { name: 'tile [2,3] by (2)', inputs: [rnd(S)], fn: (x) => cp.tile(x, [2]) },
  { name: 'flip [2,3,4] dims (0,2)', inputs: [rnd([2, 3, 4])], fn: (x) => x.flip(0, 2) },
  { name: 'flip [64,48] dims (1)', inputs: [rnd([64, 48])], fn: (x) => x.flip(1), noGradcheck: true },
  { name: 'roll [3,4] by (2,-1) over (1,0)', inputs: [rnd([3, 4])], fn: (x) => x.roll([2, -1], [1, 0]) },
  { name: 'roll [5] flattened by -7', inputs: [rnd([5])], fn: (x) => cp.roll(x, -7) },
  { name: 'triu [2,3,4] diagonal -1', inputs: [rnd([2, 3, 4])], fn: (x) => x.triu(-1) },
  { name: 'tril [64,64]', inputs: [rnd([64, 64])], fn: (x) => x.tril(), noGradcheck: true },
  { name: 'maskedFill [2,3] with a 0-d value', inputs: [rnd(S), rnd([])], fn: (x, v) => x.maskedFill(m23(), v) },
  // NOTE: at a repeated place PyTorch's rule gives every src entry the gradient, though only the last one
  // shows in the value, so finite differences disagree there by design; the reference backend still checks it.
  {
    name: 'scatter [3,4] dim 1 with repeated places',
    inputs: [rnd([3, 4]), rnd([3, 2])],
    fn: (x, s) => x.scatter(1, idx(), s),
    noGradcheck: true,
  },
  {
    name: 'scatter [3,4] dim 0',
    inputs: [rnd([3, 4]), rnd([2, 4])],
    fn: (x, s) => x.scatter(0, int([0, 2, 1, 1, 2, 0, 0, 2], [2, 4]), s),
  },
  { name: 'scatterAdd [3,4] dim 0', inputs: [rnd([3, 4]), rnd([2, 4])], fn: (x, s) => x.scatterAdd(0, idx0(), s) },
  {
    name: 'scatterAdd [32,50] dim 1 from [32,80]',
    inputs: [rnd([32, 50]), rnd([32, 80])],
    fn: (x, s) => cp.scatterAdd(x, 1, intIndex(0, 50, 3, [32, 80]), s),
    noGradcheck: true,
  },
  {
    name: 'indexAdd [4,3] dim 1 alpha -0.5',
    inputs: [rnd([4, 3]), rnd([4, 2])],
    fn: (x, s) => x.indexAdd(1, int([2, 2]), s, { alpha: -0.5 }),
  },
  {
    name: 'indexAdd [100,16] dim 0 (an embedding update)',
    inputs: [rnd([100, 16]), rnd([64, 16])],
    fn: (x, s) => cp.indexAdd(x, 0, intIndex(64, 100, 5), s),
    noGradcheck: true,
  },
  {
    name: 'indexPut [3,4] with repeated places',
    inputs: [rnd([3, 4]), rnd([3])],
    fn: (x, v) => x.indexPut([int([0, 0, 2]), int([1, 1, 3])], v),
    noGradcheck: true,
  },
  {
    name: 'indexPut [3,4] rows with a broadcast 0-d value',
    inputs: [rnd([3, 4]), rnd([])],
    fn: (x, v) => x.indexPut([int([2, 0])], v),
  },
  {
    name: 'indexPut [3,4] accumulate',
    inputs: [rnd([3, 4]), rnd([3])],
    fn: (x, v) => x.indexPut([int([0, 0, 2]), int([1, 1, 3])], v, { accumulate: true }),
  },
  { name: 'maskedScatter [2,3]', inputs: [rnd(S), rnd([7])], fn: (x, s) => x.maskedScatter(m23(), s) },
  { name: 'cumsum [3,4] dim 1', inputs: [rnd([3, 4])], fn: (x) => x.cumsum(1) },
  { name: 'cumsum [64,128] dim 0', inputs: [rnd([64, 128])], fn: (x) => cp.cumsum(x, 0), noGradcheck: true },
  { name: 'cumprod [3,4] dim 1', inputs: [{ shape: [3, 4], range: [0.5, 1.5] }], fn: (x) => x.cumprod(1) },
  {
    name: 'cumprod with zeros (first, middle, last, two)',
    inputs: [{ shape: [4, 4], values: [0, 1.5, 2, -1, 1.2, 0, 0.5, 2, 0.7, -1.3, 1.1, 0, 0, 2, 0, 1.5] }],
    fn: (x) => x.cumprod(1),
  },
  { name: 'cumprod [2,3,4] dim -2', inputs: [{ shape: [2, 3, 4], range: [-1.5, 1.5] }], fn: (x) => cp.cumprod(x, -2) },
  { name: 'sort [3,5] dim 1', inputs: [rnd([3, 5])], fn: (x) => x.sort({ dim: 1 }).values },
  {
    name: 'sort [4,3,2] dim 0 descending',
    inputs: [rnd([4, 3, 2])],
    fn: (x) => cp.sort(x, { dim: 0, descending: true }).values,
  },
  { name: 'sort [32,200] dim -1', inputs: [rnd([32, 200])], fn: (x) => x.sort().values, noGradcheck: true },
  { name: 'topk 2 of [3,5]', inputs: [rnd([3, 5])], fn: (x) => x.topk(2).values },
  {
    name: 'topk 3 smallest of [5,4] dim 0',
    inputs: [rnd([5, 4])],
    fn: (x) => cp.topk(x, 3, { dim: 0, largest: false }).values,
  },
  { name: 'topk 10 of [64,1000]', inputs: [rnd([64, 1000])], fn: (x) => x.topk(10).values, noGradcheck: true },
];

/** The ops of this file, through the public API. */
export const tensorOpsSuite: Suite = (ctx) => {
  registerOpCases(
    ctx,
    'op gradients: repeat, tile, flip, roll, triu, tril, maskedFill, scatter family, cumsum, cumprod, sort, topk',
    CASES,
  );

  describe('rearranging, masking and scattering ops agree with PyTorch', () => {
    for (const [name, inputs, fn] of TORCH_CASES) {
      test(`${name} matches PyTorch`, () => {
        const want = TORCH_TENSOR_OPS[name];
        expect(want, `no PyTorch result named ${name}`).toBeDefined();
        cp.tidy(() => {
          const xs = inputs().map((x) => (x.dtype === 'float32' ? x.requiresGrad_() : x));
          const y = fn(...xs);
          expect(y.shape).toEqual(want.shape);
          expectNear(`${name} value`, y.dataSync(), want.value, true);
          if (!want.grads) {
            expect(y.requiresGrad).toBe(false);
            return;
          }
          const w = cp.tensor(
            Array.from({ length: y.size }, (_, i) => 0.1 * (i + 1)),
            { shape: y.shape },
          );
          y.backward(w);
          xs.filter((x) => x.dtype === 'float32').forEach((x, i) => {
            expectNear(`${name} gradient of input ${i}`, x.grad!.dataSync(), want.grads![i]!);
          });
        });
      });
    }
  });

  describe('rearranging, masking and scattering ops: edge cases', () => {
    test('empty tensors: repeat, flip, roll, triu, scatterAdd with an empty index', () => {
      cp.tidy(() => {
        expect(cp.zeros([0, 3]).repeat(2, 2).shape).toEqual([0, 6]);
        expect(cp.zeros([2, 3]).repeat(0, 1).shape).toEqual([0, 3]);
        expect(cp.zeros([0, 3]).flip(0, 1).shape).toEqual([0, 3]);
        expect(cp.zeros([3, 0]).roll(2, 1).shape).toEqual([3, 0]);
        expect(cp.zeros([0, 4]).triu().shape).toEqual([0, 4]);
        const x = X([2, 3]);
        const y = x.scatterAdd(1, int([], [2, 0]), cp.zeros([2, 0]));
        expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
        expect(cp.F.oneHot(int([], [0]), 3).shape).toEqual([0, 3]);
      });
    });
    test('NaN: triu zeroes a NaN it drops and keeps one it keeps; maskedFill writes NaN; scatter overwrites NaN', () => {
      cp.tidy(() => {
        const x = cp.tensor([
          [NaN, 1],
          [NaN, NaN],
        ]);
        expect(Array.from(x.triu().dataSync())).toEqual([NaN, 1, 0, NaN]);
        expect(
          Array.from(
            cp
              .tensor([1, 2])
              .maskedFill(bool([0, 1]), NaN)
              .dataSync(),
          ),
        ).toEqual([1, NaN]);
        expect(
          Array.from(
            cp
              .tensor([NaN, NaN])
              .scatter(0, int([1]), 3)
              .dataSync(),
          ),
        ).toEqual([NaN, 3]);
      });
    });
    test('-0 survives a scatter and an indexPut, and integer inputs keep their dtype', () => {
      cp.tidy(() => {
        const y = cp.tensor([1, 2]).scatter(0, int([0]), cp.tensor([-0]));
        expect(Object.is(y.dataSync()[0], -0)).toBe(true);
        const z = cp.tensor([5, 6]).indexPut([int([1])], cp.tensor(-0));
        expect(Object.is(z.dataSync()[1], -0)).toBe(true);
        const i = int([1, 2, 3, 4], [2, 2]);
        expect(i.triu().dtype).toBe('int32');
        expect(Array.from(i.triu().dataSync())).toEqual([1, 2, 0, 4]);
        expect(Array.from(i.maskedFill(bool([1, 0]), 2.5).dataSync())).toEqual([2, 2, 2, 4]);
        expect(
          Array.from(i.scatterAdd(1, int([1, 1, 0, 0], [2, 2]), int([10, 20, 30, 40], [2, 2])).dataSync()),
        ).toEqual([1, 32, 73, 4]);
        expect(i.flip(0).dtype).toBe('int32');
      });
    });
    test('0-d inputs: flip and roll return the value, scatter into a 0-d tensor', () => {
      cp.tidy(() => {
        expect(cp.tensor(2.5).flip(0).item()).toBe(2.5);
        expect(cp.tensor(2.5).roll(3, 0).item()).toBe(2.5);
        expect(
          cp
            .tensor(2.5)
            .scatter(0, int([0], []), 4)
            .item(),
        ).toBe(4);
      });
    });
    test('scans and sorts of empty, 0-d, int32 and bool tensors', () => {
      cp.tidy(() => {
        expect(cp.zeros([0, 3]).cumsum(0).shape).toEqual([0, 3]);
        expect(cp.zeros([2, 0]).sort().values.shape).toEqual([2, 0]);
        expect(cp.zeros([2, 3]).topk(0).values.shape).toEqual([2, 0]);
        expect(cp.tensor(2.5).cumprod(0).item()).toBe(2.5);
        const s = cp.tensor(2.5).sort();
        expect([s.values.shape, s.values.item(), s.indices.item()]).toEqual([[], 2.5, 0]);
        expect(cp.tensor(2.5).topk(1).indices.shape).toEqual([]);
        const i = int([3, -1, 3, 0]);
        expect(Array.from(i.sort({ descending: true }).values.dataSync())).toEqual([3, 3, 0, -1]);
        expect(Array.from(i.argsort().dataSync())).toEqual([1, 3, 0, 2]);
        expect(Array.from(i.cumsum(0).dataSync())).toEqual([3, 2, 5, 5]);
        expect(Array.from(int([2147483647, 1]).cumsum(0).dataSync())).toEqual([2147483647, -2147483648]);
        expect(Array.from(int([65536, 65536]).cumprod(0).dataSync())).toEqual([65536, 0]);
        const b = bool([1, 0, 1]);
        expect(b.cumsum(0).dtype).toBe('int32');
        expect(Array.from(b.cumsum(0).dataSync())).toEqual([1, 1, 2]);
        expect(Array.from(b.sort().values.dataSync())).toEqual([0, 1, 1]);
        expect(cp.tensor([1, 2]).sort().indices.dtype).toBe('int32');
      });
    });
    test("cumprod of a slice of zeros after the first one: the gradient is PyTorch's", () => {
      cp.tidy(() => {
        const x = cp.tensor([0, 0, 2], { requiresGrad: true });
        x.cumprod(0).sum().backward();
        // torch.tensor([0., 0., 2.], requires_grad=True).cumprod(0).sum().backward() gives [1, 0, 0].
        expect(Array.from(x.grad!.dataSync())).toEqual([1, 0, 0]);
      });
    });
    test('sort, topk, cumsum, cumprod, flip, roll, repeat and triu, forward and backward, never read back', async () => {
      const be = noSyncReads(ctx.backend());
      const x = cp.tensor([3, 1, 2, 0, 5, 4], { shape: [2, 3], requiresGrad: true, backend: be });
      const y = cp.add(
        cp.add(x.sort({ dim: 1 }).values.sum(), x.topk(2).values.mul(2).sum()),
        cp.add(cp.add(x.cumsum(1).cumprod(0).sum(), x.flip(0).roll(1, 1).mul(x).sum()), x.repeat(2, 1).triu(1).sum()),
      );
      const value = await y.data();
      y.backward();
      const g = Array.from(await x.grad!.data());
      x.grad!.dispose();
      const r = ctx.backend();
      const xr = cp.tensor([3, 1, 2, 0, 5, 4], { shape: [2, 3], requiresGrad: true, backend: r });
      const yr = cp.add(
        cp.add(xr.sort({ dim: 1 }).values.sum(), xr.topk(2).values.mul(2).sum()),
        cp.add(
          cp.add(xr.cumsum(1).cumprod(0).sum(), xr.flip(0).roll(1, 1).mul(xr).sum()),
          xr.repeat(2, 1).triu(1).sum(),
        ),
      );
      const want = yr.dataSync();
      yr.backward();
      expect(g).toEqual(Array.from(xr.grad!.dataSync()));
      expect(value).toEqual(want);
    });
    test('flip and roll of nothing return a new tensor, not the input', () => {
      cp.tidy(() => {
        const x = X([2, 3]);
        expect(x.flip([])).not.toBe(x);
        expect(x.roll(3, 1)).not.toBe(x);
        expect(Array.from(x.roll(3, 1).dataSync())).toEqual(Array.from(x.dataSync()));
      });
    });
  });

  describe('rearranging, masking and scattering ops: errors name the op and the shapes', () => {
    const cases: [string, () => unknown, RegExp][] = [
      [
        'repeat with too few counts',
        () => X([2, 3]).repeat(2),
        /^repeat: got 1 repeat counts for a tensor of shape \[2, 3\]/,
      ],
      ['repeat with a negative count', () => X([2]).repeat(-1), /^repeat: reps must be >= 0/],
      ['flip with a repeated dim', () => X([2, 3]).flip(0, -2), /^flip: dims \[0,-2\] repeat a dim/],
      ['flip with a dim out of range', () => X([2, 3]).flip(2), /^flip: /],
      ['roll with mismatched shifts and dims', () => X([2, 3]).roll([1, 2], [0]), /^roll: shifts .* same length/],
      ['triu of a vector', () => X([3]).triu(), /^triu: input must have at least 2 dims, got shape \[3\]/],
      ['tril with a fractional diagonal', () => X([2, 2]).tril(0.5), /^tril: /],
      ['maskedFill with a float mask', () => X([2]).maskedFill(X([2]), 1), /^maskedFill: mask must be bool/],
      [
        'maskedFill with a mask that does not broadcast',
        () => X([2, 3]).maskedFill(bool([1, 0]), 1),
        /^maskedFill: .*\[2\].*\[2, 3\]/,
      ],
      [
        'topk with k above the size',
        () => X([2, 3]).topk(4),
        /^topk: k = 4 is out of range for dim 1 of size 3 \(shape \[2, 3\]\)/,
      ],
      ['topk with a negative k', () => X([3]).topk(-1), /^topk: k = -1/],
      ['topk with an unknown option', () => X([3]).topk(1, { dims: 0 } as never), /^topk: unknown option 'dims'/],
      ['sort along a dim out of range', () => X([2, 3]).sort({ dim: 2 }), /^sort: /],
      [
        'sort with a non-boolean descending',
        () => X([3]).sort({ descending: 1 as never }),
        /^sort: descending must be a boolean/,
      ],
      ['cumsum along a dim out of range', () => X([2]).cumsum(1), /^cumsum: /],
      ['oneHot of floats', () => cp.F.oneHot(X([2])), /^oneHot: indices must be int32/],
      ['oneHot with a negative index', () => cp.F.oneHot(int([1, -1])), /^oneHot: index -1 .* negative/],
      [
        'oneHot with too few classes',
        () => cp.F.oneHot(int([3]), 2),
        /^oneHot: index 3 is out of range for numClasses 2/,
      ],
      ['scatter with an index out of range', () => X([2, 3]).scatter(1, int([3, 0], [2, 1]), 1), /^scatter: /],
      [
        'scatter with an index of another shape',
        () => X([2, 3]).scatter(1, int([0], [1, 1]), 1),
        /^scatter: index shape \[1, 1\] must match input shape \[2, 3\] except in dim 1/,
      ],
      [
        'scatterAdd with a src smaller than the index',
        () => X([2, 3]).scatterAdd(1, int([0, 1, 0, 1], [2, 2]), X([2, 1])),
        /^scatterAdd: src shape \[2, 1\] is smaller than index shape \[2, 2\]/,
      ],
      [
        'scatterAdd with another dtype',
        () => X([2]).scatterAdd(0, int([0]), int([1])),
        /^scatterAdd: src is int32 but the input is float32/,
      ],
      ['scatterAdd with a float index', () => X([2]).scatterAdd(0, X([1]), X([1])), /^scatterAdd: index must be int32/],
      [
        'indexAdd with a source of the wrong shape',
        () => X([4, 3]).indexAdd(0, int([0, 1]), X([3, 3])),
        /^indexAdd: source shape \[3, 3\] must be the input's \[4, 3\] with dim 0 of size 2/,
      ],
      [
        'indexAdd with a negative index',
        () => X([4]).indexAdd(0, int([-1]), X([1])),
        /^indexAdd: index -1 .* out of range/,
      ],
      [
        'indexPut with index tensors that do not broadcast',
        () => X([3, 4]).indexPut([int([0, 1]), int([0, 1, 2])], 1),
        /^indexPut: /,
      ],
      [
        'indexPut with too many index tensors',
        () => X([3]).indexPut([int([0]), int([0])], 1),
        /^indexPut: 2 index tensors/,
      ],
      [
        'indexPut with values that do not broadcast',
        () => X([3, 4]).indexPut([int([0, 1])], X([3])),
        /^indexPut: values of shape \[3\] do not broadcast to the picked shape \[2, 4\]/,
      ],
      [
        'maskedScatter with too small a source',
        () => X([2, 3]).maskedScatter(m23(), X([2])),
        /^maskedScatter: the mask has 3 true places but source \(\[2\]\) has only 2 elements/,
      ],
    ];
    for (const [name, fn, message] of cases) {
      test(name, () => {
        cp.tidy(() => {
          let error: unknown;
          try {
            fn();
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(cp.CpError);
          expect((error as Error).message).toMatch(message);
        });
      });
    }
  });
};
