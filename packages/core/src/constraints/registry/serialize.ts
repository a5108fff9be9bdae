/**
 * A parameter's constraints as serializable specs (`{ name, options, mode?, target? }`, the form checkpoints
 * and state dicts store) and back: `constraintSpecs` writes them, `loadConstraintSpecs` re-registers them.
 */
import type { Parameter } from '../../nn/parameter.js';
import type { ConstraintSpec } from '../constraint.js';
import { fromSpec } from '../names.js';
import { registerConstraint, registerGradConstraint } from './register.js';
import { clearConstraints, constraintsOf, gradConstraintsOf } from './store.js';

/** The serializable specs of `param`'s constraints (value constraints with their mode, then gradient ones). */
export function constraintSpecs(param: Parameter): ConstraintSpec[] {
  return [
    ...constraintsOf(param).map((v) => ({ ...v.constraint.toSpec(), mode: v.mode })),
    ...gradConstraintsOf(param).map((c) => ({ ...c.toSpec(), target: 'grad' as const })),
  ];
}

/**
 * Replaces `param`'s constraints with those `specs` describe (from `constraintSpecs`), making it feasible.
 * Unknown names raise before anything changes.
 */
export function loadConstraintSpecs(param: Parameter, specs: readonly ConstraintSpec[]): void {
  const made = specs.map((s) => ({ spec: s, c: fromSpec(s) }));
  clearConstraints(param);
  for (const { spec, c } of made) {
    if (spec.target === 'grad') registerGradConstraint(param, c);
    else registerConstraint(param, c, spec.mode ? { mode: spec.mode } : undefined);
  }
}
