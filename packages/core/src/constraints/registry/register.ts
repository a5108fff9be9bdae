/**
 * Registering constraints on parameters: `registerConstraint` (and its async form) checks the constraint and
 * the mode, makes the parameter feasible at once (projected, or `transform(inverse(project(value)))` with the
 * raw tensor kept), and records it; `registerGradConstraint` records a gradient constraint. Each returns a
 * handle whose `remove()` detaches the constraint.
 */

import { type Held, type ReadPlan, runAsync, runSync } from '../../engine/read.js';
import { ArgumentError, fmtShape } from '../../errors.js';
import type { Parameter } from '../../nn/parameter.js';
import { isTensor } from '../../tensor/tensor.js';
import { ConstraintError, type ConstraintLike, type ConstraintMode, toConstraint } from '../constraint.js';
import { forgetDerivative } from './derivatives.js';
import { assertFinite, guarded, rawFor, transformOf } from './enforce.js';
import { effective, entryOf, jointGroupOf, type ParamEntry, type ValueEntry } from './store.js';

/** Options of `registerConstraint`. */
export interface RegisterConstraintOptions {
  /** 'project' (after every step) or 'reparametrize' (value = transform(raw)); default: the constraint's. */
  mode?: ConstraintMode;
}

/** Returned by `registerConstraint`: `remove()` detaches the constraint (the value stays where it is). */
export interface ConstraintHandle {
  remove(): void;
}

/** `registerConstraint` as a plan: checks, makes `param` feasible (one read to check it), records. */
function* registerPlan(
  param: Parameter,
  c: ConstraintLike,
  options: RegisterConstraintOptions | undefined,
  held: Held,
): ReadPlan<ConstraintHandle> {
  if (!isTensor(param)) throw new ArgumentError('registerConstraint: expected a Parameter');
  if (param.dtype !== 'float32')
    throw new ArgumentError(`registerConstraint: only float32 parameters can be constrained, got ${param.dtype}`);
  const constraint = toConstraint(c);
  const mode = options?.mode ?? constraint.defaultMode;
  if (mode !== 'project' && mode !== 'reparametrize')
    throw new ArgumentError(`registerConstraint: unknown mode '${mode}'`);
  const joint = jointGroupOf(param);
  if (joint) {
    throw new ConstraintError(
      `a parameter of shape ${fmtShape(param.shape)} is in a joint group (joint(${joint.constraint}) over ${joint.params.length} parameters); a joint group's members carry no constraints of their own: put '${constraint}' into the joint constraint with C.intersect(...), or remove the group first`,
    );
  }
  const e = entryOf(param);
  if (mode === 'reparametrize') {
    if (!constraint.reparametrizable) {
      throw new ConstraintError(
        `constraint '${constraint}' has no transform/inverse, so it cannot be used with { mode: 'reparametrize' }; use 'project'`,
      );
    }
    if (e.value.length > 0) {
      throw new ConstraintError(
        `a parameter of shape ${fmtShape(param.shape)} already has constraints (${e.value.map((v) => String(v.constraint)).join(', ')}); a reparametrized constraint must be its only one (combine sets with intersect() in project mode)`,
      );
    }
  } else if (e.value.some((v) => v.mode === 'reparametrize')) {
    throw new ConstraintError(
      `a parameter of shape ${fmtShape(param.shape)} is reparametrized by '${e.value[0].constraint}'; it cannot take project-mode constraints too`,
    );
  }
  const entry: ValueEntry = { constraint, mode };
  const current = { tensor: param, what: 'the current value' };
  if (mode === 'project') {
    const trial: ParamEntry = { value: [...e.value, entry], grad: [], raw: null, effective: null };
    const staged = held.hold(param.detach().clone());
    const eff = effective(trial);
    guarded(eff, param, 'project_', () => eff.project_(staged));
    yield* assertFinite(staged, param, eff, current);
    param.copy_(staged);
  } else {
    const raw = yield* rawFor(constraint, param, held);
    const value = held.hold(transformOf(constraint, param, raw));
    yield* assertFinite(value, param, constraint, current);
    param.copy_(value);
    forgetDerivative(param);
    e.raw = held.release(raw);
  }
  e.value.push(entry);
  e.effective = null;
  return {
    remove: () => {
      const i = e.value.indexOf(entry);
      if (i < 0) return;
      e.value.splice(i, 1);
      e.effective = null;
      if (mode === 'reparametrize' && e.raw) {
        forgetDerivative(param);
        e.raw.dispose();
        e.raw = null;
      }
    },
  };
}

/** Registers `c` on `param` and makes `param` feasible at once. Returns a handle whose `remove()` detaches it. */
export function registerConstraint(
  param: Parameter,
  c: ConstraintLike,
  options?: RegisterConstraintOptions,
): ConstraintHandle {
  return runSync(
    'registerConstraint',
    (held) => registerPlan(param, c, options, held),
    'await constraints.registerConstraintAsync(param, constraint)',
  );
}

/** Async form of `registerConstraint`, for backends that cannot read synchronously. */
export function registerConstraintAsync(
  param: Parameter,
  c: ConstraintLike,
  options?: RegisterConstraintOptions,
): Promise<ConstraintHandle> {
  return runAsync('registerConstraintAsync', (held) => registerPlan(param, c, options, held));
}

/**
 * Registers a constraint on `param`'s gradient: the optimizer applies it to the gradient before clipping and
 * the update (e.g. `clamp(-1, 1)` for value clipping, `maxNorm(1)` for per-parameter norm clipping).
 */
export function registerGradConstraint(param: Parameter, c: ConstraintLike): ConstraintHandle {
  const constraint = toConstraint(c);
  const e = entryOf(param);
  e.grad.push(constraint);
  return {
    remove: () => {
      const i = e.grad.indexOf(constraint);
      if (i >= 0) e.grad.splice(i, 1);
    },
  };
}
