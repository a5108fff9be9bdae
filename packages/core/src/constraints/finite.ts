/**
 * Finiteness checks as read plans (engine/read.ts), shared by the constraint registry and the optimizer's step:
 * whether a tensor is all finite, how many NaN and ±Infinity entries it has, and which tensors of a list have
 * any, each with as few host reads as the answer needs.
 */
import { type ReadPlan, readNumber } from '../engine/read.js';
import { compare } from '../ops/compare.js';
import { stack } from '../ops/movement.js';
import type { Tensor } from '../tensor/tensor.js';

/** True when every entry of `t` is finite (one read). */
export function* everyFinite(t: Tensor): ReadPlan<boolean> {
  if (t.size === 0) return true;
  // NOTE: x·0 is 0 for every finite x and NaN for ±Infinity and NaN, so one sum tells whether all are finite.
  return !Number.isNaN(yield* readNumber(t.mul(0).sum()));
}

/** NaN and ±Infinity counts of `t` (one read). */
export function* countNonFinite(t: Tensor): ReadPlan<{ nan: number; inf: number }> {
  const [nan, nonFinite] = yield stack([compare('ne', t, t).float().sum(), compare('ne', t.mul(0), 0).float().sum()]);
  return { nan, inf: nonFinite - nan };
}

/**
 * The indices of the tensors of `list` that have a non-finite entry, with ONE host read for the whole list:
 * each tensor's sum, stacked. A sum is finite only if every term is (NaN and ±Infinity absorb), so a finite sum
 * settles it; a non-finite one is rechecked exactly (finite terms can sum past float32's range).
 */
export function* nonFiniteIndices(list: readonly Tensor[]): ReadPlan<number[]> {
  if (list.length === 0) return [];
  const sums = yield stack(list.map((t) => t.sum()));
  const bad: number[] = [];
  for (let i = 0; i < list.length; i++) {
    if (!Number.isFinite(sums[i]) && !(yield* everyFinite(list[i]))) bad.push(i);
  }
  return bad;
}
