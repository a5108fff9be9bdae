/**
 * The constraint registry: which constraints each parameter carries (a WeakMap, so `Parameter` stays a plain
 * tensor), making parameters feasible at registration, `applyConstraints`, reports and specs, and the hooks
 * the optimizer's one update path calls (project a staged value; the raw tensor and VJP of reparametrizations).
 */
import { enableGrad, noGrad } from '../autograd/grad-mode.js';
import { keep, tidy, track } from '../engine/lifetime.js';
import { ArgumentError, BackendError, fmtShape } from '../errors.js';
import type { Parameter } from '../nn/parameter.js';
import { compare } from '../ops/compare.js';
import { isTensor, type Tensor } from '../tensor/tensor.js';
import { IntersectConstraint } from './builtins/intersect.js';
import {
  type Constraint,
  ConstraintError,
  type ConstraintLike,
  type ConstraintMode,
  type ConstraintSpec,
  toConstraint,
} from './constraint.js';
import { fromSpec } from './names.js';

export type { ConstraintLike, ConstraintMode, ConstraintSpec } from './constraint.js';

/** Options of `registerConstraint`. */
export interface RegisterConstraintOptions {
  /** 'project' (after every step) or 'reparametrize' (value = transform(raw)); default: the constraint's. */
  mode?: ConstraintMode;
}

/** Returned by `registerConstraint`: `remove()` detaches the constraint (the value stays where it is). */
export interface ConstraintHandle {
  remove(): void;
}

/** One line of `constraintReport`. */
export interface ConstraintReportEntry {
  /** The parameter's dotted name. */
  name: string;
  /** The constraint, e.g. `maxNorm(max=2, dim=1)`. */
  constraint: string;
  mode: ConstraintMode;
  ok: boolean;
  maxViolation: number;
}

interface ValueEntry {
  constraint: Constraint;
  mode: ConstraintMode;
}

interface ParamEntry {
  value: ValueEntry[];
  grad: Constraint[];
  /** The unconstrained tensor of a reparametrized parameter. */
  raw: Tensor | null;
  effective: Constraint | null;
}

const registry = new WeakMap<Parameter, ParamEntry>();

function entryOf(param: Parameter): ParamEntry {
  let e = registry.get(param);
  if (!e) {
    e = { value: [], grad: [], raw: null, effective: null };
    registry.set(param, e);
  }
  return e;
}

/** The one constraint that stands for all of a parameter's project-mode constraints (their intersection). */
function effective(e: ParamEntry): Constraint {
  if (!e.effective) {
    const cs = e.value.map((v) => v.constraint);
    e.effective = cs.length === 1 ? cs[0] : new IntersectConstraint(cs);
  }
  return e.effective;
}

/**
 * Throws a `ConstraintError` unless every element of `t` is finite. `cause` (the constraint's input, or the
 * gradient) only improves the message when it is itself non-finite.
 */
export function assertFinite(
  t: Tensor,
  param: Tensor,
  c: Constraint | string,
  cause?: { tensor: Tensor; what: string },
): void {
  // NOTE: x·0 is 0 for every finite x and NaN for ±Infinity and NaN, so one sum tells whether all are finite.
  if (t.size === 0 || !Number.isNaN(t.mul(0).sum().item())) return;
  const nan = compare('ne', t, t).float().sum().item();
  const inf = compare('ne', t.mul(0), 0).float().sum().item() - nan;
  const hint =
    cause && Number.isNaN(cause.tensor.mul(0).sum().item())
      ? ` (${cause.what} already had non-finite entries: check the gradients, the learning rate and the loss)`
      : '';
  throw new ConstraintError(
    `constraint '${c}' on a parameter of shape ${fmtShape(param.shape)} produced ${nan} NaN and ${inf} infinite values${hint}; nothing was changed`,
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

/** Projects a staged value of `param` (a scratch tensor) onto its project-mode constraints in place, validated. */
export function projectStaged(param: Parameter, staged: Tensor, cause?: { tensor: Tensor; what: string }): void {
  const e = registry.get(param);
  if (!e || e.value.length === 0) return;
  const c = effective(e);
  guarded(c, param, 'project_', () => c.project_(staged));
  assertFinite(staged, param, c, cause);
}

/**
 * The constraint standing for `param`'s project-mode constraints when the optimizer may project the parameter
 * itself in place without validating the result (`safeProjection`: built-ins only), else null (no value
 * constraint, reparametrized, or some constraint that must be validated on a staged copy).
 */
export function inPlaceProjection(param: Parameter): Constraint | null {
  const e = registry.get(param);
  if (!e || e.value.length === 0 || e.value[0].mode !== 'project') return null;
  const c = effective(e);
  return c.safeProjection ? c : null;
}

/** `param`'s value projected onto its project-mode constraints, as a new tensor (validated; not written). */
export function projectedValue(param: Parameter, value: Tensor): Tensor {
  const e = registry.get(param);
  const staged = value.detach().clone();
  if (!e || e.value.length === 0) return staged;
  const c = effective(e);
  guarded(c, param, 'project_', () => c.project_(staged));
  assertFinite(staged, param, c, { tensor: value, what: 'its input' });
  return staged;
}

/** Registers `c` on `param` and makes `param` feasible at once. Returns a handle whose `remove()` detaches it. */
export function registerConstraint(
  param: Parameter,
  c: ConstraintLike,
  options?: RegisterConstraintOptions,
): ConstraintHandle {
  if (!isTensor(param)) throw new ArgumentError('registerConstraint: expected a Parameter');
  if (param.dtype !== 'float32')
    throw new ArgumentError(`registerConstraint: only float32 parameters can be constrained, got ${param.dtype}`);
  const constraint = toConstraint(c);
  const mode = options?.mode ?? constraint.defaultMode;
  if (mode !== 'project' && mode !== 'reparametrize')
    throw new ArgumentError(`registerConstraint: unknown mode '${mode}'`);
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
  noGrad(() =>
    tidy(() => {
      if (mode === 'project') {
        const trial: ParamEntry = { value: [...e.value, entry], grad: [], raw: null, effective: null };
        const staged = param.detach().clone();
        const eff = effective(trial);
        guarded(eff, param, 'project_', () => eff.project_(staged));
        assertFinite(staged, param, eff, { tensor: param, what: 'the current value' });
        param.copy_(staged);
      } else {
        const raw = rawFor(constraint, param);
        const value = guarded(constraint, param, 'transform', () => constraint.transform!(raw));
        assertFinite(value, param, constraint, { tensor: param, what: 'the current value' });
        param.copy_(value);
        e.raw = keep(raw);
      }
    }),
  );
  e.value.push(entry);
  e.effective = null;
  return {
    remove: () => {
      const i = e.value.indexOf(entry);
      if (i < 0) return;
      e.value.splice(i, 1);
      e.effective = null;
      if (mode === 'reparametrize' && e.raw) {
        e.raw.dispose();
        e.raw = null;
      }
    },
  };
}

/** The raw tensor for `value`: `inverse(project(value))`, validated. */
function rawFor(c: Constraint, value: Tensor): Tensor {
  const projected = guarded(c, value, 'project', () => c.project(value));
  const raw = guarded(c, value, 'inverse', () => c.inverse!(projected));
  assertFinite(raw, value, `${c} (inverse)`, { tensor: projected, what: 'the projected value' });
  if (raw.shape.length !== value.shape.length || raw.shape.some((d, i) => d !== value.shape[i])) {
    throw new ConstraintError(
      `constraint '${c}': inverse() returned shape ${fmtShape(raw.shape)} for a value of shape ${fmtShape(value.shape)}`,
    );
  }
  return raw;
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

/** Removes every constraint (value and gradient) from `param`. */
export function clearConstraints(param: Parameter): void {
  const e = registry.get(param);
  if (!e) return;
  e.raw?.dispose();
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

/** How the optimizer treats `param`: no value constraint, projection, or reparametrization. */
export function enforcement(param: Parameter): 'none' | 'project' | 'reparametrize' {
  const e = registry.get(param);
  if (!e || e.value.length === 0) return 'none';
  return e.value[0].mode === 'reparametrize' ? 'reparametrize' : 'project';
}

function reparamOf(param: Parameter): { e: ParamEntry; c: Constraint; raw: Tensor } {
  const e = registry.get(param);
  if (!e?.raw || e.value[0]?.mode !== 'reparametrize') {
    throw new ConstraintError('internal: parameter is not reparametrized');
  }
  return { e, c: e.value[0].constraint, raw: e.raw };
}

/** The raw tensor behind a reparametrized parameter (the optimizer updates it); null otherwise. */
export function rawOf(param: Parameter): Tensor | null {
  return registry.get(param)?.raw ?? null;
}

/**
 * The gradient with respect to the raw tensor: the VJP of `transform` at raw applied to `grad`. If the
 * parameter was written by hand since the last step (its value is no longer `transform(raw)`), raw is
 * re-derived from the value first.
 */
export function rawGrad(param: Parameter, grad: Tensor): Tensor {
  const { c, raw } = reparamOf(param);
  const vjp = (): { value: Tensor; g: Tensor } =>
    enableGrad(() => {
      const leaf = raw.detach().clone().requiresGrad_(true);
      const y = guarded(c, param, 'transform', () => c.transform!(leaf));
      if (!y.requiresGrad) return { value: y, g: leaf.mul(0).detach() };
      y.backward(grad);
      const g = leaf.grad ?? leaf.mul(0).detach();
      track(g);
      leaf.grad = null;
      return { value: y.detach(), g };
    });
  let out = vjp();
  const stale = compare('ne', out.value, param).float().sum().item() > 0;
  if (stale) {
    raw.copy_(noGrad(() => rawFor(c, param)));
    out = vjp();
  }
  return out.g;
}

/** `transform(raw)` for a reparametrized parameter, validated (finite, same shape). */
export function transformedValue(param: Parameter, raw: Tensor): Tensor {
  const { c } = reparamOf(param);
  const value = guarded(c, param, 'transform', () => noGrad(() => c.transform!(raw)));
  if (value.shape.length !== param.shape.length || value.shape.some((d, i) => d !== param.shape[i])) {
    throw new ConstraintError(
      `constraint '${c}': transform() returned shape ${fmtShape(value.shape)} for a parameter of shape ${fmtShape(param.shape)}`,
    );
  }
  assertFinite(value, param, c, { tensor: raw, what: 'the raw tensor' });
  return value;
}

/** Every parameter of a module (`parameters()`) or an iterable of parameters. */
function paramsOf(target: Iterable<Parameter> | { parameters(): Iterable<Parameter> }): Parameter[] {
  const maybe = target as { parameters?: () => Iterable<Parameter> };
  const list = typeof maybe.parameters === 'function' ? maybe.parameters() : (target as Iterable<Parameter>);
  return [...new Set(list)];
}

/**
 * Makes every given parameter (or every parameter of a module) satisfy its constraints now, e.g. after
 * writing values by hand. All-or-nothing: on an error no parameter changes. Returns how many were constrained.
 */
export function applyConstraints(target: Iterable<Parameter> | { parameters(): Iterable<Parameter> }): number {
  const params = paramsOf(target).filter((p) => enforcement(p) !== 'none');
  noGrad(() =>
    tidy(() => {
      const staged: [Parameter, Tensor, Tensor | null][] = [];
      for (const p of params) {
        if (enforcement(p) === 'project') {
          staged.push([p, projectedValue(p, p), null]);
        } else {
          const { c } = reparamOf(p);
          const raw = rawFor(c, p);
          staged.push([p, transformedValue(p, raw), raw]);
        }
      }
      for (const [p, value, raw] of staged) {
        p.copy_(value);
        if (raw) reparamOf(p).raw.copy_(raw);
      }
    }),
  );
  return params.length;
}

/** Every (parameter, constraint) pair with whether it holds now and its largest violation. */
export function constraintReport(namedParams: Iterable<[string, Parameter]>): ConstraintReportEntry[] {
  const out: ConstraintReportEntry[] = [];
  for (const [name, p] of namedParams) {
    for (const { constraint, mode } of constraintsOf(p)) {
      const { ok, maxViolation } = constraint.check(p);
      out.push({ name, constraint: String(constraint), mode, ok, maxViolation });
    }
  }
  return out;
}

/** The serializable specs of `param`'s constraints (value constraints with their mode, then gradient ones). */
export function constraintSpecs(param: Parameter): ConstraintSpec[] {
  const e = registry.get(param);
  if (!e) return [];
  return [
    ...e.value.map((v) => ({ ...v.constraint.toSpec(), mode: v.mode })),
    ...e.grad.map((c) => ({ ...c.toSpec(), target: 'grad' as const })),
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
