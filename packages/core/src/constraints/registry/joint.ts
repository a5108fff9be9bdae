/**
 * Joint constraints: one constraint on the concatenation of several parameters, each flattened in row-major
 * order (`registerJointConstraint([w1, w2], C.l2Ball(1))` bounds the norm of both weights together). The group
 * is projected as one vector: the members are concatenated, the constraint's `project_` runs on that vector,
 * and the slices are written back. Registration makes the group feasible at once; the optimizer's step
 * (optim/step/plan.ts) projects a group after updating its members, under the same journal as every other
 * write, so a failing step leaves every member as it was.
 *
 * Rules (see docs/constraints.md, "Joint constraints"): project mode only; a parameter is in at most one group
 * and a group member carries no value constraint of its own (combine sets with `intersect`, which then acts on
 * the concatenation); all members live on one backend.
 */
import { type Held, type ReadPlan, runAsync, runSync } from '../../engine/read.js';
import { ArgumentError, fmtShape } from '../../errors.js';
import type { Parameter } from '../../nn/parameter.js';
import { cat } from '../../ops/movement.js';
import { isTensor, type Tensor } from '../../tensor/tensor.js';
import { type Constraint, ConstraintError, type ConstraintLike, toConstraint } from '../constraint.js';
import { assertFinite, guarded } from './enforce.js';
import type { ConstraintHandle, RegisterConstraintOptions } from './register.js';
import { addJointGroup, constraintsOf, type JointGroup, jointGroupOf, removeJointGroup } from './store.js';

/** How messages name a group: `joint(l2Ball(radius=1)) over 2 parameters [3, 4] + [4]`. */
export function jointName(g: JointGroup): string {
  return `joint(${g.constraint}) over ${g.params.length} parameters ${g.params.map((p) => fmtShape(p.shape)).join(' + ')}`;
}

/** The flattened concatenation of `values` (a new tensor; the members' own values by default). */
export function concatOf(g: JointGroup, values: readonly Tensor[] = g.params): Tensor {
  const flat = values.filter((v) => v.size > 0).map((v) => v.detach().reshape([v.size]));
  if (flat.length === 0) return g.params[0].detach().reshape([0]).clone();
  return flat.length === 1 ? flat[0].clone() : cat(flat, 0);
}

/** The pieces of the flat vector `flat`, each in its member's shape (views of `flat`). */
export function splitOf(g: JointGroup, flat: Tensor): Tensor[] {
  let offset = 0;
  return g.params.map((p) => {
    const piece = flat.narrow(0, offset, p.size).reshape(p.shape);
    offset += p.size;
    return piece;
  });
}

/** Writes the flat vector `flat` back into the members, in place. */
export function writeGroup(g: JointGroup, flat: Tensor): void {
  splitOf(g, flat).forEach((piece, i) => {
    if (piece.size > 0) g.params[i].detach().copy_(piece);
  });
}

/** Projects the group in place, reading nothing back (the step's path for exact projections). */
export function projectGroupInPlace(g: JointGroup): void {
  const flat = concatOf(g);
  g.constraint.project_(flat);
  writeGroup(g, flat);
}

/**
 * The projection of `values` (the members' values by default) onto the group's set, as one flat vector held in
 * `held`, checked for finiteness; nothing is written.
 */
export function* projectedGroup(g: JointGroup, held: Held, values?: readonly Tensor[]): ReadPlan<Tensor> {
  const input = held.hold(concatOf(g, values));
  const flat = held.hold(input.clone());
  const c = g.constraint;
  guarded(jointName(g), flat, 'project_', () => c.project_(flat));
  yield* assertFinite(flat, flat, jointName(g), { tensor: input, what: 'its input' });
  return flat;
}

/** Throws unless `params` can form a new joint group with `c` (see the rules in the header). */
function checkMembers(params: readonly Parameter[], op: string): void {
  if (!Array.isArray(params) || params.length === 0)
    throw new ArgumentError(`${op}: expected a non-empty array of Parameters`);
  if (new Set(params).size !== params.length)
    throw new ArgumentError(`${op}: a parameter is listed twice; list each member of the group once`);
  for (const [i, p] of params.entries()) {
    if (!isTensor(p as unknown)) throw new ArgumentError(`${op}: element ${i} is not a Parameter`);
    if (p.dtype !== 'float32')
      throw new ArgumentError(`${op}: only float32 parameters can be constrained, got ${p.dtype} (element ${i})`);
    if (p.backend !== params[0].backend)
      throw new ArgumentError(
        `${op}: element ${i} is on backend '${p.backend.name}', element 0 on '${params[0].backend.name}'; a joint group lives on one backend`,
      );
    const g = jointGroupOf(p);
    if (g)
      throw new ConstraintError(
        `${op}: element ${i} (shape ${fmtShape(p.shape)}) is already in ${jointName(g)}; a parameter is in at most one joint group (remove that one first, or constrain all of them in one group)`,
      );
    const own = constraintsOf(p);
    if (own.length > 0)
      throw new ConstraintError(
        `${op}: element ${i} (shape ${fmtShape(p.shape)}) already has a value constraint (${own.map((v) => String(v.constraint)).join(', ')}); a joint group's members carry no constraints of their own: combine the sets in the joint constraint with C.intersect(...), which then acts on the concatenation`,
      );
  }
}

/** `registerJointConstraint` as a plan: checks, projects the concatenation (one read to check it), records. */
function* registerJointPlan(
  params: readonly Parameter[],
  c: ConstraintLike,
  options: RegisterConstraintOptions | undefined,
  held: Held,
): ReadPlan<ConstraintHandle> {
  const op = 'registerJointConstraint';
  checkMembers(params, op);
  const constraint = toConstraint(c);
  const mode = options?.mode ?? 'project';
  if (mode !== 'project')
    throw new ConstraintError(
      `${op}: a joint constraint is enforced by projection only (mode 'project'), got mode '${mode}'`,
    );
  const group: JointGroup = { params: [...params], constraint };
  const flat = yield* projectedGroup(group, held);
  writeGroup(group, flat);
  addJointGroup(group);
  return jointHandle(group);
}

/** The handle of a recorded group: `remove()` dissolves it. */
function jointHandle(group: JointGroup): ConstraintHandle {
  return { remove: () => removeJointGroup(group) };
}

/**
 * Records `group` without projecting (a state dict's load, whose values were validated against it already).
 * @internal
 */
export function recordJointGroup(params: readonly Parameter[], c: ConstraintLike): ConstraintHandle {
  checkMembers(params, 'loadStateDict');
  const group: JointGroup = { params: [...params], constraint: toConstraint(c) };
  addJointGroup(group);
  return jointHandle(group);
}

/**
 * Registers one constraint on the concatenation of `params` (each flattened, in the order given) and makes it
 * feasible at once by projecting that vector. Every optimizer step that updates a member then projects the
 * whole group, so it holds after every step. Returns a handle whose `remove()` dissolves the group.
 */
export function registerJointConstraint(
  params: readonly Parameter[],
  c: ConstraintLike,
  options?: RegisterConstraintOptions,
): ConstraintHandle {
  return runSync(
    'registerJointConstraint',
    (held) => registerJointPlan(params, c, options, held),
    'await constraints.registerJointConstraintAsync(params, constraint)',
  );
}

/** Async form of `registerJointConstraint`, for backends that cannot read synchronously. */
export function registerJointConstraintAsync(
  params: readonly Parameter[],
  c: ConstraintLike,
  options?: RegisterConstraintOptions,
): Promise<ConstraintHandle> {
  return runAsync('registerJointConstraintAsync', (held) => registerJointPlan(params, c, options, held));
}

/** The joint constraint `param` is in, with the group's members (null when it is in none). */
export function jointConstraintOf(param: Parameter): { constraint: Constraint; params: readonly Parameter[] } | null {
  const g = jointGroupOf(param);
  return g ? { constraint: g.constraint, params: g.params } : null;
}
