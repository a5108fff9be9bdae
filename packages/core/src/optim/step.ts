/**
 * The one update path of every optimizer (called by `Optimizer.step()` under noGrad and tidy):
 * (1) skip parameters whose grad is null; (2) gradient constraints, then clipValue, then clipNorm;
 * (3)+(4) the subclass's update (weight decay inside, as in PyTorch); (5) parameter constraints.
 *
 * Constrained parameters take one of two paths; either way a failure raises before anything is written, so
 * every parameter and all optimizer state stay exactly as they were:
 * - in place (`fast`): every value constraint is a built-in projection that cannot fail on finite input
 *   (`safeProjection`) and the update rule is a built-in one that cannot either (`_safeUpdate`). The only thing
 *   left to check is the input: one reduction over these parameters' gradients, read once per step (none when
 *   clipNorm's total norm already says), before any write. Then update and project the parameter itself.
 * - staged: custom constraints, reparametrizations, Dykstra intersections, other update rules. The update runs
 *   on copies of the value and the state; the result is projected and validated, and committed at the end.
 */

import { clipCoefficient, totalNorm } from '../constraints/clip.js';
import { type Constraint, ConstraintError } from '../constraints/constraint.js';
import { clampInPlace } from '../constraints/kernels.js';
import {
  assertFinite,
  enforcement,
  gradConstraintsOf,
  inPlaceProjection,
  projectStaged,
  rawGrad,
  rawOf,
  transformedValue,
} from '../constraints/registry.js';
import { keep } from '../engine/scope.js';
import { fmtShape } from '../errors.js';
import type { Parameter } from '../nn/parameter.js';
import { compare } from '../ops/compare.js';
import { stack } from '../ops/movement.js';
import { isTensor, type Tensor } from '../tensor/tensor.js';
import type { Optimizer, ParamGroup, ParamState } from './optimizer.js';

interface Item {
  param: Parameter;
  group: ParamGroup;
  grad: Tensor;
  /** True once `grad` is a private copy (never write into `param.grad`). */
  owned: boolean;
}

interface Staged {
  param: Parameter;
  mode: 'project' | 'reparametrize';
  /** The updated parameter (project) or raw tensor (reparametrize). */
  working: Tensor;
  value: Tensor;
  state: ParamState;
  work: ParamState;
}

function cloneState(s: ParamState): ParamState {
  const out: ParamState = {};
  for (const [k, v] of Object.entries(s)) out[k] = isTensor(v) ? v.clone() : v;
  return out;
}

/** Makes `target` hold `next`'s entries: new tensors are kept, replaced ones disposed. */
function commitState(target: ParamState, next: ParamState): void {
  for (const [k, v] of Object.entries(next)) {
    const old = target[k];
    if (isTensor(v)) keep(v);
    if (isTensor(old) && old !== v) old.dispose();
    target[k] = v;
  }
}

interface InPlace {
  it: Item;
  /** The parameter's effective constraint (safe to project the parameter with, in place). */
  c: Constraint;
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
      assertFinite(g, it.param, `${c} (gradient constraint)`, { tensor: it.grad, what: 'the gradient' });
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

/**
 * Raises a `ConstraintError` unless every gradient of `list` is finite, with ONE host read for the whole list:
 * each gradient's sum, stacked. A sum is finite only if every term is (NaN and ±Infinity absorb), so a finite
 * sum settles it; a non-finite one is rechecked exactly (finite terms can sum past float32's range).
 */
function assertFiniteGradients(list: InPlace[]): void {
  const sums = stack(list.map(({ it }) => it.grad.sum())).dataSync();
  list.forEach(({ it, c }, i) => {
    if (Number.isFinite(sums[i])) return;
    const g = it.grad;
    if (!Number.isNaN(g.mul(0).sum().item())) return;
    const nan = compare('ne', g, g).float().sum().item();
    const inf = compare('ne', g.mul(0), 0).float().sum().item() - nan;
    throw new ConstraintError(
      `constraint '${c}' on a parameter of shape ${fmtShape(it.param.shape)}: the gradient (after gradient constraints and clipping) has ${nan} NaN and ${inf} infinite values; check the gradients, the learning rate and the loss; nothing was changed`,
    );
  });
}

/** Updates `it.param` in place with the optimizer's rule, keeping new state tensors and freeing replaced ones. */
function updateInPlace(opt: Optimizer, it: Item): void {
  const state = opt.state.get(it.param) ?? {};
  const before: ParamState = { ...state };
  state.step = ((state.step as number | undefined) ?? 0) + 1;
  opt._update(it.param, it.grad, state, it.group);
  for (const [k, v] of Object.entries(state)) {
    if (v === before[k]) continue;
    if (isTensor(v)) keep(v);
    const old = before[k];
    if (isTensor(old)) old.dispose();
  }
  opt.state.set(it.param, state);
}

/** Runs one step of `opt` over `groups`. */
export function runStep(opt: Optimizer, groups: ParamGroup[]): void {
  const items: Item[] = [];
  for (const group of groups) {
    for (const param of group.params) {
      const grad = param.grad;
      if (grad === null || grad.isDisposed) continue;
      items.push({ param, group, grad, owned: false });
    }
  }
  if (items.length === 0) return;
  const total = constrainGradients(opt, items);

  const free: Item[] = [];
  const inPlace: InPlace[] = [];
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

  // In-place parameters: their inputs must be finite before anything is written (a finite clipNorm total says
  // so already). Neither their update rule nor their projection can then fail, short of float32 overflow.
  if (inPlace.length > 0 && !(total !== undefined && Number.isFinite(total))) assertFiniteGradients(inPlace);

  // Staged parameters: update copies, constrain and validate them; nothing is written yet.
  const staged: Staged[] = [];
  for (const { it, mode } of toStage) {
    const state = opt.state.get(it.param) ?? {};
    const work = cloneState(state);
    work.step = ((state.step as number | undefined) ?? 0) + 1;
    if (mode === 'project') {
      const working = it.param.detach().clone();
      opt._update(working, it.grad, work, it.group);
      projectStaged(it.param, working, { tensor: it.grad, what: 'the gradient' });
      staged.push({ param: it.param, mode, working, value: working, state, work });
    } else {
      const gradRaw = rawGrad(it.param, it.grad);
      const working = rawOf(it.param)!.clone();
      opt._update(working, gradRaw, work, it.group);
      const value = transformedValue(it.param, working);
      staged.push({ param: it.param, mode, working, value, state, work });
    }
  }

  // Nothing can fail from here on. Unconstrained parameters: updated in place.
  for (const it of free) updateInPlace(opt, it);

  // In-place parameters: update, then project the parameter itself (detach shares its storage).
  for (const { it, c } of inPlace) {
    updateInPlace(opt, it);
    c.project_(it.param.detach());
  }

  // Commit the staged parameters.
  for (const s of staged) {
    s.param.copy_(s.value);
    if (s.mode === 'reparametrize') rawOf(s.param)!.copy_(s.working);
    commitState(s.state, s.work);
    opt.state.set(s.param, s.state);
  }
}
