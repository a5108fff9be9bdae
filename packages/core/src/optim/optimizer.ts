/**
 * `Optimizer`: parameter groups and their checked options, per-parameter state, hooks, `zeroGrad`, state dicts,
 * and the ONE update path every optimizer takes (`step()`, see step.ts). Subclasses implement only `update()`
 * (the rule that writes a new value in place, with the weight decay of their algorithm), and declare their
 * options' checks (`validateGroup`) and their state (`stateSpec`).
 */
import { enableGrad, noGrad } from '../autograd/grad-mode.js';
import type { FusedKernelArgs, FusedKernelName } from '../backend/fused-kernels.js';
import { fusedFor } from '../constraints/kernels.js';
import { keep, tidy } from '../engine/lifetime.js';
import { ArgumentError } from '../errors.js';
import type { Parameter } from '../nn/parameter.js';
import { isTensor, type Tensor } from '../tensor/tensor.js';
import {
  checkBoolean,
  checkKeys,
  checkNumber,
  checkOptimizerWide,
  closestKey,
  OPTIMIZER_WIDE_KEYS,
  SCHEDULER_KEYS,
  withContext,
} from './options.js';
import { reportSkip, type SkipInfo } from './skip.js';
import { type StateSpec, validateStateDict } from './state-dict.js';
import { runStep } from './step.js';

/** Options every optimizer has (per parameter group). */
export interface OptimizerOptions {
  /** Learning rate. */
  lr: number;
  /** L2 penalty (coupled, added to the gradient) or decoupled decay (AdamW). */
  weightDecay: number;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/**
 * Optimizer-wide options (not per group): gradient clipping, applied after parameters' gradient constraints and
 * before the update, and what to do with a step whose gradients are not all finite.
 */
export interface ClipOptions {
  /** Scale all gradients so their global L2 norm is at most this (like `clipGradNorm`). */
  clipNorm?: number;
  /** Clamp every gradient element into `[-clipValue, clipValue]`. */
  clipValue?: number;
  /**
   * Skip a step whose gradients (after gradient constraints and clipping) are not all finite: parameters and
   * state stay untouched, `skippedSteps` counts it, `lastStepSkipped` flags it, and `onSkip` (or, without it,
   * one `console.warn` the first time) reports it. Default false: a constrained parameter's non-finite
   * gradient raises a `ConstraintError`; an unconstrained one's propagates, as in PyTorch.
   */
  skipNonFinite?: boolean;
  /** Called with the details of every skipped step (with `skipNonFinite`); replaces the one-time warning. */
  onSkip?: (info: SkipInfo) => void;
}

/** Per-parameter optimizer state: tensors (moments, buffers) and numbers (`step`). */
export type ParamState = Record<string, Tensor | number>;

/** A parameter group: its parameters and its own options (schedulers add `initialLr` and others). */
export type ParamGroup<O extends OptimizerOptions = OptimizerOptions> = O & {
  params: Parameter[];
  [key: string]: unknown;
};

/** A parameter group as passed in: parameters plus any options that differ from the defaults. */
export type ParamGroupInput<O extends OptimizerOptions = OptimizerOptions> = Partial<O> & {
  params: Iterable<Parameter>;
};

/** What optimizers accept: parameters (or a module's `parameters()`), or a list of parameter groups. */
export type ParamsInput<O extends OptimizerOptions = OptimizerOptions> = Iterable<Parameter> | ParamGroupInput<O>[];

/** A step hook; called with the optimizer before (pre) or after (post) each step. */
export type StepHook = (optimizer: Optimizer) => void;

/** A serialized optimizer: state by parameter index (in group order) and the groups' options (PyTorch layout). */
export interface OptimizerStateDict {
  state: Record<number, Record<string, Tensor | number>>;
  paramGroups: (Record<string, unknown> & { params: number[] })[];
}

/**
 * Update rules (all built-in) that cannot turn finite inputs (gradient, value, state) into NaN or ±Infinity short of float32
 * overflow, each with the condition on the group's options under which that holds. Keyed by the function, so a
 * subclass that overrides `update()` is not covered. The step updates constrained parameters in place (no
 * staged copy) only when their rule is here and the condition holds; see step.ts. Every rule here also writes
 * the parameter, and any state tensor it changes in place, in one backend call made last (a fused kernel or the
 * final `copy_`); state it replaces is assigned, not written: the step relies on that to skip a snapshot.
 */
const SAFE_UPDATES = new Map<unknown, (group: ParamGroup) => boolean>();

/** @internal Declares a built-in's `update` method safe (see `SAFE_UPDATES`) for the groups where `when` holds. */
export function declareSafeUpdate<O extends OptimizerOptions>(
  update: (param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<O>) => void,
  when: (group: ParamGroup<O>) => boolean,
): void {
  SAFE_UPDATES.set(update, when as unknown as (group: ParamGroup) => boolean);
}

/** True when every value is a finite number. */
export function allFinite(...values: number[]): boolean {
  return values.every(Number.isFinite);
}

function copyOption(v: unknown): unknown {
  return Array.isArray(v) ? [...v] : v;
}

/** The base class of every optimizer. `step()` is final: override `update()` only. */
export abstract class Optimizer<O extends OptimizerOptions = OptimizerOptions> {
  /** The groups of parameters with their options. Change `lr` etc. here (schedulers do); `step()` checks them. */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, created on a parameter's first update. */
  readonly state = new Map<Parameter, ParamState>();
  /** The defaults for new groups, plus the optimizer-wide options (clipping, `skipNonFinite`, `onSkip`). */
  readonly defaults: O & ClipOptions;
  /** Steps skipped because of non-finite gradients (with `skipNonFinite`). */
  skippedSteps = 0;
  /** True when the last `step()` was skipped (with `skipNonFinite`). */
  lastStepSkipped = false;
  private readonly preHooks: StepHook[] = [];
  private readonly postHooks: StepHook[] = [];
  /** The option keys of a group (the defaults' keys). */
  private readonly groupKeys: readonly string[];

  /**
   * `defaults` are the optimizer's own option values; `options` (what the user passed) override them, and an
   * option key that is not in `defaults` or optimizer-wide is an `ArgumentError` naming the intended key.
   * (Called with `defaults` only, already merged, unknown keys cannot be told apart.)
   */
  constructor(params: ParamsInput<O>, defaults: O & ClipOptions, options?: Partial<O> & ClipOptions) {
    const name = this.constructor.name;
    if (this.step !== Optimizer.prototype.step) {
      throw new ArgumentError(`${name}: step() is final; implement update() instead`);
    }
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new ArgumentError(`${name}: options must be an object, got ${options === null ? 'null' : typeof options}`);
    }
    this.groupKeys = Object.keys(defaults).filter((k) => !OPTIMIZER_WIDE_KEYS.includes(k));
    const given = Object.entries(options ?? {}).filter(([, v]) => v !== undefined);
    checkKeys(
      name,
      given.map(([k]) => k),
      [...this.groupKeys, ...OPTIMIZER_WIDE_KEYS],
    );
    const merged = { ...defaults, ...Object.fromEntries(given) } as O & ClipOptions;
    withContext(name, () => checkOptimizerWide(merged as unknown as Record<string, unknown>));
    this.defaults = merged;
    this._checkGroup({ ...this.groupDefaults(), params: [] } as unknown as ParamGroup<O>, name);
    const maybeModule = params as { parameters?: () => Iterable<Parameter> };
    if (params === null || typeof params !== 'object' || !(Symbol.iterator in params || maybeModule.parameters)) {
      throw new ArgumentError(`${name}: params must be parameters, a module's parameters() or a list of groups`);
    }
    const list = [
      ...(typeof maybeModule.parameters === 'function'
        ? maybeModule.parameters()
        : (params as Iterable<Parameter | ParamGroupInput<O>>)),
    ];
    if (list.length === 0) throw new ArgumentError(`${name}: got an empty parameter list`);
    const groups = isTensor(list[0])
      ? [{ params: list as Parameter[] } as unknown as ParamGroupInput<O>]
      : (list as ParamGroupInput<O>[]);
    for (const g of groups) this.addParamGroup(g);
  }

  private groupDefaults(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k of this.groupKeys) out[k] = copyOption((this.defaults as Record<string, unknown>)[k]);
    return out;
  }

  /** Adds a group; options it leaves out come from the defaults. A parameter may be in only one group. */
  addParamGroup(group: ParamGroupInput<O>): void {
    const where = `${this.constructor.name}: group ${this.paramGroups.length}`;
    if (group === null || typeof group !== 'object' || !group.params || !(Symbol.iterator in Object(group.params))) {
      throw new ArgumentError(`${where}: a group must be an object with an iterable 'params'`);
    }
    const params = [...group.params];
    if (params.length === 0) throw new ArgumentError(`addParamGroup: the group has no parameters`);
    for (const p of params) {
      if (!isTensor(p)) throw new ArgumentError('addParamGroup: params must be Parameters (tensors)');
      if (p.isDisposed) throw p._disposedError(`${this.constructor.name}: a parameter`);
      if (this.paramGroups.some((g) => g.params.includes(p)) || params.indexOf(p) !== params.lastIndexOf(p)) {
        throw new ArgumentError('addParamGroup: some parameters appear in more than one parameter group');
      }
    }
    const given = Object.entries(group).filter(([k, v]) => k !== 'params' && v !== undefined);
    this._checkGroupKeys(
      where,
      given.map(([k]) => k),
    );
    const merged: Record<string, unknown> = this.groupDefaults();
    for (const [k, v] of given) merged[k] = copyOption(v);
    merged.params = params;
    const full = merged as ParamGroup<O>;
    this._checkGroup(full, where);
    this.paramGroups.push(full);
  }

  /**
   * @internal Throws for a group key that is neither an option nor one a scheduler adds, naming the intended
   * one. With `userKeys` (loading a state dict), a key that is not a misspelling of a known one is the user's
   * own group entry (PyTorch carries those) and is kept; a misspelt option still raises.
   */
  _checkGroupKeys(where: string, keys: string[], userKeys = false): void {
    const wide = keys.find((k) => OPTIMIZER_WIDE_KEYS.includes(k));
    if (wide) {
      throw new ArgumentError(
        `${where}: '${wide}' is an optimizer-wide option: pass it in the optimizer's options, not in a group`,
      );
    }
    const known = [...this.groupKeys, ...SCHEDULER_KEYS];
    checkKeys(where, userKeys ? keys.filter((k) => closestKey(k, known) !== null) : keys, known);
  }

  /** @internal Validates a group's option values; errors start with `where`. */
  _checkGroup(group: ParamGroup | ParamGroup<O>, where: string): void {
    withContext(where, () => {
      this.validateGroup(group as ParamGroup<O>);
      const initialLr = (group as Record<string, unknown>).initialLr;
      if (initialLr !== undefined) checkNumber('initialLr', 'initialLr', initialLr);
    });
  }

  /**
   * Throws an `ArgumentError` on an invalid option value of `group` (the message without the optimizer's name,
   * which the caller adds); subclasses extend it with their own options.
   */
  protected validateGroup(group: ParamGroup<O>): void {
    checkNumber('learning rate', 'lr', group.lr);
    checkNumber('weightDecay', 'weightDecay', group.weightDecay);
    checkBoolean('maximize', group.maximize);
  }

  /**
   * The state keys this optimizer's update rule keeps for a parameter of `group` (besides `step`), for
   * `validateStateDict`; null (the default, for custom optimizers) accepts any keys. Built-ins declare theirs.
   */
  protected stateSpec(_group: ParamGroup<O>): StateSpec | null {
    return null;
  }

  /** @internal `stateSpec` for the state dict validator. */
  _stateSpec(group: ParamGroup): StateSpec | null {
    return this.stateSpec(group as unknown as ParamGroup<O>);
  }

  /** Every parameter, in group order. */
  *parameters(): IterableIterator<Parameter> {
    for (const g of this.paramGroups) yield* g.params;
  }

  /**
   * Frees what the optimizer holds on the backends: its per-parameter state (moments, buffers). Call it when you drop an optimizer in a loop that makes many (its
   * memory would otherwise wait for garbage collection). The optimizer can still step afterwards; it starts
   * from fresh state, as after construction.
   */
  dispose(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (isTensor(v)) v.dispose();
    this.state.clear();
  }

  /** Clears the gradients: sets them to null (default, like PyTorch) or fills them with zeros. */
  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      if (!p.grad) continue;
      if (setToNone) {
        p.grad.dispose();
        p.grad = null;
      } else {
        noGrad(() => p.grad!.zero_());
      }
    }
  }

  /**
   * One optimization step over every parameter whose gradient is not null. Order: pre-hooks; gradient
   * constraints, then `clipValue`, then `clipNorm`; weight decay and the update rule; parameter constraints
   * (projection, or `transform(raw)`); post-hooks. All-or-nothing: the groups' options and every gradient
   * (backend, dtype, shape; finite, for constrained parameters) are checked before anything is written, and if
   * anything fails later (a constraint, an out-of-memory, a kernel error) every parameter and all optimizer
   * state are restored bit for bit before the error propagates. With `skipNonFinite`, a step whose gradients
   * are not all finite is skipped instead (see `ClipOptions.skipNonFinite`). `closure` (re-evaluates the loss,
   * with gradients on) is called first and its result returned.
   */
  step<T = undefined>(closure?: () => T): T | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    for (const h of [...this.preHooks]) h(this as unknown as Optimizer);
    this.lastStepSkipped = false;
    const name = this.constructor.name;
    this.paramGroups.forEach((g, i) => {
      this._checkGroup(g, `${name}: group ${i}`);
    });
    const self = this as unknown as Optimizer;
    const skipped = noGrad(() => tidy(() => runStep(self, this.paramGroups as unknown as ParamGroup[])));
    if (skipped) {
      this.skippedSteps++;
      this.lastStepSkipped = true;
      reportSkip(self, skipped);
      return loss;
    }
    for (const h of [...this.postHooks]) h(self);
    return loss;
  }

  /**
   * Writes the new value of `param` in place from `grad` (already constrained and clipped), updating `state`
   * (whose `step` the base class has already incremented). `param` may be the parameter itself or a staged
   * copy; write only into it and into `state`.
   */
  protected abstract update(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<O>): void;

  /**
   * Whether `update()` may write into `param`'s existing state tensors in place (a fused kernel does), so a
   * step must snapshot them to be able to undo. Only consulted for built-in update rules; the default, true,
   * is always correct.
   */
  protected writesStateInPlace(_param: Tensor): boolean {
    return true;
  }

  /** @internal The step path calls this. */
  _update(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup): void {
    this.update(param, grad, state, group as unknown as ParamGroup<O>);
  }

  /**
   * @internal True when this optimizer's update rule is a built-in one that cannot turn finite inputs into
   * NaN or ±Infinity (short of float32 overflow) with `group`'s current options.
   */
  _safeUpdate(group: ParamGroup): boolean {
    const when = SAFE_UPDATES.get(this.update);
    return when?.(group) ?? false;
  }

  /**
   * @internal True when the update rule is a built-in one: it writes `param` (and any state tensor it changes
   * in place) in a single backend call made last, so a failing update has written nothing.
   */
  _singleWriteUpdate(): boolean {
    return SAFE_UPDATES.has(this.update);
  }

  /** @internal Whether a step must snapshot `param`'s state tensors before updating it (see `writesStateInPlace`). */
  _mayWriteStateInPlace(param: Tensor): boolean {
    return !SAFE_UPDATES.has(this.update) || this.writesStateInPlace(param);
  }

  /** The backend's fused kernel for `t`, when present and usable in place (else use core ops). */
  protected fused<K extends FusedKernelName>(t: Tensor, name: K): ((args: FusedKernelArgs[K]) => void) | null {
    return fusedFor(t, name);
  }

  /** Registers a hook run before every step. */
  registerStepPreHook(hook: StepHook): { remove(): void } {
    return addHook(this.preHooks, hook);
  }

  /** Registers a hook run after every successful step (not after a skipped one). */
  registerStepPostHook(hook: StepHook): { remove(): void } {
    return addHook(this.postHooks, hook);
  }

  /** A copy of the state (tensors are cloned) and the group options, with parameters as indices. */
  stateDict(): OptimizerStateDict {
    const index = new Map<Parameter, number>();
    let i = 0;
    for (const p of this.parameters()) index.set(p, i++);
    const state: OptimizerStateDict['state'] = {};
    for (const [p, s] of this.state) {
      const entry: Record<string, Tensor | number> = {};
      for (const [k, v] of Object.entries(s)) entry[k] = isTensor(v) ? noGrad(() => v.clone()) : v;
      state[index.get(p)!] = entry;
    }
    const paramGroups = this.paramGroups.map((g) => {
      const out: Record<string, unknown> & { params: number[] } = { params: g.params.map((p) => index.get(p)!) };
      for (const [k, v] of Object.entries(g)) if (k !== 'params') out[k] = copyOption(v);
      return out;
    });
    return { state, paramGroups };
  }

  /**
   * Throws a `CpError` when `sd` cannot be loaded into this optimizer, and changes nothing: its layout (groups,
   * parameter indices), every group's options (known keys, valid values), and every state entry (known keys, a
   * `step` that is an integer >= 1, float32 tensors of the parameter's shape, accumulators that cannot be
   * negative, finite state for constrained parameters). `loadStateDict` calls it first, and checkpoints call it
   * before writing anything, so a bad state dict never half-loads.
   */
  validateStateDict(sd: OptimizerStateDict): void {
    validateStateDict(this as unknown as Optimizer, sd);
  }

  /**
   * Loads a `stateDict()` (from an optimizer over parameters of the same shapes, grouped the same way). All or
   * nothing: `validateStateDict` runs first, and nothing is replaced until every tensor has been copied.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    this.validateStateDict(sd);
    const byIndex = new Map<number, Parameter>();
    sd.paramGroups.forEach((g, gi) => {
      g.params.forEach((idx, j) => {
        byIndex.set(idx, this.paramGroups[gi].params[j]);
      });
    });
    const loaded = new Map<Parameter, ParamState>();
    noGrad(() =>
      tidy(() => {
        for (const [key, entry] of Object.entries(sd.state)) {
          const p = byIndex.get(Number(key))!;
          const s: ParamState = {};
          for (const [k, v] of Object.entries(entry)) s[k] = isTensor(v) ? v.to(p.backend).clone() : v;
          loaded.set(p, s);
        }
        for (const s of loaded.values()) for (const v of Object.values(s)) if (isTensor(v)) keep(v);
      }),
    );
    for (const s of this.state.values()) for (const v of Object.values(s)) if (isTensor(v)) v.dispose();
    this.state.clear();
    for (const [p, s] of loaded) this.state.set(p, s);
    sd.paramGroups.forEach((g, i) => {
      for (const [k, v] of Object.entries(g))
        if (k !== 'params') (this.paramGroups[i] as Record<string, unknown>)[k] = copyOption(v);
    });
  }
}

function addHook(list: StepHook[], hook: StepHook): { remove(): void } {
  list.push(hook);
  return {
    remove: () => {
      const i = list.indexOf(hook);
      if (i >= 0) list.splice(i, 1);
    },
  };
}
