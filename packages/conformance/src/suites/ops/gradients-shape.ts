/**
 * Gradients of shape and indexing ops, which lower to copyStrided, fill, gather and scatterAdd: permute,
 * transpose, expand, slice with a step, narrow, cat, stack, split, chunk, reshape family, indexSelect and
 * gather with repeated indices, and where with broadcasting. Ops that return several tensors are checked
 * through a weighted cat of their parts, so every part's gradient matters.
 */
import * as cp from '@cp/core';
import type { Suite } from '../../context.js';
import { type OpCase, registerOpCases } from './op-harness.js';

const S3 = [2, 3, 4];

/** An int32 index tensor on `like`'s backend. */
const index = (like: cp.Tensor, values: number[], shape = [values.length]): cp.Tensor =>
  cp.tensor(Int32Array.from(values), { shape, backend: like.backend });

/** A bool mask on `like`'s backend. */
const mask = (like: cp.Tensor, values: number[], shape: number[]): cp.Tensor =>
  cp.tensor(Uint8Array.from(values), { shape, backend: like.backend });

/** Parts weighted 1, 2, 3, ... and concatenated, so each part's gradient is distinct. */
const weightedCat = (parts: cp.Tensor[], dim: number): cp.Tensor =>
  cp.cat(
    parts.map((p, i) => cp.mul(p, i + 1)),
    dim,
  );

const SHAPE_CASES: OpCase[] = [
  { name: 'permute [2, 0, 1]', inputs: [{ shape: S3 }], fn: (x) => cp.permute(x, [2, 0, 1]) },
  { name: 'transpose of the last two dims', inputs: [{ shape: S3 }], fn: (x) => cp.transpose(x, 1, 2) },
  { name: 'expand [3, 1] to [2, 3, 4]', inputs: [{ shape: [3, 1] }], fn: (x) => cp.expand(x, [2, 3, 4]) },
  { name: 'expand a scalar', inputs: [{ shape: [] }], fn: (x) => cp.expand(x, [2, 2]) },
  { name: 'slice with step 2', inputs: [{ shape: [7, 2] }], fn: (x) => cp.slice(x, 0, 1, 7, 2) },
  { name: 'slice with negative bounds and step 3', inputs: [{ shape: [2, 8] }], fn: (x) => cp.slice(x, -1, -7, -1, 3) },
  { name: 'narrow', inputs: [{ shape: S3 }], fn: (x) => cp.narrow(x, 2, 1, 2) },
  { name: 'cat along dim 0', inputs: [{ shape: [2, 3] }, { shape: [1, 3] }], fn: (a, b) => cp.cat([a, b], 0) },
  {
    name: 'cat along dim 1 with a repeated tensor',
    inputs: [{ shape: [2, 3] }, { shape: [2, 1] }],
    fn: (a, b) => cp.cat([a, b, a], 1),
  },
  {
    name: 'stack along a new middle dim',
    inputs: [{ shape: [2, 3] }, { shape: [2, 3] }],
    fn: (a, b) => cp.stack([a, b], 1),
  },
  { name: 'split into sizes [1, 3]', inputs: [{ shape: [2, 4] }], fn: (x) => weightedCat(cp.split(x, [1, 3], 1), 1) },
  {
    name: 'split into pieces of 2 (last one smaller)',
    inputs: [{ shape: [5, 2] }],
    fn: (x) => weightedCat(cp.split(x, 2, 0), 0),
  },
  { name: 'chunk into 3', inputs: [{ shape: [2, 7] }], fn: (x) => weightedCat(cp.chunk(x, 3, 1), 1) },
  {
    name: 'reshape, flatten, squeeze and unsqueeze',
    inputs: [{ shape: [2, 1, 3] }],
    fn: (x) => cp.unsqueeze(cp.flatten(cp.squeeze(cp.reshape(x, [1, 2, 1, 3]))), 0),
  },
  {
    name: 'indexSelect with repeated indices',
    inputs: [{ shape: [4, 3] }],
    fn: (x) => cp.indexSelect(x, 0, index(x, [2, 0, 2, 3])),
  },
  {
    name: 'indexSelect along the last dim',
    inputs: [{ shape: S3 }],
    fn: (x) => cp.indexSelect(x, 2, index(x, [3, 3, 1])),
  },
  {
    name: 'gather along dim 1 with repeated indices',
    inputs: [{ shape: [2, 3] }],
    fn: (x) => cp.gather(x, 1, index(x, [0, 2, 2, 1, 1, 1, 0, 0], [2, 4])),
  },
  {
    name: 'gather along dim 0',
    inputs: [{ shape: [3, 2] }],
    fn: (x) => cp.gather(x, 0, index(x, [2, 0, 1, 1], [2, 2])),
  },
  {
    name: 'where with a broadcast condition and operands',
    inputs: [{ shape: [2, 3] }, { shape: [3] }],
    fn: (a, b) => cp.where(mask(a, [1, 0, 1], [3]), a, b),
  },
  {
    name: 'where with a scalar branch',
    inputs: [{ shape: [2, 3] }],
    fn: (a) => cp.where(mask(a, [1, 0, 0, 1, 1, 0], [2, 3]), a, 0.5),
  },
  {
    name: 'a composite: softmax of a permuted slice times a broadcast matmul',
    inputs: [{ shape: [3, 4] }, { shape: [3, 2] }],
    fn: (x, w) =>
      cp.matmul(
        w,
        cp
          .softmax(cp.slice(cp.permute(x, [1, 0]), 0, 0, 4, 2), 0)
          .t()
          .t(),
      ),
  },
];

/** Gradients of shape and indexing ops. */
export const shapeGradientSuite: Suite = (ctx) => {
  registerOpCases(ctx, 'op gradients: shape and indexing ops', SHAPE_CASES);
};
