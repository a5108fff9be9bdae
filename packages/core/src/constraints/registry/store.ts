/**
 * Which constraints each parameter carries: a WeakMap from the parameter (so `Parameter` stays a plain tensor)
 * to its value constraints with their modes, its gradient constraints, and the raw tensor of a reparametrized
 * parameter; and which joint group (joint.ts: one constraint on the concatenation of several parameters) each
 * parameter belongs to. Registration (register.ts, joint.ts) writes it; everything else reads it through the
 * functions here.
 */
import type { Parameter } from '../../nn/parameter.js';
import type { Tensor } from '../../tensor/tensor.js';
import { IntersectConstraint } from '../builtins/intersect.js';
import { type Constraint, ConstraintError, type ConstraintMode } from '../constraint.js';
import { forgetDerivative } from './derivatives.js';

/** A value constraint and how it was registered. */
export interface ValueEntry {
  constraint: Constraint;
  mode: ConstraintMode;
}

/** Everything registered on one parameter. */
export interface ParamEntry {
  value: ValueEntry[];
  grad: Constraint[];
  /** The unconstrained tensor of a reparametrized parameter. */
  raw: Tensor | null;
  /** The intersection of the project-mode constraints, made on first use (see `effective`). */
  effective: Constraint | null;
}

/**
 * How the optimizer's step enforces a parameter's value constraints: not at all, by projecting onto
 * `constraint` (the intersection of all of them), or as `transform(raw)` of its one reparametrized constraint.
 */
export type Enforcement =
  | { mode: 'none' }
  | { mode: 'project'; constraint: Constraint }
  | { mode: 'reparametrize'; constraint: Constraint; raw: Tensor };

const registry = new WeakMap<Parameter, ParamEntry>();

/**
 * One constraint on the concatenation of several parameters, each flattened in row-major order, in the order
 * given (`registerJointConstraint`). Always project mode.
 */
export interface JointGroup {
  readonly params: readonly Parameter[];
  readonly constraint: Constraint;
}

const joints = new WeakMap<Parameter, JointGroup>();

/** The joint group `param` belongs to, or null. A parameter belongs to at most one. */
export function jointGroupOf(param: Parameter): JointGroup | null {
  return joints.get(param) ?? null;
}

/** Records `group` on each of its parameters (the caller checked that none is in another group). */
export function addJointGroup(group: JointGroup): void {
  for (const p of group.params) joints.set(p, group);
}

/** Dissolves `group`: none of its parameters is jointly constrained afterwards (values stay as they are). */
export function removeJointGroup(group: JointGroup): void {
  for (const p of group.params) if (joints.get(p) === group) joints.delete(p);
}

/** `param`'s entry, made empty on first use. */
export function entryOf(param: Parameter): ParamEntry {
  let e = registry.get(param);
  if (!e) {
    e = { value: [], grad: [], raw: null, effective: null };
    registry.set(param, e);
  }
  return e;
}

/** The one constraint that stands for all of an entry's project-mode constraints (their intersection). */
export function effective(e: ParamEntry): Constraint {
  if (!e.effective) {
    const cs = e.value.map((v) => v.constraint);
    e.effective = cs.length === 1 ? cs[0] : new IntersectConstraint(cs);
  }
  return e.effective;
}

/** How the step enforces `param`'s value constraints (see `Enforcement`). */
export function enforcementOf(param: Parameter): Enforcement {
  const e = registry.get(param);
  if (!e || e.value.length === 0) return { mode: 'none' };
  if (e.value[0].mode === 'project') return { mode: 'project', constraint: effective(e) };
  if (!e.raw) throw new ConstraintError('internal: a reparametrized parameter has no raw tensor');
  return { mode: 'reparametrize', constraint: e.value[0].constraint, raw: e.raw };
}

/** How the optimizer treats `param`: no value constraint, projection, or reparametrization. */
export function enforcement(param: Parameter): 'none' | 'project' | 'reparametrize' {
  return enforcementOf(param).mode;
}

/** Removes every constraint (value and gradient) from `param`, and dissolves the joint group it is in. */
export function clearConstraints(param: Parameter): void {
  const g = joints.get(param);
  if (g) removeJointGroup(g);
  const e = registry.get(param);
  if (!e) return;
  e.raw?.dispose();
  forgetDerivative(param);
  registry.delete(param);
}

/** The value constraints on `param`, with their modes, in registration order. */
export function constraintsOf(param: Parameter): readonly { constraint: Constraint; mode: ConstraintMode }[] {
  return registry.get(param)?.value ?? [];
}

/** The gradient constraints on `param`. */
export function gradConstraintsOf(param: Parameter): readonly Constraint[] {
  return registry.get(param)?.grad ?? [];
}

/** The raw tensor behind a reparametrized parameter (the optimizer updates it); null otherwise. */
export function rawOf(param: Parameter): Tensor | null {
  return registry.get(param)?.raw ?? null;
}
