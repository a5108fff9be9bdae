/**
 * The trigonometric and remainder ops added with the op table (tan, atan, asin, acos, atan2, fmod,
 * remainder, logaddexp): their gradients by finite differences and against the reference backend, and
 * their values and gradients against numbers printed by PyTorch 2 (float64, `torch.autograd.grad` of the sum).
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { Suite } from '../../context.js';
import { type OpCase, registerOpCases } from './op-harness.js';

const S = [2, 3];
const unit = { shape: S, range: [-0.9, 0.9] as [number, number] };

/** Gradient cases; fmod and remainder stay away from multiples of b, where their value jumps. */
const CASES: OpCase[] = [
  { name: 'tan', inputs: [{ shape: S, range: [-1.2, 1.2] }], fn: (x) => cp.tan(x) },
  { name: 'atan', inputs: [{ shape: S, range: [-3, 3] }], fn: (x) => cp.atan(x) },
  { name: 'asin inside (-1, 1)', inputs: [unit], fn: (x) => cp.asin(x) },
  { name: 'acos inside (-1, 1)', inputs: [unit], fn: (x) => cp.acos(x) },
  {
    name: 'atan2 broadcasting [2, 3] with [3]',
    inputs: [{ shape: S }, { shape: [3], awayFromZero: 0.3 }],
    fn: (a, b) => cp.atan2(a, b),
  },
  {
    name: 'fmod of tensors',
    inputs: [
      { shape: [4], values: [5.5, -5.5, 5.5, -5.5] },
      { shape: [4], values: [2, 2, -2, -2] },
    ],
    fn: (a, b) => cp.fmod(a, b),
  },
  {
    name: 'remainder of tensors',
    inputs: [
      { shape: [4], values: [5.5, -5.5, 5.5, -5.5] },
      { shape: [4], values: [2, 2, -2, -2] },
    ],
    fn: (a, b) => cp.remainder(a, b),
  },
  {
    name: 'logaddexp broadcasting [2, 3] with [2, 1]',
    inputs: [{ shape: S }, { shape: [2, 1] }],
    fn: (a, b) => cp.logaddexp(a, b),
  },
  { name: 'atan2 with a scalar', inputs: [{ shape: S }], fn: (x) => cp.atan2(x, 0.7) },
  { name: 'atan2 of a scalar', inputs: [{ shape: S, awayFromZero: 0.3 }], fn: (x) => cp.atan2(0.7, x) },
  {
    name: 'fmod of a scalar by a tensor',
    inputs: [{ shape: [3], values: [2.1, -1.3, 0.9] }],
    fn: (x) => cp.fmod(5.5, x),
  },
  {
    name: 'remainder of a scalar by a tensor',
    inputs: [{ shape: [3], values: [2.1, -1.3, 0.9] }],
    fn: (x) => cp.remainder(-5.5, x),
  },
  { name: 'remainder by a scalar', inputs: [{ shape: [3], values: [2.1, -1.3, 0.9] }], fn: (x) => x.remainder(-0.8) },
  {
    name: 'logaddexp with a scalar on either side',
    inputs: [{ shape: S }],
    fn: (x) => cp.add(cp.logaddexp(x, 1), cp.logaddexp(-1, x)),
  },
];

/** Values and gradients printed by PyTorch for x = [-0.7, 0.3, 0.9]. */
const TORCH_UNARY: [string, (x: cp.Tensor) => cp.Tensor, number[], number[]][] = [
  [
    'tan',
    (x) => x.tan(),
    [-0.8422883804630794, 0.30933624960962325, 1.2601582175503392],
    [1.7094497158631172, 1.095688915322547, 2.587998733259648],
  ],
  [
    'atan',
    (x) => x.atan(),
    [-0.6107259643892086, 0.2914567944778671, 0.7328151017865066],
    [0.6711409395973155, 0.9174311926605504, 0.5524861878453039],
  ],
  [
    'asin',
    (x) => x.asin(),
    [-0.775397496610753, 0.30469265401539747, 1.1197695149986342],
    [1.4002800840280099, 1.0482848367219182, 2.294157338705618],
  ],
  [
    'acos',
    (x) => x.acos(),
    [2.3461938234056494, 1.2661036727794992, 0.45102681179626236],
    [-1.4002800840280099, -1.0482848367219182, -2.294157338705618],
  ],
];

/** Values and gradients (for a, then b) printed by PyTorch for a = [5.5, -5.5, 5.5, -5.5], b = [2, 2, -2, -2]. */
const TORCH_BINARY: [string, (a: cp.Tensor, b: cp.Tensor) => cp.Tensor, number[], number[], number[]][] = [
  [
    'atan2',
    (a, b) => a.atan2(b),
    [1.2220253232109897, -1.2220253232109897, 1.9195673303788037, -1.9195673303788037],
    [0.058394160583941604, 0.058394160583941604, -0.058394160583941604, -0.058394160583941604],
    [-0.16058394160583941, 0.16058394160583941, -0.16058394160583941, 0.16058394160583941],
  ],
  ['fmod', (a, b) => a.fmod(b), [1.5, -1.5, 1.5, -1.5], [1, 1, 1, 1], [-2, 2, 2, -2]],
  ['remainder', (a, b) => a.remainder(b), [1.5, 0.5, -0.5, -1.5], [1, 1, 1, 1], [-2, 3, 3, -2]],
  [
    'logaddexp',
    (a, b) => a.logaddexp(b),
    [5.529750418272621, 2.0005529314753607, 5.500552931475361, -1.9702495817273793],
    [0.9706877692486436, 0.0005527786369235996, 0.9994472213630764, 0.02931223075135632],
    [0.02931223075135632, 0.9994472213630764, 0.0005527786369235996, 0.9706877692486436],
  ],
];

/** float32 agreement with a float64 value: a few float32 ulps relative, or 1e-6 absolute near 0. */
function expectNear(got: ArrayLike<number>, want: number[]): void {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => {
    expect(Math.abs(got[i] - w)).toBeLessThanOrEqual(Math.max(1e-6, 4e-7 * Math.abs(w)));
  });
}

/** The ops of the op table's first extension, through the public API. */
export const mathOpsSuite: Suite = (ctx) => {
  registerOpCases(ctx, 'op gradients: tan, atan, asin, acos, atan2, fmod, remainder, logaddexp', CASES);
  describe('math ops agree with PyTorch', () => {
    for (const [name, fn, value, grad] of TORCH_UNARY) {
      test(`${name} and its gradient match torch.${name}`, () => {
        const x = cp.tensor([-0.7, 0.3, 0.9], { requiresGrad: true });
        const y = fn(x);
        y.sum().backward();
        expectNear(y.dataSync(), value);
        expectNear(x.grad!.dataSync(), grad);
      });
    }
    for (const [name, fn, value, ga, gb] of TORCH_BINARY) {
      test(`${name} and its gradients match torch.${name}`, () => {
        const a = cp.tensor([5.5, -5.5, 5.5, -5.5], { requiresGrad: true });
        const b = cp.tensor([2, 2, -2, -2], { requiresGrad: true });
        const y = fn(a, b);
        y.sum().backward();
        expectNear(y.dataSync(), value);
        expectNear(a.grad!.dataSync(), ga);
        expectNear(b.grad!.dataSync(), gb);
      });
    }
    test('remainder keeps the sign of a zero result and logaddexp of equal infinities is that infinity', () => {
      expect(Object.is(cp.remainder(cp.tensor([-0]), 3).dataSync()[0], -0)).toBe(true);
      expect(cp.logaddexp(cp.tensor([-Infinity]), cp.tensor([-Infinity])).dataSync()[0]).toBe(-Infinity);
      expect(cp.logaddexp(cp.tensor([Infinity]), cp.tensor([Infinity])).dataSync()[0]).toBe(Infinity);
    });
  });
};
