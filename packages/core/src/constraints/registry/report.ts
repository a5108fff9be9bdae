/**
 * `constraintReport`: for every named parameter and each of its value constraints, whether the constraint
 * holds now and by how much it is violated (each constraint's `check`, with its documented tolerance). A joint
 * group is one entry, named after its members; a constraint made of independent slices (a `dim` option, a
 * batch of matrices, `C.chunk` blocks) also reports each slice by name (`check(value, { slices: true })`).
 */
import { tidy } from '../../engine/lifetime.js';
import type { Parameter } from '../../nn/parameter.js';
import type { ConstraintMode } from '../constraint.js';
import { concatOf } from './joint.js';

import { constraintsOf, type JointGroup, jointGroupOf } from './store.js';

/** One line of `constraintReport`. */
export interface ConstraintReportEntry {
  /** The parameter's dotted name; for a joint group, its members' names joined by ' + '. */
  name: string;
  /** The constraint, e.g. `maxNorm(max=2, dim=1)`. */
  constraint: string;
  mode: ConstraintMode;
  ok: boolean;
  maxViolation: number;
  /** A joint group's members by name, in the group's order (a member not among the named ones is '?'). */
  params?: string[];
  /**
   * Each slice of a constraint made of independent slices, named as PyTorch indexes it (`conv1.weight[3]` for
   * filter 3 under `dim: [1, 2, 3]`, `fc.weight[:, 2]` for column 2 under `dim: 0`) or by block
   * (`lstm.weight_hh_l0[gate f]` under `C.chunk`), with its own `ok` and violation.
   */
  slices?: SliceReport[];
}

/** One slice of a per-slice constraint in a report. */
export interface SliceReport {
  /** The parameter's name followed by the slice's label: `conv1.weight[3]`, `lstm.weight_hh_l0[gate f]`. */
  name: string;
  ok: boolean;
  maxViolation: number;
}

/** Every (parameter, constraint) pair, and every joint group, with whether it holds now and its largest violation. */
export function constraintReport(namedParams: Iterable<[string, Parameter]>): ConstraintReportEntry[] {
  return tidy(() => reportOf([...namedParams]));
}

function reportOf(named: [string, Parameter][]): ConstraintReportEntry[] {
  const names = new Map<Parameter, string>();
  for (const [name, p] of named) if (!names.has(p)) names.set(p, name);
  const out: ConstraintReportEntry[] = [];
  const seen = new Set<JointGroup>();
  for (const [name, p] of named) {
    const g = jointGroupOf(p);
    if (g && !seen.has(g)) {
      seen.add(g);
      const params = g.params.map((m) => names.get(m) ?? '?');
      const { ok, maxViolation } = g.constraint.check(concatOf(g));
      out.push({
        name: params.join(' + '),
        constraint: String(g.constraint),
        mode: 'project',
        ok,
        maxViolation,
        params,
      });
    }
    for (const { constraint, mode } of constraintsOf(p)) {
      const { ok, maxViolation, slices } = constraint.check(p, { slices: true });
      const entry: ConstraintReportEntry = { name, constraint: String(constraint), mode, ok, maxViolation };
      if (slices)
        entry.slices = slices.map((sl) => ({ name: `${name}${sl.label}`, ok: sl.ok, maxViolation: sl.maxViolation }));
      out.push(entry);
    }
  }
  return out;
}
