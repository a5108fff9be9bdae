/**
 * Gradients of reductions (sum, mean, prod with zeros, max/min with ties, var, std, logsumexp, norms),
 * matmul in every rank combination PyTorch allows (1-D, 2-D, batched, broadcast batches), and
 * softmax/logSoftmax along every dim (the last one may take a backend's fused kernel).
 */
import * as cp from '@cp/core';
import type { Suite } from '../../context.js';
import { type OpCase, registerOpCases } from './op-harness.js';

const S3 = [2, 3, 4];
const distinct = (n: number, scale = 0.37): number[] =>
  Array.from({ length: n }, (_, i) => (((i * 7) % n) - n / 2) * scale + 0.05);
// NOTE: the +0.05 offset also keeps |x| distinct (no ±k·scale pairs), which norm p = Infinity needs.

/** Reductions over all dims, one dim, several dims, with and without keepdim. */
const REDUCE_CASES: OpCase[] = [
  { name: 'sum of all elements', inputs: [{ shape: S3 }], fn: (x) => cp.sum(x) },
  { name: 'sum over dim 1 with keepdim', inputs: [{ shape: S3 }], fn: (x) => cp.sum(x, 1, true) },
  { name: 'sum over non-adjacent dims [0, 2]', inputs: [{ shape: S3 }], fn: (x) => cp.sum(x, [0, 2]) },
  { name: 'mean over the last dim', inputs: [{ shape: S3 }], fn: (x) => cp.mean(x, -1) },
  { name: 'prod over a dim without zeros', inputs: [{ shape: [3, 4], range: [0.5, 1.5] }], fn: (x) => cp.prod(x, 1) },
  {
    name: 'prod with one zero and with two zeros in a slice',
    inputs: [{ shape: [3, 3], values: [0, 2, 3, 0, 0, 5, 1.5, -2, 0.5] }],
    fn: (x) => cp.prod(x, 1),
  },
  { name: 'prod of all elements', inputs: [{ shape: [2, 3], range: [0.5, 1.5] }], fn: (x) => cp.prod(x) },
  {
    name: 'max over a dim with distinct values',
    inputs: [{ shape: S3, values: distinct(24) }],
    fn: (x) => cp.max(x, 1),
  },
  {
    name: 'min over a dim with distinct values',
    inputs: [{ shape: S3, values: distinct(24) }],
    fn: (x) => cp.min(x, 2, true),
  },
  { name: 'max of all elements', inputs: [{ shape: [2, 3], values: distinct(6) }], fn: (x) => cp.max(x) },
  {
    name: 'max and min share the gradient evenly between ties',
    inputs: [{ shape: [2, 4], values: [1, 3, 3, 0, -2, -2, -2, 5] }],
    fn: (x) => cp.add(cp.max(x, 1), cp.min(x, 1)),
    noGradcheck: true,
  },
  { name: 'var with Bessel correction', inputs: [{ shape: S3 }], fn: (x) => cp.var_(x, 1) },
  {
    name: 'var with correction 0 over all dims',
    inputs: [{ shape: [2, 3] }],
    fn: (x) => cp.var_(x, undefined, { correction: 0 }),
  },
  { name: 'std over the last dim with keepdim', inputs: [{ shape: S3 }], fn: (x) => cp.std(x, -1, { keepdim: true }) },
  { name: 'logsumexp over a dim', inputs: [{ shape: S3 }], fn: (x) => cp.logsumexp(x, 1) },
  {
    name: 'logsumexp of large values does not overflow',
    inputs: [{ shape: [2, 3], range: [80, 90] }],
    fn: (x) => cp.logsumexp(x, 1),
  },
  { name: 'norm p = 1', inputs: [{ shape: S3, awayFromZero: 0.2 }], fn: (x) => cp.norm(x, 1, 2) },
  { name: 'norm p = 2', inputs: [{ shape: S3 }], fn: (x) => cp.norm(x, 2, 1) },
  { name: 'norm p = 2 of all elements', inputs: [{ shape: [2, 3] }], fn: (x) => cp.norm(x) },
  {
    name: 'norm p = Infinity',
    inputs: [{ shape: S3, values: distinct(24) }],
    fn: (x) => cp.norm(x, Number.POSITIVE_INFINITY, 2),
  },
  { name: 'norm p = 3', inputs: [{ shape: S3, awayFromZero: 0.2 }], fn: (x) => cp.norm(x, 3, 0) },
  {
    name: 'norm p = 2 of a zero row has gradient 0',
    inputs: [{ shape: [2, 2], values: [0, 0, 3, 4] }],
    fn: (x) => cp.norm(x, 2, 1),
    noGradcheck: true,
  },
];

/** matmul in every rank combination. */
const MATMUL_CASES: OpCase[] = [
  { name: 'matmul 1-D · 1-D (dot product)', inputs: [{ shape: [4] }, { shape: [4] }], fn: (a, b) => cp.matmul(a, b) },
  { name: 'matmul 1-D · 2-D', inputs: [{ shape: [3] }, { shape: [3, 2] }], fn: (a, b) => cp.matmul(a, b) },
  { name: 'matmul 2-D · 1-D', inputs: [{ shape: [2, 3] }, { shape: [3] }], fn: (a, b) => cp.matmul(a, b) },
  { name: 'matmul 2-D · 2-D', inputs: [{ shape: [2, 3] }, { shape: [3, 4] }], fn: (a, b) => cp.matmul(a, b) },
  {
    name: 'matmul batched · 2-D (broadcast batch)',
    inputs: [{ shape: [2, 2, 3] }, { shape: [3, 2] }],
    fn: (a, b) => cp.matmul(a, b),
  },
  {
    name: 'matmul batched · batched',
    inputs: [{ shape: [2, 2, 3] }, { shape: [2, 3, 2] }],
    fn: (a, b) => cp.matmul(a, b),
  },
  {
    name: 'matmul with batches [2, 1] and [3] broadcast to [2, 3]',
    inputs: [{ shape: [2, 1, 2, 3] }, { shape: [3, 3, 2] }],
    fn: (a, b) => cp.matmul(a, b),
  },
  { name: 'matmul 1-D · batched', inputs: [{ shape: [3] }, { shape: [2, 3, 2] }], fn: (a, b) => cp.matmul(a, b) },
  {
    name: 'matmul of a transposed operand',
    inputs: [{ shape: [3, 2] }, { shape: [3, 2] }],
    fn: (a, b) => cp.matmul(cp.transpose(a, 0, 1), b),
  },
];

/** softmax and logSoftmax along every dim of a 3-D tensor. */
const SOFTMAX_CASES: OpCase[] = [0, 1, 2, -1].flatMap((dim): OpCase[] => [
  { name: `softmax along dim ${dim}`, inputs: [{ shape: S3, range: [-3, 3] }], fn: (x) => cp.softmax(x, dim) },
  { name: `logSoftmax along dim ${dim}`, inputs: [{ shape: S3, range: [-3, 3] }], fn: (x) => cp.logSoftmax(x, dim) },
]);
SOFTMAX_CASES.push(
  { name: 'softmax of a 1-D tensor', inputs: [{ shape: [5], range: [-3, 3] }], fn: (x) => cp.softmax(x) },
  {
    name: 'logSoftmax of large logits does not overflow',
    inputs: [{ shape: [2, 3], range: [50, 60] }],
    fn: (x) => cp.logSoftmax(x, 1),
  },
);

/** Gradients of reductions, matmul and softmax. */
export const reduceGradientSuite: Suite = (ctx) => {
  registerOpCases(ctx, 'op gradients: reductions', REDUCE_CASES);
  registerOpCases(ctx, 'op gradients: matmul', MATMUL_CASES);
  registerOpCases(ctx, 'op gradients: softmax and logSoftmax', SOFTMAX_CASES);
};
