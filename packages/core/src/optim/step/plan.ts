/**
 * The one update path of every optimizer, written once as a read plan (engine/read.ts): `step()` runs it with
 * synchronous reads, `stepAsync()` with awaited ones. In order: (1) the gradients, checked (gradients.ts);
 * (2) gradient constraints, then clipValue, then clipNorm; (3) one decision per parameter (`treatment`), taken
 * from what its constraint and its update rule declare; (4) the finiteness of every gradient that must be
 * finite, before any write; (5) the writes: the subclass's update (weight decay inside, as in PyTorch) and the
 * parameter's constraint, in place, through a `Journal`.
 *
 * All or nothing. A failure at any point, in a constraint, in a check, in the backend (an out-of-memory, a
 * kernel error) or in a read, rolls every parameter and all state back bit for bit before the error
 * propagates. The one difference between parameters is what is read back after their update: nothing for an
 * unconstrained parameter, nor for an exact projection (`safeProjection`) after a rule that keeps finite inputs
 * finite (`UpdateTraits.finite`), whose gradient check already vouches for the result; the result and the
 * state of everything else (custom constraints, Dykstra intersections, reparametrizations, other rules).
 * A joint group (constraints/registry/joint.ts) is projected once, after all of its members this step updates,
 * and is read back unless its constraint is exact and every member's rule keeps finite inputs finite.
 */
import { type Constraint, ConstraintError } from '../../constraints/constraint.js';
import { countNonFinite, nonFiniteIndices } from '../../constraints/finite.js';
import { keepDerivative } from '../../constraints/registry/derivatives.js';
import { assertFinite, guarded, rawGrad, transformWithDerivative } from '../../constraints/registry/enforce.js';
import { jointName, projectedGroup, projectGroupInPlace, writeGroup } from '../../constraints/registry/joint.js';
import {
  constraintsOf,
  enforcementOf,
  gradConstraintsOf,
  type JointGroup,
  jointGroupOf,
} from '../../constraints/registry/store.js';
import type { Held, ReadPlan } from '../../engine/read.js';
import { fmtShape } from '../../errors.js';
import type { Parameter } from '../../nn/parameter.js';
import { isTensor, type Tensor } from '../../tensor/tensor.js';
import type { Optimizer } from '../optimizer.js';
import type { NonFiniteGradient } from '../skip.js';
import type { ParamGroup } from '../types.js';
import { collect, constrainGradients, type Item } from './gradients.js';
import { Journal } from './journal.js';

/**
 * How the step updates one parameter: the one decision, from what its constraint and its update rule declare.
 * `free`: no value constraint. `projection`: update, then project in place; `checked` when the result is read
 * back (the constraint is not an exact projection, or the rule may make non-finite values from finite ones).
 * `reparametrization`: update the raw tensor with the transform's VJP, then `value = transform(raw)`, checked (an
 * elementwise transform's derivative is kept for the next step when the step commits: registry/derivatives.ts).
 * `joint`: update, then project the parameter's joint group once all its members are updated; `checked` is
 * decided per group (see `planGroups`).
 */
type Treatment =
  | { kind: 'free' }
  | { kind: 'joint'; group: JointGroup; checked: boolean }
  | { kind: 'projection'; constraint: Constraint; checked: boolean }
  | { kind: 'reparametrization'; constraint: Constraint; raw: Tensor };

/** The treatment of `it` (see `Treatment`). */
function treatment(it: Item): Treatment {
  const group = jointGroupOf(it.param);
  if (group) return { kind: 'joint', group, checked: !(group.constraint.safeProjection && it.traits.finite) };
  const e = enforcementOf(it.param);
  switch (e.mode) {
    case 'none':
      return { kind: 'free' };
    case 'project':
      return {
        kind: 'projection',
        constraint: e.constraint,
        checked: !(e.constraint.safeProjection && it.traits.finite),
      };
    case 'reparametrize':
      return { kind: 'reparametrization', constraint: e.constraint, raw: e.raw };
    default: {
      const unknown: never = e;
      throw new ConstraintError(`internal: unknown enforcement ${JSON.stringify(unknown)}`);
    }
  }
}

interface Planned {
  it: Item;
  how: Treatment;
}

/** True when the step reads `p`'s result back (and undoes the step if it is not finite). */
function isChecked(p: Planned): boolean {
  return (
    p.how.kind === 'reparametrization' || ((p.how.kind === 'projection' || p.how.kind === 'joint') && p.how.checked)
  );
}

/** The joint groups of `planned` with the members this step updates; a group is checked when any member is. */
function planGroups(planned: Planned[]): Map<JointGroup, Planned[]> {
  const groups = new Map<JointGroup, Planned[]>();
  for (const p of planned) {
    if (p.how.kind !== 'joint') continue;
    const list = groups.get(p.how.group) ?? [];
    list.push(p);
    groups.set(p.how.group, list);
  }
  for (const list of groups.values()) {
    const checked = list.some(isChecked);
    for (const p of list) if (p.how.kind === 'joint') p.how.checked = checked;
  }
  return groups;
}

/** The constraint standing for `param`'s value constraints (else its gradient constraints), as messages name it. */
function constraintName(param: Parameter): string {
  const group = jointGroupOf(param);
  if (group) return jointName(group);
  const cs = constraintsOf(param).map((e) => String(e.constraint));
  if (cs.length === 0) return `${gradConstraintsOf(param).join(', ')} (gradient constraint)`;
  return cs.length === 1 ? cs[0] : `intersect(${cs.join(', ')})`;
}

/** The parameters of `items` whose gradients are not all finite, with their counts. */
function* nonFiniteGradients(items: readonly Item[]): ReadPlan<{ it: Item; report: NonFiniteGradient }[]> {
  const out: { it: Item; report: NonFiniteGradient }[] = [];
  for (const i of yield* nonFiniteIndices(items.map((it) => it.grad))) {
    const it = items[i];
    const counts = yield* countNonFinite(it.grad);
    out.push({ it, report: { index: it.index, shape: [...it.param.shape], ...counts } });
  }
  return out;
}

/** Updates `it.param` in place with the optimizer's rule (or `target`, a reparametrization's raw tensor). */
function update(opt: Optimizer, journal: Journal, it: Item, target: Tensor = it.param, grad = it.grad): void {
  const state = journal.open(opt.state, it.param);
  state.step = ((state.step as number | undefined) ?? 0) + 1;
  opt._update(target, grad, state, it.group);
}

/** A reparametrized parameter's new value and derivative, kept for its next step once the step commits. */
interface Pending {
  param: Parameter;
  value: Tensor;
  derivative: Tensor;
}

/**
 * Updates and constrains a checked parameter, then reads its new value back. A reparametrization whose
 * constraint computes its derivative with the value adds both to `pending`.
 */
function* updateChecked(
  opt: Optimizer,
  journal: Journal,
  { it, how }: Planned,
  held: Held,
  pending: Pending[],
): ReadPlan<void> {
  if (how.kind === 'projection') {
    update(opt, journal, it);
    journal.holdNewState();
    const c = how.constraint;
    guarded(c, it.param, 'project_', () => c.project_(it.param.detach()));
    yield* assertFinite(it.param, it.param, c);
  } else if (how.kind === 'reparametrization') {
    const gradRaw = yield* rawGrad(it.param, it.grad, held);
    update(opt, journal, it, how.raw, gradRaw);
    journal.holdNewState();
    const next = transformWithDerivative(how.constraint, it.param, how.raw);
    it.param.copy_(next.value);
    if (next.derivative)
      pending.push({ param: it.param, value: held.hold(next.value), derivative: held.hold(next.derivative) });
    yield* assertFinite(it.param, it.param, how.constraint, { tensor: how.raw, what: 'the raw tensor' });
  }
}

/**
 * Reads back the raw tensors and state of the checked parameters (one read): a finite gradient can still overflow
 * them, and a transform or a projection may map the result back to finite values, leaving the parameter frozen.
 */
function* checkState(opt: Optimizer, checked: readonly Planned[]): ReadPlan<void> {
  const checks: { it: Item; what: string; t: Tensor }[] = [];
  for (const { it, how } of checked) {
    if (how.kind === 'reparametrization') checks.push({ it, what: 'its raw tensor', t: how.raw });
    for (const [k, v] of Object.entries(opt.state.get(it.param) ?? {})) {
      if (isTensor(v)) checks.push({ it, what: `its state '${k}'`, t: v });
    }
  }
  const bad = yield* nonFiniteIndices(checks.map((c) => c.t));
  if (bad.length === 0) return;
  const { it, what, t } = checks[bad[0]];
  const { nan, inf } = yield* countNonFinite(t);
  throw new ConstraintError(
    `step: parameter ${it.index}: constraint '${constraintName(it.param)}' on a parameter of shape ${fmtShape(it.param.shape)}: the update made ${what} non-finite (${nan} NaN, ${inf} infinite) from a finite gradient (float32 overflow: lower the learning rate); nothing was changed`,
  );
}

/** Updates a checked joint group's members, projects the group, then reads every member back. */
function* updateCheckedGroup(
  opt: Optimizer,
  journal: Journal,
  group: JointGroup,
  members: readonly Planned[],
  held: Held,
): ReadPlan<void> {
  for (const p of members) update(opt, journal, p.it);
  journal.holdNewState();
  writeGroup(group, yield* projectedGroup(group, held));
}

/** The writes of a step whose gradients passed their checks, undoable until they all succeed. */
function* write(opt: Optimizer, planned: readonly Planned[], held: Held): ReadPlan<void> {
  const groups = planGroups([...planned]);
  const checked = planned.filter((p) => p.how.kind !== 'joint' && isChecked(p));
  const exact = planned.filter((p) => p.how.kind === 'projection' && !isChecked(p));
  const free = planned.filter((p) => p.how.kind === 'free');
  const checkedGroups = [...groups].filter(([, members]) => members.some(isChecked));
  const exactGroups = [...groups].filter(([, members]) => !members.some(isChecked));
  // NOTE: a backend call that throws is taken to have written nothing (backends check before they write), so
  // the last write of the step needs no snapshot when it is a single write (`singleWrite`) of an unconstrained
  // parameter. The largest such parameter goes last, so the common case (a model whose biggest weight is
  // unconstrained) copies least.
  let last: Planned | null = null;
  for (const p of free) if (p.it.traits.singleWrite && (!last || p.it.param.size > last.it.param.size)) last = p;
  const targets = new Set<Tensor>();
  const members = [...groups.values()].flat();
  for (const p of [...checked, ...members, ...exact, ...free]) {
    if (p === last) continue;
    targets.add(p.it.param);
    if (p.how.kind === 'reparametrization') targets.add(p.how.raw);
    if (!p.it.traits.writesStateInPlace) continue;
    for (const v of Object.values(opt.state.get(p.it.param) ?? {})) if (isTensor(v)) targets.add(v);
  }
  // A group's projection writes every member, also those without a gradient this step (or in another optimizer).
  for (const g of groups.keys()) for (const m of g.params) targets.add(m);
  const journal = new Journal([...targets]);
  const pending: Pending[] = [];
  try {
    for (const p of checked) yield* updateChecked(opt, journal, p, held, pending);
    for (const [g, ms] of checkedGroups) yield* updateCheckedGroup(opt, journal, g, ms, held);
    const readBack = [...checked, ...checkedGroups.flatMap(([, ms]) => ms)];
    if (readBack.length > 0) yield* checkState(opt, readBack);
    for (const { it, how } of exact) {
      update(opt, journal, it);
      if (how.kind === 'projection') how.constraint.project_(it.param.detach());
    }
    for (const [g, ms] of exactGroups) {
      for (const p of ms) update(opt, journal, p.it);
      projectGroupInPlace(g);
    }
    for (const p of free) if (p !== last) update(opt, journal, p.it);
    if (last) update(opt, journal, last.it);
  } catch (e) {
    journal.rollback(opt.state, e);
    throw e;
  }
  journal.commit();
  for (const p of pending) keepDerivative(p.param, held.release(p.value), held.release(p.derivative));
}

/**
 * One step of `opt` over `groups`. Returns null when the step was taken, or (with `skipNonFinite`) the
 * parameters whose gradients were not finite when it was skipped.
 */
export function* stepPlan(opt: Optimizer, groups: ParamGroup[], held: Held): ReadPlan<NonFiniteGradient[] | null> {
  const items = collect(opt, groups);
  if (items.length === 0) return null;
  const total = yield* constrainGradients(opt, items, held);
  const planned = items.map((it) => ({ it, how: treatment(it) }));

  // Gradients must be finite before anything is written: on constrained parameters (value or gradient
  // constraints) always, as their constraints would not survive; on all with skipNonFinite. A finite clipNorm
  // total says so already (no read).
  const skip = opt.defaults.skipNonFinite === true;
  const mustBeFinite = planned
    .filter((p) => skip || p.how.kind !== 'free' || gradConstraintsOf(p.it.param).length > 0)
    .map((p) => p.it);
  if (mustBeFinite.length > 0 && !(total !== undefined && Number.isFinite(total))) {
    const bad = yield* nonFiniteGradients(mustBeFinite);
    if (bad.length > 0) {
      if (skip) return bad.map((b) => b.report);
      const { it, report } = bad[0];
      throw new ConstraintError(
        `step: parameter ${it.index}: constraint '${constraintName(it.param)}' on a parameter of shape ${fmtShape(it.param.shape)}: the gradient (after gradient constraints and clipping) has ${report.nan} NaN and ${report.inf} infinite values; check the gradients, the learning rate and the loss; nothing was changed`,
      );
    }
  }
  yield* write(opt, planned, held);
  return null;
}
