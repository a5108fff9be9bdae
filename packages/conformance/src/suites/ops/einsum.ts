/**
 * einsum: every equation of einsum-torch.ts (matrix products, diagonal, trace, implicit outputs, three
 * operands, `...` broadcasting and summing, size-1 broadcasting) against PyTorch 1.13 values and gradients,
 * gradients by finite differences and against the reference backend, and the errors for bad equations.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { Suite } from '../../context.js';
import { TORCH_EINSUM } from './einsum-torch.js';
import { type OpCase, registerOpCases } from './op-harness.js';

/** `start + step * arange(n)` in `shape`, as the PyTorch script builds operand k (start -1 + 0.2k, step 0.35 - 0.1k). */
function operand(shape: number[], k: number): cp.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return cp.tensor(
    Array.from({ length: n }, (_, i) => -1 + 0.2 * k + (0.35 - 0.1 * k) * i),
    { shape, requiresGrad: true },
  );
}

function expectNear(what: string, got: ArrayLike<number>, want: number[]): void {
  expect(got.length, what).toBe(want.length);
  want.forEach((w, i) => {
    if (!(Math.abs(got[i] - w) <= Math.max(2e-6, 2e-6 * Math.abs(w))))
      throw new Error(`${what}: element ${i} is ${got[i]}, PyTorch ${w}`);
  });
}

/** Finite differences and the reference backend, at small and realistic sizes. */
const CASES: OpCase[] = [
  {
    name: "einsum 'ij,jk->ik'",
    inputs: [{ shape: [2, 3] }, { shape: [3, 4] }],
    fn: (a, b) => cp.einsum('ij,jk->ik', a, b),
  },
  { name: "einsum 'ii->i'", inputs: [{ shape: [3, 3] }], fn: (a) => cp.einsum('ii->i', a) },
  {
    name: "einsum 'iij,j' (diagonal, then contraction)",
    inputs: [{ shape: [3, 3, 2] }, { shape: [2] }],
    fn: (a, b) => cp.einsum('iij,j', a, b),
  },
  {
    name: "einsum 'bn,anm,bm->ba' (bilinear)",
    inputs: [{ shape: [2, 3] }, { shape: [2, 3, 4] }, { shape: [2, 4] }],
    fn: (a, w, b) => cp.einsum('bn,anm,bm->ba', [a, w, b]),
  },
  {
    name: "einsum '...ij,...jk->...ik' broadcasting",
    inputs: [{ shape: [2, 1, 2, 3] }, { shape: [3, 3, 2] }],
    fn: (a, b) => cp.einsum('...ij,...jk->...ik', a, b),
  },
  { name: "einsum '...i->i' sums the ... dims", inputs: [{ shape: [2, 3] }], fn: (a) => cp.einsum('...i->i', a) },
  {
    name: "einsum 'bhqd,bhkd->bhqk' at attention size",
    inputs: [{ shape: [8, 4, 16, 32] }, { shape: [8, 4, 16, 32] }],
    fn: (q, k) => cp.einsum('bhqd,bhkd->bhqk', q, k),
    noGradcheck: true,
  },
];

/** The einsum op, through the public API. */
export const einsumSuite: Suite = (ctx) => {
  registerOpCases(ctx, 'op gradients: einsum', CASES);

  describe('einsum agrees with PyTorch', () => {
    for (const [name, want] of Object.entries(TORCH_EINSUM)) {
      test(`${name} '${want.equation}' matches torch.einsum`, () => {
        cp.tidy(() => {
          const xs = want.shapes.map((s, k) => operand(s, k));
          const y = cp.einsum(want.equation, ...xs);
          expect(y.shape).toEqual(want.shape);
          expectNear(`${name} value`, y.dataSync(), want.value);
          const w = cp.tensor(
            Array.from({ length: y.size }, (_, i) => 0.1 * (i + 1)),
            { shape: y.shape },
          );
          y.backward(w);
          xs.forEach((x, i) => {
            expectNear(`${name} gradient of operand ${i}`, x.grad!.dataSync(), want.grads![i]!);
          });
        });
      });
    }
    test('an identity equation returns a new tensor, and empty dims work', () => {
      cp.tidy(() => {
        const x = cp.ones([2, 3]);
        expect(cp.einsum('ij->ij', x)).not.toBe(x);
        expect(cp.einsum('ij,jk->ik', cp.ones([2, 0]), cp.ones([0, 3])).toArray()).toEqual([
          [0, 0, 0],
          [0, 0, 0],
        ]);
        expect(cp.einsum('i,j->ij', cp.ones([0]), cp.ones([2])).shape).toEqual([0, 2]);
      });
    });
  });

  describe('einsum: errors name the op, the equation and the shapes', () => {
    const x = () => cp.ones([2, 3]);
    const cases: [string, () => unknown, RegExp][] = [
      [
        'too few operands',
        () => cp.einsum('ij,jk->ik', x()),
        /^einsum: equation 'ij,jk->ik' has 2 input terms but 1 operands/,
      ],
      [
        'a label count that is not the rank',
        () => cp.einsum('ijk->i', x()),
        /^einsum: term 0 'ijk' has 3 labels for an operand with 2 dims/,
      ],
      ['a bad character', () => cp.einsum('i1->i', x()), /^einsum: term 0 'i1' has '1'/],
      ['two arrows', () => cp.einsum('ij->j->i', x()), /^einsum: equation 'ij->j->i' has more than one '->'/],
      [
        'an output label in no input',
        () => cp.einsum('ij->k', x()),
        /^einsum: output label 'k' of 'ij->k' is in no input term/,
      ],
      ['a repeated output label', () => cp.einsum('ij->ii', x()), /^einsum: output label 'i' repeats/],
      [
        'sizes that do not match',
        () => cp.einsum('ij,jk', x(), cp.ones([2, 3])),
        /^einsum: label 'j' has size 3 in one operand and 2 in operand 1 \(shape \[2, 3\]\)/,
      ],
      [
        'a diagonal of unequal dims',
        () => cp.einsum('ii->i', x()),
        /^einsum: label 'i' repeats in 'ii' over dims of sizes 2 and 3/,
      ],
      ['two ellipses', () => cp.einsum('...i...->i', x()), /^einsum: term 0 '...i...' has more than one '...'/],
      ['a non-string equation', () => cp.einsum(3 as never, x()), /^einsum: equation must be a string/],
      ['a non-tensor operand', () => cp.einsum('i', [1, 2] as never), /^einsum: operand 0: expected a tensor/],
    ];
    for (const [name, fn, message] of cases) {
      test(name, () => {
        let error: unknown;
        try {
          cp.tidy(fn);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(cp.CpError);
        expect((error as Error).message).toMatch(message);
      });
    }
  });
};
