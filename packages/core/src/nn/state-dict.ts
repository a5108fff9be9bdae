/**
 * State dicts: a module's parameters and persistent buffers by dotted name, plus the parameters'
 * constraint specs in a non-enumerable `_metadata`. Loading is in two phases: a plan validates everything
 * (keys, shapes, dtypes, the specs, and the constrained values, staged on scratch parameters) without
 * writing anything, then a commit copies in place (so optimizers keep tracking the same Parameter objects)
 * and restores the constraints. A load that raises has changed nothing.
 */
import { noGrad } from '../autograd/grad-mode.js';
import type { Constraint } from '../constraints/constraint.js';
import { fromSpec } from '../constraints/names.js';
import { forgetDerivative } from '../constraints/registry/derivatives.js';
import {
  applyConstraints,
  type ConstraintSpec,
  clearConstraints,
  constraintSpecs,
  constraintsOf,
  enforcement,
  rawOf,
  registerConstraint,
  registerGradConstraint,
  transformedValue,
} from '../constraints/registry/index.js';
import { recordJointGroup } from '../constraints/registry/joint.js';
import {
  isJointSpec,
  type JointLoad,
  jointSpecsByParam,
  parseJointSpecs,
  stageJointLoad,
} from '../constraints/registry/joint-specs.js';
import { jointGroupOf } from '../constraints/registry/store.js';
import { tidy } from '../engine/lifetime.js';
import { CpError, fmtShape } from '../errors.js';
import { sameShape } from '../tensor/shape.js';
import { isTensor, type Tensor } from '../tensor/tensor.js';
import type { AnyModule } from './module.js';
import { Parameter } from './parameter.js';

/** Tensors by dotted name. A dict from `stateDict()` also has a non-enumerable `_metadata: StateDictMetadata`. */
export type StateDict = Record<string, Tensor>;

/** What `stateDict()` attaches as `_metadata` besides the tensors. */
export interface StateDictMetadata {
  /** Constraint specs per parameter name (only parameters that have constraints). */
  constraints: Record<string, ConstraintSpec[]>;
}

/** Options of `loadStateDict`. */
export interface LoadStateDictOptions {
  /** Throw on missing or unexpected keys (default true). Shape mismatches always throw. */
  strict?: boolean;
}

/** What `loadStateDict` reports. */
export interface LoadStateDictResult {
  /** Keys the module has that the dict lacks. */
  missingKeys: string[];
  /** Keys of the dict the module does not have. */
  unexpectedKeys: string[];
}

/** A state dict that does not fit the module: missing or unexpected keys, or shape mismatches. */
export class StateDictError extends CpError {
  override name = 'StateDictError';
}

/** The `_metadata` of a state dict, if it has one. */
export function stateDictMetadata(stateDict: StateDict): StateDictMetadata | undefined {
  return (stateDict as { _metadata?: StateDictMetadata })._metadata;
}

/** Every tensor a state dict holds for `module`, by dotted name (shared tensors under each name, like PyTorch). */
function stateTargets(module: AnyModule, prefix: string, out: Map<string, Tensor>): Map<string, Tensor> {
  const own = module._ownState();
  for (const [k, p] of own.params) if (p) out.set(prefix + k, p);
  for (const [k, b, persistent] of own.buffers) if (b && persistent) out.set(prefix + k, b);
  for (const [k, m] of own.modules) if (m) stateTargets(m, `${prefix}${k}.`, out);
  return out;
}

/** @internal `module.stateDict()`. */
export function stateDictOf(module: AnyModule, prefix: string): StateDict {
  const sd: StateDict = {};
  const constraints: Record<string, ConstraintSpec[]> = {};
  const targets = stateTargets(module, prefix ? `${prefix}.` : '', new Map());
  const named = [...targets].filter((e): e is [string, Parameter] => e[1] instanceof Parameter);
  const joint = jointSpecsByParam(named);
  for (const [k, t] of targets) {
    sd[k] = t.detach();
    if (t instanceof Parameter) {
      const specs = constraintSpecs(t);
      const j = joint.get(t);
      // NOTE: a parameter shared under several names carries its group under the name the group lists.
      if (j && (j.options.params as string[]).includes(k)) specs.push(j);
      if (specs.length > 0) constraints[k] = specs;
    }
  }
  const metadata: StateDictMetadata = { constraints };
  Object.defineProperty(sd, '_metadata', { value: metadata, enumerable: false, writable: true, configurable: true });
  return sd;
}

/** @internal Options of `planStateDictLoad`. */
export interface StateDictLoadPlanOptions extends LoadStateDictOptions {
  /**
   * 'project' (`loadStateDict`): a value outside its parameter's constraints is projected onto them.
   * 'exact' (checkpoints): such a value is an error, and every value is written bit for bit.
   */
  values: 'project' | 'exact';
  /** Exact mode: the raw tensors behind reparametrized parameters, by parameter name (others are derived). */
  raws?: ReadonlyMap<string, Tensor>;
}

/** @internal A validated load. Nothing is written until `commit()`, which cannot fail on what was validated. */
export interface StateDictLoadPlan {
  result: LoadStateDictResult;
  commit(): void;
}

interface Built {
  spec: ConstraintSpec;
  c: Constraint;
}

interface Staged {
  name: string;
  param: Parameter;
  src: Tensor;
  /** The constraints the dict's specs give the parameter; null when it keeps its own. */
  built: Built[] | null;
  value: Tensor;
  raw: Tensor | null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Why `list` is not a list of specs (name, options object, mode, target), or null. */
function specProblem(list: unknown): string | null {
  if (!Array.isArray(list)) return `must be a list of constraint specs, got ${JSON.stringify(list)}`;
  for (const [i, s] of list.entries()) {
    const bad = (what: string) => `spec ${i} ${what}, got ${JSON.stringify(s)}`;
    if (!isObject(s)) return bad('must be an object {name, options, mode?, target?}');
    if (typeof s.name !== 'string') return bad("needs a string 'name'");
    if (s.options !== undefined && !isObject(s.options)) return bad("needs an object 'options'");
    if (s.mode !== undefined && s.mode !== 'project' && s.mode !== 'reparametrize')
      return bad("has a 'mode' that is neither 'project' nor 'reparametrize'");
    if (s.target !== undefined && s.target !== 'value' && s.target !== 'grad')
      return bad("has a 'target' that is neither 'value' nor 'grad'");
  }
  return null;
}

/** Runs `fn`; any error it raises becomes a StateDictError about parameter `name` (the plan's one error class). */
function about<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new StateDictError(`loadStateDict: the constraints of '${name}': ${message}`, { cause: e });
  }
}

/**
 * Stages `s` on a scratch parameter: registers its constraints there exactly as the commit will register them
 * on the real one, so every spec is built, every mode rule and finiteness check runs, and the values to write
 * are known. The scratch parameter is freed; the staged tensors live in the caller's tidy scope.
 */
function stage(s: Staged, options: StateDictLoadPlanOptions): void {
  const value = s.built
    ? s.built.filter((b) => b.spec.target !== 'grad').map((b) => ({ c: b.c, mode: b.spec.mode }))
    : constraintsOf(s.param).map((v) => ({ c: v.constraint, mode: v.mode }));
  const given = options.raws?.get(s.name) ?? null;
  if (value.length === 0 && !given) return;
  const scratch = new Parameter(s.src.detach().clone(), false);
  try {
    about(s.name, () => {
      for (const v of value) registerConstraint(scratch, v.c, v.mode ? { mode: v.mode } : undefined);
      const reparametrized = enforcement(scratch) === 'reparametrize';
      if (options.values === 'project') {
        applyConstraints([scratch]);
        s.value = scratch.detach().clone();
        s.raw = reparametrized ? rawOf(scratch)!.clone() : null;
        return;
      }
      for (const { c } of value) {
        const { ok, maxViolation } = c.check(s.src);
        if (!ok) {
          const what = Number.isNaN(maxViolation) ? 'holds NaN, which' : `is off by ${maxViolation}, which`;
          throw new StateDictError(
            `the value ${what} '${c}' does not accept (a saved value satisfies its constraints)`,
          );
        }
      }
      if (given && !reparametrized)
        throw new StateDictError('a raw tensor was given, but its constraints do not reparametrize it');
      if (reparametrized && !given && s.built)
        throw new StateDictError('its specs reparametrize it, but no raw tensor was given');
      if (given) transformedValue(scratch, given);
      s.raw = reparametrized ? (given ?? rawOf(scratch)!.clone()) : null;
    });
  } finally {
    clearConstraints(scratch);
    scratch.dispose();
  }
}

/**
 * @internal Validates loading `sd` into `module` and stages every value, without writing anything: keys
 * (strict), shapes, dtypes, the constraint specs in `_metadata` (built and registered on scratch parameters),
 * and the constrained values (projected, or checked in exact mode). Throws a `StateDictError` naming the keys.
 * Call it inside `noGrad` and `tidy`, and `commit()` in the same scope.
 */
export function planStateDictLoad(
  module: AnyModule,
  sd: StateDict,
  options: StateDictLoadPlanOptions,
): StateDictLoadPlan {
  if (sd === null || typeof sd !== 'object')
    throw new StateDictError(`loadStateDict: expected an object of tensors, got ${sd === null ? 'null' : typeof sd}`);
  const strict = options.strict ?? true;
  const targets = stateTargets(module, '', new Map());
  const missingKeys = [...targets.keys()].filter((k) => !Object.hasOwn(sd, k));
  const unexpectedKeys = Object.keys(sd).filter((k) => !targets.has(k));
  const errors: string[] = [];
  if (strict && missingKeys.length > 0) errors.push(`Missing key(s): ${missingKeys.map((k) => `'${k}'`).join(', ')}.`);
  if (strict && unexpectedKeys.length > 0)
    errors.push(`Unexpected key(s): ${unexpectedKeys.map((k) => `'${k}'`).join(', ')}.`);
  const pairs: [Tensor, Tensor][] = [];
  const staged = new Map<Parameter, Staged>();
  for (const [k, target] of targets) {
    if (!Object.hasOwn(sd, k)) continue;
    const src = sd[k];
    if (!isTensor(src)) {
      errors.push(`'${k}' is not a tensor (got ${typeof src}).`);
    } else if (!sameShape(src.shape, target.shape)) {
      errors.push(
        `size mismatch for '${k}': the state dict has shape ${fmtShape(src.shape)}, the module has ${fmtShape(target.shape)}.`,
      );
    } else if (src.dtype !== target.dtype) {
      errors.push(`dtype mismatch for '${k}': the state dict has ${src.dtype}, the module has ${target.dtype}.`);
    } else {
      pairs.push([target, src]);
      if (target instanceof Parameter && !staged.has(target))
        staged.set(target, { name: k, param: target, src, built: null, value: src, raw: null });
    }
  }
  for (const [k, r] of options.raws ?? []) {
    const target = targets.get(k);
    if (!(target instanceof Parameter)) errors.push(`a raw tensor for '${k}', which is not a parameter of the module.`);
    else if (!sameShape(r.shape, target.shape))
      errors.push(
        `size mismatch for the raw tensor of '${k}': it has shape ${fmtShape(r.shape)}, the parameter ${fmtShape(target.shape)}.`,
      );
    else if (r.dtype !== target.dtype)
      errors.push(`dtype mismatch for the raw tensor of '${k}': it is ${r.dtype}, the parameter ${target.dtype}.`);
  }
  const specs: unknown = stateDictMetadata(sd)?.constraints;
  const specLists = new Map<Parameter, [string, ConstraintSpec[]]>();
  if (specs !== undefined && !isObject(specs)) {
    errors.push(`_metadata.constraints must be an object of spec lists, got ${JSON.stringify(specs)}.`);
  } else if (specs) {
    for (const [k, list] of Object.entries(specs)) {
      const target = targets.get(k);
      const problem = specProblem(list);
      if (problem) errors.push(`the constraints of '${k}' ${problem}.`);
      else if (target instanceof Parameter) {
        if (!specLists.has(target)) specLists.set(target, [k, list as ConstraintSpec[]]);
      } else if (strict) errors.push(`constraint specs for '${k}', which is not a parameter of the module.`);
    }
  }
  if (errors.length > 0) {
    throw new StateDictError(
      `loadStateDict: error(s) loading the state dict into ${module.constructor.name}:\n  ${errors.join('\n  ')}`,
    );
  }
  // NOTE: without strict, specs may come for a parameter the dict has no value for: they apply to its own value.
  for (const [param, [k]] of specLists)
    if (!staged.has(param)) staged.set(param, { name: k, param, src: param, built: null, value: param, raw: null });
  const joints = planJoints(specLists, targets);
  noGrad(() => {
    for (const s of staged.values()) {
      const listed = specLists.get(s.param);
      if (listed)
        s.built = about(listed[0], () =>
          listed[1].filter((spec) => !isJointSpec(spec)).map((spec) => ({ spec, c: fromSpec(spec) })),
        );
      stage(s, options);
    }
    for (const j of joints.all) stageJoint(j, staged, options);
  });
  return {
    result: { missingKeys, unexpectedKeys },
    commit: () =>
      noGrad(() => {
        for (const [target, src] of pairs) target.copy_(src);
        for (const s of staged.values()) {
          if (!s.built) continue;
          clearConstraints(s.param);
          for (const { spec, c } of s.built) {
            if (spec.target === 'grad') registerGradConstraint(s.param, c);
            else registerConstraint(s.param, c, spec.mode ? { mode: spec.mode } : undefined);
          }
        }
        // NOTE: registering re-derives raw = inverse(value), which may differ from the staged raw in the last
        // bit; writing both back makes the next step the one the saved run would take.
        for (const s of staged.values()) {
          if (s.value !== s.src) s.param.copy_(s.value);
          else if (s.built) s.param.copy_(s.src);
          if (s.raw) {
            forgetDerivative(s.param);
            rawOf(s.param)?.copy_(s.raw);
          }
        }
        for (const j of joints.fresh) recordJointGroup(j.params, j.constraint);
      }),
  };
}

/**
 * The joint groups of a load: those the dict's specs describe (`fresh`, registered by the commit) and the
 * module's own groups that no spec list of the dict touches (kept; their loaded values are staged against them).
 */
function planJoints(
  specLists: Map<Parameter, [string, ConstraintSpec[]]>,
  targets: Map<string, Tensor>,
): { fresh: JointLoad[]; all: JointLoad[] } {
  const fresh = about([...specLists.values()].map(([k]) => k).join(', '), () =>
    parseJointSpecs([...specLists.values()], (n) => {
      const t = targets.get(n);
      return t instanceof Parameter ? t : null;
    }),
  );
  const kept = new Map<object, JointLoad>();
  for (const t of targets.values()) {
    const g = t instanceof Parameter ? jointGroupOf(t) : null;
    if (!g || kept.has(g) || g.params.some((p) => specLists.has(p))) continue;
    kept.set(g, { names: [], params: [...g.params], constraint: g.constraint });
  }
  return { fresh, all: [...fresh, ...kept.values()] };
}

/** Stages the members' loaded values against joint group `j`: projected in 'project' mode, checked in 'exact'. */
function stageJoint(j: JointLoad, staged: Map<Parameter, Staged>, options: StateDictLoadPlanOptions): void {
  const label = j.names.length > 0 ? j.names.join(' + ') : 'a joint group';
  const values = j.params.map((p) => staged.get(p)?.value ?? p);
  const projected = about(label, () => stageJointLoad(j, values, options.values));
  if (!projected) return;
  j.params.forEach((p, i) => {
    const s = staged.get(p) ?? { name: label, param: p, src: p, built: null, value: p, raw: null };
    s.value = projected[i];
    staged.set(p, s);
  });
}

/** @internal `module.loadStateDict(sd, options)`: plan (validate everything), then commit. */
export function loadStateDictInto(
  module: AnyModule,
  sd: StateDict,
  options?: LoadStateDictOptions,
): LoadStateDictResult {
  return tidy(() => {
    const plan = planStateDictLoad(module, sd, { ...options, values: 'project' });
    plan.commit();
    return plan.result;
  });
}
