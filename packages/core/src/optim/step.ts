/**
 * The one update path of every optimizer (called by `Optimizer.step()` under noGrad and tidy):
 * (1) skip parameters whose grad is null; (2) gradient constraints, then clipValue, then clipNorm;
 * (3)+(4) the subclass's update (weight decay inside, as in PyTorch); (5) parameter constraints.
 * Constrained parameters are updated on staged copies, validated, then committed, so a failing constraint
 * leaves every parameter and all optimizer state exactly as they were.
 */

import { clipCoefficient, totalNorm } from '../constraints/clip.js';
import { clampInPlace } from '../constraints/kernels.js';
import {
  assertFinite,
  enforcement,
  gradConstraintsOf,
  projectStaged,
  rawGrad,
  rawOf,
  transformedValue,
} from '../constraints/registry.js';
import { keep } from '../engine/scope.js';
import type { Parameter } from '../nn/parameter.js';
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

/** Gradients after the parameters' gradient constraints and the optimizer's clipValue/clipNorm. */
function constrainGradients(opt: Optimizer, items: Item[]): void {
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
  if (clipNorm !== undefined) {
    const coef = clipCoefficient(
      totalNorm(
        items.map((it) => it.grad),
        2,
      ),
      clipNorm,
    );
    if (!(coef >= 1)) {
      for (const it of items) {
        it.grad = it.grad.mul(coef);
        it.owned = true;
      }
    }
  }
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
  constrainGradients(opt, items);

  // Constrained parameters: update staged copies, constrain and validate them; nothing is written yet.
  const staged: Staged[] = [];
  const free: Item[] = [];
  for (const it of items) {
    const mode = enforcement(it.param);
    if (mode === 'none') {
      free.push(it);
      continue;
    }
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

  // Unconstrained parameters: updated in place (nothing can fail after their update).
  for (const it of free) {
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

  // Commit the staged parameters.
  for (const s of staged) {
    s.param.copy_(s.value);
    if (s.mode === 'reparametrize') rawOf(s.param)!.copy_(s.working);
    commitState(s.state, s.work);
    opt.state.set(s.param, s.state);
  }
}
