/**
 * `constraintReport`: for every named parameter and each of its value constraints, whether the constraint
 * holds now and by how much it is violated (each constraint's `check`, with its documented tolerance).
 */
import type { Parameter } from '../../nn/parameter.js';
import type { ConstraintMode } from '../constraint.js';
import { constraintsOf } from './store.js';

/** One line of `constraintReport`. */
export interface ConstraintReportEntry {
  /** The parameter's dotted name. */
  name: string;
  /** The constraint, e.g. `maxNorm(max=2, dim=1)`. */
  constraint: string;
  mode: ConstraintMode;
  ok: boolean;
  maxViolation: number;
}

/** Every (parameter, constraint) pair with whether it holds now and its largest violation. */
export function constraintReport(namedParams: Iterable<[string, Parameter]>): ConstraintReportEntry[] {
  const out: ConstraintReportEntry[] = [];
  for (const [name, p] of namedParams) {
    for (const { constraint, mode } of constraintsOf(p)) {
      const { ok, maxViolation } = constraint.check(p);
      out.push({ name, constraint: String(constraint), mode, ok, maxViolation });
    }
  }
  return out;
}
