/**
 * Joint groups in serialized form. A state dict (and so a checkpoint) carries a group in the spec list of each
 * of its members, as the same spec `{ name: 'joint', options: { params: [names], constraint: spec }, mode:
 * 'project' }`, so the per-parameter spec lists that state dicts already carry need no new field. This file
 * writes those specs (`jointSpecsByParam`), reads them back into groups and validates them (`parseJointSpecs`),
 * and stages a load (`stageJointLoad`): the loaded values are projected onto (or, for a checkpoint, checked
 * against) each group before anything is written. `jointConstraintSpecs` / `loadJointConstraintSpecs` are the
 * same for a list of named parameters.
 */
import { runSync } from '../../engine/read.js';
import { ArgumentError } from '../../errors.js';
import type { Parameter } from '../../nn/parameter.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Constraint, ConstraintSpec, JsonValue } from '../constraint.js';
import { fromSpec } from '../names.js';
import { concatOf, projectedGroup, registerJointConstraint, splitOf } from './joint.js';
import { type JointGroup, jointGroupOf, removeJointGroup } from './store.js';

/** The spec name a joint group's members carry in state dicts. */
export const JOINT_SPEC_NAME = 'joint';

/** A joint group by its members' names: what `jointConstraintSpecs` returns. */
export interface JointConstraintSpec {
  /** The members' names, in the group's order. */
  params: string[];
  /** The constraint on their concatenation. */
  constraint: ConstraintSpec;
}

/** True when `s` is the spec of a joint group's member (not a constraint of the parameter alone). */
export function isJointSpec(s: ConstraintSpec): boolean {
  return s.name === JOINT_SPEC_NAME;
}

/** The groups whose members all have a name in `named`, by their members' names. */
export function jointConstraintSpecs(named: Iterable<[string, Parameter]>): JointConstraintSpec[] {
  const names = new Map<Parameter, string>();
  for (const [name, p] of named) if (!names.has(p)) names.set(p, name);
  const out: JointConstraintSpec[] = [];
  const seen = new Set<JointGroup>();
  for (const p of names.keys()) {
    const g = jointGroupOf(p);
    if (!g || seen.has(g)) continue;
    seen.add(g);
    if (g.params.every((m) => names.has(m)))
      out.push({ params: g.params.map((m) => names.get(m)!), constraint: g.constraint.toSpec() });
  }
  return out;
}

/**
 * For a state dict of the parameters in `named`: the joint spec each member of a group carries. A group with a
 * member outside `named` (the state dict of a submodule) is not carried: it is not a constraint of that part.
 */
export function jointSpecsByParam(named: Iterable<[string, Parameter]>): Map<Parameter, ConstraintSpec> {
  const list = [...named];
  const byName = new Map(list);
  const out = new Map<Parameter, ConstraintSpec>();
  for (const j of jointConstraintSpecs(list)) {
    const spec: ConstraintSpec = {
      name: JOINT_SPEC_NAME,
      options: { params: j.params, constraint: j.constraint as unknown as JsonValue },
      mode: 'project',
    };
    for (const n of j.params) out.set(byName.get(n)!, spec);
  }
  return out;
}

/** A group read from specs: its members and their names, and the constraint on their concatenation. */
export interface JointLoad {
  names: string[];
  params: Parameter[];
  constraint: Constraint;
}

/**
 * The groups that the spec lists (by parameter name) describe. Throws an `ArgumentError` naming the parameter
 * when a joint spec is malformed, names a parameter that `resolve` does not know, is not carried the same by
 * every member, or sits next to a value constraint of the member's own (a member carries none).
 */
export function parseJointSpecs(
  lists: Iterable<[string, readonly ConstraintSpec[]]>,
  resolve: (name: string) => Parameter | null,
): JointLoad[] {
  const byKey = new Map<string, { load: JointLoad; carriers: Set<string> }>();
  for (const [name, list] of lists) {
    const joint = list.filter(isJointSpec);
    if (joint.length === 0) continue;
    const bad = (what: string) => new ArgumentError(`the constraints of '${name}': ${what}`);
    if (joint.length > 1) throw bad('it has more than one joint spec (a parameter is in at most one joint group)');
    if (list.some((s) => !isJointSpec(s) && s.target !== 'grad'))
      throw bad("it has a joint spec and value constraints of its own (a joint group's members carry none)");
    const o = joint[0].options ?? {};
    const params = o.params;
    if (!Array.isArray(params) || params.length === 0 || !params.every((n) => typeof n === 'string'))
      throw bad(`its joint spec needs options.params, a list of parameter names, got ${JSON.stringify(params)}`);
    if (!params.includes(name)) throw bad(`its joint spec's params ${JSON.stringify(params)} do not include it`);
    if (o.constraint === null || typeof o.constraint !== 'object' || Array.isArray(o.constraint))
      throw bad(`its joint spec needs options.constraint, a constraint spec, got ${JSON.stringify(o.constraint)}`);
    const key = JSON.stringify([params, o.constraint]);
    let entry = byKey.get(key);
    if (!entry) {
      const members = (params as string[]).map((n) => {
        const p = resolve(n);
        if (!p) throw bad(`its joint spec names '${n}', which is not a parameter of the module`);
        return p;
      });
      entry = {
        load: {
          names: params as string[],
          params: members,
          constraint: fromSpec(o.constraint as unknown as ConstraintSpec),
        },
        carriers: new Set(),
      };
      byKey.set(key, entry);
    }
    entry.carriers.add(name);
  }
  const loads = [...byKey.values()];
  const owner = new Map<Parameter, string>();
  for (const { load, carriers } of loads) {
    const missing = load.names.filter((n) => !carriers.has(n));
    if (missing.length > 0)
      throw new ArgumentError(
        `the joint group ${JSON.stringify(load.names)}: ${missing.map((n) => `'${n}'`).join(', ')} do not carry its spec (every member carries the same joint spec)`,
      );
    for (const [i, p] of load.params.entries()) {
      if (owner.has(p))
        throw new ArgumentError(
          `'${load.names[i]}' is in two joint groups (${owner.get(p)} and ${JSON.stringify(load.names)}); a parameter is in at most one`,
        );
      owner.set(p, JSON.stringify(load.names));
    }
  }
  return loads.map((l) => l.load);
}

/**
 * Stages a load of `group` (from specs, or a group the module keeps) given the members' new values: project
 * mode returns each member's projected value (new tensors, in the caller's tidy scope); exact mode returns null
 * after checking that the values satisfy the group (throws otherwise).
 */
export function stageJointLoad(
  group: { params: readonly Parameter[]; constraint: Constraint },
  values: readonly Tensor[],
  mode: 'project' | 'exact',
): Tensor[] | null {
  const g: JointGroup = { params: group.params, constraint: group.constraint };
  if (mode === 'exact') {
    const { ok, maxViolation } = g.constraint.check(concatOf(g, values));
    if (!ok)
      throw new ArgumentError(
        `the values are off by ${maxViolation}, which the joint constraint '${g.constraint}' does not accept (a saved value satisfies its constraints)`,
      );
    return null;
  }
  const flat = runSync(
    'loadStateDict',
    function* (held) {
      return (yield* projectedGroup(g, held, values)).clone();
    },
    'none yet (load joint groups on a backend that reads synchronously)',
  );
  return splitOf(g, flat).map((piece) => piece.clone());
}

/**
 * Replaces the joint groups among `named` with those `specs` describe (from `jointConstraintSpecs`): each
 * group some named parameter belongs to is dissolved, then each spec registered (which projects it). Every
 * spec is validated and built before anything changes.
 */
export function loadJointConstraintSpecs(
  named: Iterable<[string, Parameter]>,
  specs: readonly JointConstraintSpec[],
): void {
  const list = [...named];
  const byName = new Map(list);
  const built = specs.map((s) => {
    const params = s.params.map((n) => {
      const p = byName.get(n);
      if (!p) throw new ArgumentError(`loadJointConstraintSpecs: '${n}' is not among the named parameters`);
      return p;
    });
    return { params, c: fromSpec(s.constraint) };
  });
  for (const [, p] of list) {
    const g = jointGroupOf(p);
    if (g) removeJointGroup(g);
  }
  for (const { params, c } of built) registerJointConstraint(params, c);
}
