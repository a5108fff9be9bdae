/**
 * Enforcing registered constraints, as read plans (engine/read.ts) so that sync and async callers share them:
 * running a constraint's own code with its errors named (`guarded`), checking that what it produced is finite,
 * a reparametrization's raw tensor, value and VJP. The optimizer's step (optim/step/plan.ts) and
 * `applyConstraints` (apply.ts) call these for the parameters whose results they check.
 */
import { enableGrad, noGrad } from '../../autograd/grad-mode.js';
import { type Held, type ReadPlan, readNumber, runSync } from '../../engine/read.js';
import { BackendError, fmtShape } from '../../errors.js';
import type { Parameter } from '../../nn/parameter.js';
import { compare } from '../../ops/compare.js';
import { stack } from '../../ops/movement.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type Constraint, ConstraintError } from '../constraint.js';
import { everyFinite } from '../finite.js';
import { keptDerivative } from './derivatives.js';
import { enforcementOf } from './store.js';

/**
 * Throws a `ConstraintError` unless every element of `t` is finite. `cause` (the constraint's input, or the
 * gradient) only improves the message when it is itself non-finite. `t` and `cause` must outlive the plan's reads.
 */
export function* assertFinite(
  t: Tensor,
  param: Tensor,
  c: Constraint | string,
  cause?: { tensor: Tensor; what: string },
): ReadPlan<void> {
  if (yield* everyFinite(t)) return;
  const counts = [compare('ne', t, t).float().sum(), compare('ne', t.mul(0), 0).float().sum()];
  const [nan, nonFinite, causeSum] = yield stack(cause ? [...counts, cause.tensor.mul(0).sum()] : counts);
  const hint =
    cause && Number.isNaN(causeSum)
      ? ` (${cause.what} already had non-finite entries: check the gradients, the learning rate and the loss)`
      : '';
  throw new ConstraintError(
    `constraint '${c}' on a parameter of shape ${fmtShape(param.shape)} produced ${nan} NaN and ${nonFinite - nan} infinite values${hint}; nothing was changed`,
  );
}

/**
 * Runs a constraint's own code (`project_`, `transform`, `inverse`). Whatever it throws, other than a
 * `ConstraintError` or a backend failure (out of memory stays out of memory), becomes a `ConstraintError` that
 * names the constraint and the parameter's shape, with the original error as its `cause`.
 */
export function guarded<T>(c: Constraint | string, param: Tensor, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ConstraintError || err instanceof BackendError) throw err;
    const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    throw new ConstraintError(
      `constraint '${c}' on a parameter of shape ${fmtShape(param.shape)} raised ${detail} (in ${what}); nothing was changed`,
      { cause: err },
    );
  }
}

/** Throws unless `out` (what `c`'s `what` returned for `param`) has `param`'s shape. */
function checkShape(c: Constraint, what: string, out: Tensor, param: Tensor, of: string): void {
  if (out.shape.length !== param.shape.length || out.shape.some((d, i) => d !== param.shape[i])) {
    throw new ConstraintError(
      `constraint '${c}': ${what}() returned shape ${fmtShape(out.shape)} for ${of} of shape ${fmtShape(param.shape)}`,
    );
  }
}

/** The raw tensor for `value`: `inverse(project(value))`, validated; held in `held` (the caller owns it after). */
export function* rawFor(c: Constraint, value: Tensor, held: Held): ReadPlan<Tensor> {
  const projected = held.hold(guarded(c, value, 'project', () => c.project(value)));
  const raw = held.hold(guarded(c, value, 'inverse', () => c.inverse!(projected)));
  yield* assertFinite(raw, value, `${c} (inverse)`, { tensor: projected, what: 'the projected value' });
  checkShape(c, 'inverse', raw, value, 'a value');
  return raw;
}

/** `c.transform(raw)` for `param`, shape-checked but not yet checked for finiteness. */
export function transformOf(c: Constraint, param: Tensor, raw: Tensor): Tensor {
  const value = guarded(c, param, 'transform', () => noGrad(() => c.transform!(raw)));
  checkShape(c, 'transform', value, param, 'a parameter');
  return value;
}

/** The reparametrized constraint of `param` and its raw tensor; throws when `param` is not reparametrized. */
export function reparametrization(param: Parameter): { c: Constraint; raw: Tensor } {
  const e = enforcementOf(param);
  if (e.mode !== 'reparametrize') throw new ConstraintError('internal: parameter is not reparametrized');
  return { c: e.constraint, raw: e.raw };
}

/** `transform(raw)` for a reparametrized parameter, validated (finite, same shape). */
export function transformedValue(param: Parameter, raw: Tensor): Tensor {
  const { c } = reparametrization(param);
  const value = transformOf(c, param, raw);
  runSync(
    'transformedValue',
    () => assertFinite(value, param, c, { tensor: raw, what: 'the raw tensor' }),
    'none yet (load reparametrized parameters on a backend that reads synchronously)',
  );
  return value;
}

/**
 * The gradient with respect to the raw tensor: the VJP of `transform` at raw applied to `grad` (held in `held`).
 * If the parameter was written by hand since the last step (its value is no longer `transform(raw)`), raw is
 * re-derived from the value first (written in place: the caller undoes it on failure).
 */
export function* rawGrad(param: Parameter, grad: Tensor, held: Held): ReadPlan<Tensor> {
  const { c, raw } = reparametrization(param);
  const kept = keptDerivative(param);
  if (kept) {
    // NOTE: the VJP from the derivative the last step kept is the one transformVjp would give, bit for bit.
    if ((yield* readNumber(compare('ne', kept.value, param).float().sum())) === 0)
      return held.hold(grad.mul(kept.derivative));
  }
  const vjp = (): { value: Tensor; g: Tensor } =>
    c.transformVjp
      ? analyticVjp(c, param, raw, grad, held)
      : enableGrad(() => {
          const leaf = raw.detach().clone().requiresGrad_(true);
          const y = guarded(c, param, 'transform', () => c.transform!(leaf));
          if (!y.requiresGrad) return { value: y, g: held.hold(leaf.mul(0).detach()) };
          y.backward(grad);
          const g = leaf.grad ?? leaf.mul(0).detach();
          leaf.grad = null;
          return { value: y.detach(), g: held.hold(g) };
        });
  const out = vjp();
  const stale = (yield* readNumber(compare('ne', out.value, param).float().sum())) > 0;
  if (!stale) return out.g;
  raw.copy_(yield* rawFor(c, param, held));
  return vjp().g;
}

/**
 * `transform(raw)` for `param`, shape-checked but not yet checked for finiteness, with the derivative when `c`
 * computes it in the same pass (`transformAndDerivative`; see derivatives.ts).
 */
export function transformWithDerivative(
  c: Constraint,
  param: Tensor,
  raw: Tensor,
): { value: Tensor; derivative: Tensor | null } {
  if (!c.transformAndDerivative || !c.transformVjp) return { value: transformOf(c, param, raw), derivative: null };
  const out = guarded(c, param, 'transformAndDerivative', () => noGrad(() => c.transformAndDerivative!(raw)));
  checkShape(c, 'transformAndDerivative', out.value, param, 'a parameter');
  checkShape(c, 'transformAndDerivative', out.derivative, param, 'a parameter');
  return out;
}

/** `c.transformVjp(raw, grad)`, shape-checked, its gradient held in `held`. */
function analyticVjp(
  c: Constraint,
  param: Tensor,
  raw: Tensor,
  grad: Tensor,
  held: Held,
): { value: Tensor; g: Tensor } {
  const out = guarded(c, param, 'transformVjp', () => noGrad(() => c.transformVjp!(raw, grad)));
  checkShape(c, 'transformVjp', out.grad, param, 'a parameter');
  return { value: out.value, g: held.hold(out.grad) };
}
