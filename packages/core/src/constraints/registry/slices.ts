/**
 * The per-slice lines of `constraintReport`: for a constraint made of independent slices (`Constraint.slices`:
 * a `dim` option, a batch of matrices, `chunk` blocks), each slice checked on its own and named
 * `param[label]`, e.g. `conv1.weight[3]` or `lstm.weight_hh_l0[gate f]`.
 */
import type { Parameter } from '../../nn/parameter.js';
import type { Constraint } from '../constraint.js';

/** One slice of a per-slice constraint in a report. */
export interface SliceReport {
  /** The parameter's name followed by the slice's label: `conv1.weight[3]`, `lstm.weight_hh_l0[gate f]`. */
  name: string;
  ok: boolean;
  maxViolation: number;
}

/** Each slice of `c` on `param`, checked on its own; null when `c` is one whole-tensor set. */
export function sliceReports(name: string, c: Constraint, param: Parameter): SliceReport[] | null {
  const slices = c.slices(param.detach());
  if (!slices) return null;
  return slices.map((s) => {
    const { ok, maxViolation } = s.constraint.check(s.value);
    return { name: `${name}${s.label}`, ok, maxViolation };
  });
}
