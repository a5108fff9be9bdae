/**
 * `Optimizer`: parameter groups and their checked options, per-parameter state, hooks, `zeroGrad`, state dicts,
 * and the entry points of the ONE update path every optimizer takes (`step()` and `stepAsync()`, both running
 * step/plan.ts). Subclasses implement only `update()` (the rule that writes a new value in place, with the weight
 * decay of their algorithm), and declare their options' checks (`validateGroup`), their state (`stateSpec`) and
 * what their rule guarantees (`updateTraits`).
 */
import { enableGrad, noGrad } from '../autograd/grad-mode.js';
import type { FusedKernelArgs, FusedKernelName } from '../backend/fused-kernels.js';
import { fusedFor } from '../constraints/kernels.js';
import { runAsync, runSync } from '../engine/read.js';
import { ArgumentError } from '../errors.js';
import type { Parameter } from '../nn/parameter.js';
import { isTensor, type Tensor } from '../tensor/tensor.js';
import {
  checkBoolean,
  checkKeys,
  checkNumber,
  checkOptimizerWide,
  closestKey,
  copyOption,
  OPTIMIZER_WIDE_KEYS,
  SCHEDULER_KEYS,
  withContext,
} from './options.js';
import { type NonFiniteGradient, reportSkip } from './skip.js';
import { loadStateDict, type StateSpec, stateDictOf, validateStateDict } from './state-dict.js';
import { stepPlan } from './step/plan.js';
import type {
  ClipOptions,
  OptimizerOptions,
  OptimizerStateDict,
  ParamGroup,
  ParamGroupInput,
  ParamState,
  ParamsInput,
  StepHook,
  UpdateTraits,
} from './types.js';

// NOTE: re-exported so that an optimizer and the types of its options come from one module.
export type {
  ClipOptions,
  OptimizerOptions,
  OptimizerStateDict,
  ParamGroup,
  ParamGroupInput,
  ParamState,
  ParamsInput,
  StepHook,
  UpdateTraits,
} from './types.js';

/** The traits of a rule that declares nothing: every result is read back and every written tensor snapshotted. */
const UNDECLARED: UpdateTraits = { finite: false, writesStateInPlace: true, singleWrite: false };

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
    if (this.step !== Optimizer.prototype.step || this.stepAsync !== Optimizer.prototype.stepAsync) {
      throw new ArgumentError(`${name}: step() and stepAsync() are final; implement update() instead`);
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
   * with gradients on) is called first and its result returned. On a backend that cannot read synchronously,
   * use `stepAsync()`.
   */
  step<T = undefined>(closure?: () => T): T | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    const groups = this.beginStep();
    const self = this as unknown as Optimizer;
    const name = `${this.constructor.name}.step`;
    this.endStep(runSync(name, (held) => stepPlan(self, groups, held), 'await optimizer.stepAsync()'));
    return loss;
  }

  /**
   * `step()` with every host read awaited, so it trains on backends without synchronous reads
   * (`capabilities.sync` false); the same code as `step()`, with the same results bit for bit. `closure` may be
   * async (grad mode is on for its synchronous part). Do not start another step of this optimizer before it ends.
   */
  async stepAsync<T = undefined>(closure?: () => T | Promise<T>): Promise<T | undefined> {
    const loss = closure ? await enableGrad(closure) : undefined;
    const groups = this.beginStep();
    const self = this as unknown as Optimizer;
    this.endStep(await runAsync(`${this.constructor.name}.stepAsync`, (held) => stepPlan(self, groups, held)));
    return loss;
  }

  /** The start of a step: pre-hooks, then every group's options checked. Returns the groups to update. */
  private beginStep(): ParamGroup[] {
    for (const h of [...this.preHooks]) h(this as unknown as Optimizer);
    this.lastStepSkipped = false;
    const name = this.constructor.name;
    this.paramGroups.forEach((g, i) => {
      this._checkGroup(g, `${name}: group ${i}`);
    });
    return this.paramGroups as unknown as ParamGroup[];
  }

  /** The end of a step: counts and reports a skipped one (`skipped`: its non-finite gradients), else post-hooks. */
  private endStep(skipped: NonFiniteGradient[] | null): void {
    const self = this as unknown as Optimizer;
    if (skipped) {
      this.skippedSteps++;
      this.lastStepSkipped = true;
      reportSkip(self, skipped);
      return;
    }
    for (const h of [...this.postHooks]) h(self);
  }

  /**
   * Writes the new value of `param` in place from `grad` (already constrained and clipped), updating `state`
   * (whose `step` the base class has already incremented). `param` is the parameter itself or, for a
   * reparametrized parameter, its raw tensor; write only into it and into `state`.
   */
  protected abstract update(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<O>): void;

  /**
   * What `update()` guarantees for `group` and `param` (see `UpdateTraits`), so the step can leave out reading
   * back results and snapshotting state. The default declares nothing, which is always correct. Built-ins declare
   * theirs; a subclass inherits its parent's, so one that overrides `update()` must override this too unless the
   * new rule keeps every claim.
   */
  protected updateTraits(_group: ParamGroup<O>, _param: Tensor): UpdateTraits {
    return UNDECLARED;
  }

  /** @internal The step path calls this. */
  _update(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup): void {
    this.update(param, grad, state, group as unknown as ParamGroup<O>);
  }

  /** @internal `updateTraits` for the step. */
  _updateTraits(group: ParamGroup, param: Tensor): UpdateTraits {
    return this.updateTraits(group as unknown as ParamGroup<O>, param);
  }

  /** The backend's fused kernel for `t`, when present and usable in place (else use core ops). */
  protected fused<K extends FusedKernelName>(t: Tensor, name: K): ((args: FusedKernelArgs[K]) => void) | null {
    return fusedFor(t, name, `${this.constructor.name}.step`);
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
    return stateDictOf(this as unknown as Optimizer);
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
    loadStateDict(this as unknown as Optimizer, sd);
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
