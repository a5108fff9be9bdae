/**
 * The one update path of every optimizer (called by `Optimizer.step()` under noGrad and tidy):
 * (1) skip parameters whose grad is null, and check every other grad (a tensor of the parameter's backend,
 * dtype float32, the parameter's shape) before anything else; (2) gradient constraints, then clipValue, then
 * clipNorm; (3)+(4) the subclass's update (weight decay inside, as in PyTorch); (5) parameter constraints.
 *
 * All or nothing. Everything that can be checked is checked before the first write: the gradients, their
 * finiteness for constrained parameters (or for all with `skipNonFinite`, which then skips the step), the
 * staged results. The writes then go through a `Journal`: a failure in the backend (an out-of-memory, a kernel
 * error) rolls every parameter and all state back bit for bit before the error propagates.
 *
 * Constrained parameters take one of two paths:
 * - in place (`fast`): every value constraint is a built-in projection that cannot fail on finite input
 *   (`safeProjection`) and the update rule is a built-in one that cannot either (`_safeUpdate`). The only thing
 *   left to check is the input: one reduction over the checked gradients, read once per step (none when
 *   clipNorm's total norm already says), before any write. Then update and project the parameter itself.
 * - staged: custom constraints, reparametrizations, Dykstra intersections, other update rules. The update runs
 *   on copies of the value and the state; the result is projected and validated (value, raw tensor and new
 *   state all finite), and committed at the end.
 */

import { clipCoefficient, totalNorm } from '../constraints/clip.js';
import { type Constraint, ConstraintError } from '../constraints/constraint.js';
import { clampInPlace } from '../constraints/kernels.js';
import {
  assertFinite,
  constraintsOf,
  enforcement,
  gradConstraintsOf,
  inPlaceProjection,
  projectStaged,
  rawGrad,
  rawOf,
  transformedValue,
} from '../constraints/registry.js';
import { ArgumentError, BackendError, DTypeError, fmtShape, ShapeError } from '../errors.js';
import type { Parameter } from '../nn/parameter.js';
import { compare } from '../ops/compare.js';
import { stack } from '../ops/movement.js';
import { sameShape } from '../tensor/shape.js';
import { isTensor, type Tensor } from '../tensor/tensor.js';
import { Journal } from './journal.js';
import type { Optimizer, ParamGroup, ParamState } from './optimizer.js';
import type { NonFiniteGradient } from './skip.js';

interface Item {
  param: Parameter;
  /** The parameter's index in group order (as in `stateDict()`), for messages. */
  index: number;
  group: ParamGroup;
  grad: Tensor;
  /** True once `grad` is a private copy (never write into `param.grad`). */
  owned: boolean;
}

interface Staged {
  it: Item;
  mode: 'project' | 'reparametrize';
  /** The updated parameter (project) or raw tensor (reparametrize). */
  working: Tensor;
  value: Tensor;
  work: ParamState;
}

function cloneState(s: ParamState): ParamState {
  const out: ParamState = {};
  for (const [k, v] of Object.entries(s)) out[k] = isTensor(v) ? v.clone() : v;
  return out;
}

/** The constraint standing for `param`'s value constraints (else its gradient constraints), as messages name it. */
function constraintName(param: Parameter): string {
  const cs = constraintsOf(param).map((e) => String(e.constraint));
  if (cs.length === 0) return `${gradConstraintsOf(param).join(', ')} (gradient constraint)`;
  return cs.length === 1 ? cs[0] : `intersect(${cs.join(', ')})`;
}

/** The error for a `.grad` that does not fit its parameter (see `collect`). */
function gradMisfit(param: Parameter, i: number, grad: unknown): Error {
  const what = `step: parameter ${i} (shape ${fmtShape(param.shape)})`;
  if (!isTensor(grad)) return new ArgumentError(`${what}: .grad must be a Tensor or null, got ${typeof grad}`);
  if (grad.backend !== param.backend) {
    const same = grad.backend.name === param.backend.name ? ' (another instance)' : '';
    return new BackendError(
      `${what}: .grad is on backend '${grad.backend.name}'${same}, the parameter on '${param.backend.name}'; move it with grad.to(param.backend) or recompute it`,
    );
  }
  if (grad.dtype !== 'float32') {
    return new DTypeError(`${what}: .grad has dtype ${grad.dtype}; expected float32 (convert it with .float())`);
  }
  return new ShapeError(`${what}: .grad has shape ${fmtShape(grad.shape)}; expected ${fmtShape(param.shape)}`);
}

/**
 * The parameters with a gradient, in group order, each gradient checked: a tensor on the parameter's backend
 * (a foreign handle would be looked up on the wrong backend), float32, the parameter's shape.
 */
function collect(groups: ParamGroup[]): Item[] {
  const items: Item[] = [];
  let index = 0;
  for (const group of groups) {
    for (const param of group.params) {
      const i = index++;
      const grad = param.grad as unknown;
      if (grad === null || grad === undefined) continue;
      if (
        !isTensor(grad) ||
        grad.isDisposed ||
        grad.backend !== param.backend ||
        grad.dtype !== 'float32' ||
        !sameShape(grad.shape, param.shape)
      ) {
        if (isTensor(grad) && grad.isDisposed) throw grad._disposedError(`step: parameter ${i}: .grad`);
        throw gradMisfit(param, i, grad);
      }
      items.push({ param, index: i, group, grad, owned: false });
    }
  }
  return items;
}

/**
 * Gradients after the parameters' gradient constraints and the optimizer's clipValue/clipNorm. Returns
 * clipNorm's total norm (finite only when every gradient is), or undefined without clipNorm.
 */
function constrainGradients(opt: Optimizer, items: Item[]): number | undefined {
  for (const it of items) {
    const gcs = gradConstraintsOf(it.param);
    if (gcs.length === 0) continue;
    const g = it.grad.clone();
    for (const c of gcs) {
      c.project_(g);
      if (nonFinite([g]).length === 0) continue;
      // NOTE: a non-finite input gradient is reported (or skipped) with all the others, after clipping; a
      // constraint that made a finite gradient non-finite is at fault itself.
      if (nonFinite([it.grad]).length > 0) break;
      assertFinite(g, it.param, `${c} (gradient constraint)`);
    }
    it.grad = g;
    it.owned = true;
  }
  const { clipValue, clipNorm } = opt.defaults;
  if (clipValue !== undefined) {
    for (const it of items) {
      if (!it.owned) {
        it.grad = it.grad.clone();
        it.owned = true;
      }
      clampInPlace(it.grad, -clipValue, clipValue);
    }
  }
  if (clipNorm === undefined) return undefined;
  const total = totalNorm(
    items.map((it) => it.grad),
    2,
  );
  const coef = clipCoefficient(total, clipNorm);
  if (!(coef >= 1)) {
    for (const it of items) {
      it.grad = it.grad.mul(coef);
      it.owned = true;
    }
  }
  return total;
}

/** NaN and ±Infinity counts of `t` (one read each). */
function countNonFinite(t: Tensor): { nan: number; inf: number } {
  const nan = compare('ne', t, t).float().sum().item();
  const inf = compare('ne', t.mul(0), 0).float().sum().item() - nan;
  return { nan, inf };
}

/**
 * Which tensors of `list` have a non-finite entry, with ONE host read for the whole list: each tensor's sum,
 * stacked. A sum is finite only if every term is (NaN and ±Infinity absorb), so a finite sum settles it; a
 * non-finite one is rechecked exactly (finite terms can sum past float32's range).
 */
function nonFinite(list: readonly Tensor[]): number[] {
  if (list.length === 0) return [];
  const sums = stack(list.map((t) => t.sum())).dataSync();
  const bad: number[] = [];
  list.forEach((t, i) => {
    if (!Number.isFinite(sums[i]) && Number.isNaN(t.mul(0).sum().item())) bad.push(i);
  });
  return bad;
}

/** The parameters of `items` whose gradients are not all finite, with their counts. */
function nonFiniteGradients(items: readonly Item[]): { it: Item; report: NonFiniteGradient }[] {
  return nonFinite(items.map((it) => it.grad)).map((i) => {
    const it = items[i];
    return { it, report: { index: it.index, shape: [...it.param.shape], ...countNonFinite(it.grad) } };
  });
}

/** The documented error for a constrained parameter's non-finite gradient (same text on every path). */
function gradientError(it: Item, report: NonFiniteGradient, c: Constraint | string): ConstraintError {
  return new ConstraintError(
    `step: parameter ${it.index}: constraint '${c}' on a parameter of shape ${fmtShape(it.param.shape)}: the gradient (after gradient constraints and clipping) has ${report.nan} NaN and ${report.inf} infinite values; check the gradients, the learning rate and the loss; nothing was changed`,
  );
}

/** Runs the update of every staged parameter on copies, validated; writes nothing. */
function stage(opt: Optimizer, toStage: { it: Item; mode: 'project' | 'reparametrize' }[]): Staged[] {
  const staged: Staged[] = [];
  for (const { it, mode } of toStage) {
    const state = opt.state.get(it.param) ?? {};
    const work = cloneState(state);
    work.step = ((state.step as number | undefined) ?? 0) + 1;
    if (mode === 'project') {
      const working = it.param.detach().clone();
      opt._update(working, it.grad, work, it.group);
      projectStaged(it.param, working, { tensor: it.grad, what: 'the gradient' });
      staged.push({ it, mode, working, value: working, work });
    } else {
      const gradRaw = rawGrad(it.param, it.grad);
      const working = rawOf(it.param)!.clone();
      opt._update(working, gradRaw, work, it.group);
      const value = transformedValue(it.param, working);
      staged.push({ it, mode, working, value, work });
    }
  }
  // A finite gradient can still overflow the raw tensor or the state (a transform or a projection may map
  // the result back to finite values, leaving the parameter frozen): one read for all of them.
  const checks: { s: Staged; what: string; t: Tensor }[] = [];
  for (const s of staged) {
    if (s.mode === 'reparametrize') checks.push({ s, what: 'its raw tensor', t: s.working });
    for (const [k, v] of Object.entries(s.work)) if (isTensor(v)) checks.push({ s, what: `its state '${k}'`, t: v });
  }
  const bad = nonFinite(checks.map((c) => c.t));
  if (bad.length > 0) {
    const { s, what, t } = checks[bad[0]];
    const { nan, inf } = countNonFinite(t);
    throw new ConstraintError(
      `step: parameter ${s.it.index}: constraint '${constraintName(s.it.param)}' on a parameter of shape ${fmtShape(s.it.param.shape)}: the update made ${what} non-finite (${nan} NaN, ${inf} infinite) from a finite gradient (float32 overflow: lower the learning rate); nothing was changed`,
    );
  }
  return staged;
}

/**
 * Runs one step of `opt` over `groups` (undoable until it commits, see journal.ts). Returns null when the step was taken, or (with `skipNonFinite`) the
 * parameters whose gradients were not finite when it was skipped.
 */
export function runStep(opt: Optimizer, groups: ParamGroup[]): NonFiniteGradient[] | null {
  const items = collect(groups);
  if (items.length === 0) return null;
  const total = constrainGradients(opt, items);

  const free: Item[] = [];
  const inPlace: { it: Item; c: Constraint }[] = [];
  const toStage: { it: Item; mode: 'project' | 'reparametrize' }[] = [];
  for (const it of items) {
    const mode = enforcement(it.param);
    if (mode === 'none') {
      free.push(it);
      continue;
    }
    const c = mode === 'project' ? inPlaceProjection(it.param) : null;
    if (c && opt._safeUpdate(it.group)) inPlace.push({ it, c });
    else toStage.push({ it, mode });
  }

  // Gradients must be finite before anything is written: on constrained parameters (value or gradient
  // constraints) always, as their constraints would not survive; on all with skipNonFinite. A finite clipNorm
  // total says so already (no read).
  const skip = opt.defaults.skipNonFinite === true;
  const checked = skip ? items : items.filter((it) => !free.includes(it) || gradConstraintsOf(it.param).length > 0);
  if (checked.length > 0 && !(total !== undefined && Number.isFinite(total))) {
    const bad = nonFiniteGradients(checked);
    if (bad.length > 0) {
      if (skip) return bad.map((b) => b.report);
      const { it, report } = bad[0];
      const c = inPlace.find((x) => x.it === it)?.c ?? constraintName(it.param);
      throw gradientError(it, report, c);
    }
  }

  // Staged parameters: update copies, constrain and validate them; nothing is written yet.
  const staged = stage(opt, toStage);

  // NOTE: the writes. A backend call that throws is taken to have written nothing (backends check before they
  // write), so the last parameter written needs no snapshot when its update is a single write: a built-in
  // rule on an unconstrained parameter. The largest such parameter goes last, so the common case (a model
  // whose biggest weight is unconstrained) copies least.
  let last: Item | null = null;
  if (opt._singleWriteUpdate()) {
    for (const it of free) if (!last || it.param.size > last.param.size) last = it;
  }
  const targets: Tensor[] = [];
  const writtenInPlace = (it: Item) => {
    targets.push(it.param);
    if (!opt._mayWriteStateInPlace(it.param)) return;
    for (const v of Object.values(opt.state.get(it.param) ?? {})) if (isTensor(v)) targets.push(v);
  };
  for (const { it } of inPlace) writtenInPlace(it);
  for (const s of staged) targets.push(s.it.param, ...(s.mode === 'reparametrize' ? [rawOf(s.it.param)!] : []));
  for (const it of free) if (it !== last) writtenInPlace(it);
  const journal = new Journal(targets);
  try {
    for (const { it, c } of inPlace) {
      updateLogged(opt, journal, it);
      c.project_(it.param.detach());
    }
    for (const s of staged) {
      const state = journal.open(opt.state, s.it.param);
      s.it.param.copy_(s.value);
      if (s.mode === 'reparametrize') rawOf(s.it.param)!.copy_(s.working);
      for (const k of Object.keys(state)) if (!(k in s.work)) delete state[k];
      Object.assign(state, s.work);
    }
    for (const it of free) if (it !== last) updateLogged(opt, journal, it);
    if (last) updateLogged(opt, journal, last);
  } catch (e) {
    journal.rollback(opt.state, e);
    throw e;
  }
  journal.commit();
  return null;
}

/** Updates `it.param` in place with the optimizer's rule, recording its state entries in `journal`. */
function updateLogged(opt: Optimizer, journal: Journal, it: Item): void {
  const state = journal.open(opt.state, it.param);
  state.step = ((state.step as number | undefined) ?? 0) + 1;
  opt._update(it.param, it.grad, state, it.group);
}
