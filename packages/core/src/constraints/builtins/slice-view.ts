/**
 * The slices of a per-slice set, for reports: a set over `dim` (the dims each slice spans) is a product of one
 * set per index of the other dims, so `slicesOver` lists each such slice of a value, labelled as PyTorch
 * indexes it (`[3]` is filter 3 of a `[out, in, kH, kW]` kernel under `dim: [1, 2, 3]`; `[:, 2]` is column 2
 * of a matrix under `dim: 0`).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { type Constraint, type ConstraintSlice, reductionDims } from '../constraint.js';

/**
 * Every slice of `value` over `dim` (undefined: the whole tensor, so null), each narrowed to length 1 along the
 * other dims (so it keeps `value`'s number of dims and `c` applies to it as it is); null when there is only the
 * whole tensor.
 */
export function slicesOver(c: Constraint, value: Tensor, dim: number | number[] | undefined): ConstraintSlice[] | null {
  if (dim === undefined || value.size === 0) return null;
  const dims = reductionDims(c.name, dim, value.ndim);
  const kept = Array.from({ length: value.ndim }, (_, d) => d).filter((d) => !dims.includes(d));
  if (kept.length === 0) return null;
  const out: ConstraintSlice[] = [];
  const index = kept.map(() => 0);
  const last = kept[kept.length - 1];
  for (;;) {
    let part = value;
    kept.forEach((d, i) => {
      part = part.narrow(d, index[i], 1);
    });
    const parts = Array.from({ length: last + 1 }, (_, d) => (kept.includes(d) ? String(index[kept.indexOf(d)]) : ':'));
    out.push({ label: `[${parts.join(', ')}]`, value: part, constraint: c });
    let i = kept.length - 1;
    while (i >= 0 && ++index[i] === value.shape[kept[i]]) index[i--] = 0;
    if (i < 0) return out;
  }
}
