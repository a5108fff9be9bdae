/**
 * The slices of a per-slice set, for reports: a set over `dim` (the dims each slice spans) is a product of one
 * set per index of the other dims, so `slicesOver` lists each such slice of a value, labelled as PyTorch
 * indexes it (`[3]` is filter 3 of a `[out, in, kH, kW]` kernel under `dim: [1, 2, 3]`; `[:, 2]` is column 2
 * of a matrix under `dim: 0`).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { type Constraint, type ConstraintSlice, reductionDims } from '../constraint.js';

/**
 * The labels of the slices of a tensor of `shape` over the reduced `dims` (sorted, non-negative), in row-major
 * order of the other dims (the order of a keepdim reduction's elements); null when there is only the whole.
 */
export function sliceLabels(shape: readonly number[], dims: readonly number[]): string[] | null {
  const kept = shape.map((_, d) => d).filter((d) => !dims.includes(d));
  if (kept.length === 0 || shape.some((n) => n === 0)) return null;
  const out: string[] = [];
  const index = kept.map(() => 0);
  const last = kept[kept.length - 1];
  for (;;) {
    const parts = Array.from({ length: last + 1 }, (_, d) => (kept.includes(d) ? String(index[kept.indexOf(d)]) : ':'));
    out.push(`[${parts.join(', ')}]`);
    let i = kept.length - 1;
    while (i >= 0 && ++index[i] === shape[kept[i]]) index[i--] = 0;
    if (i < 0) return out;
  }
}

/**
 * Every slice of `value` over `dim` (undefined: the whole tensor, so null), each narrowed to length 1 along the
 * other dims (so it keeps `value`'s number of dims and `c` applies to it as it is); null when there is only the
 * whole tensor.
 */
export function slicesOver(c: Constraint, value: Tensor, dim: number | number[] | undefined): ConstraintSlice[] | null {
  if (dim === undefined) return null;
  const dims = reductionDims(c.name, dim, value.ndim);
  const labels = sliceLabels(value.shape, dims);
  if (!labels) return null;
  const kept = value.shape.map((_, d) => d).filter((d) => !dims.includes(d));
  const strides = kept.map((_, i) => kept.slice(i + 1).reduce((a, d) => a * value.shape[d], 1));
  return labels.map((label, k) => {
    let part = value;
    kept.forEach((d, i) => {
      part = part.narrow(d, Math.floor(k / strides[i]) % value.shape[d], 1);
    });
    return { label, value: part, constraint: c };
  });
}
