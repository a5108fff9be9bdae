/**
 * `Optimizer`: parameter groups, per-parameter state, hooks, `zeroGrad`, state dicts, and the ONE update path
 * every optimizer takes (`step()`, see step.ts). Subclasses implement only `update()`: the rule that writes a
 * new value in place, with the weight decay of their algorithm.
 */
import { enableGrad, noGrad } from '../autograd/grad-mode.js';
import type { FusedKernelArgs, FusedKernelName } from '../backend/fused-kernels.js';
import { fusedFor } from '../constraints/kernels.js';
import { keep, tidy } from '../engine/scope.js';
import { ArgumentError } from '../errors.js';
import type { Parameter } from '../nn/parameter.js';
import { isTensor, type Tensor } from '../tensor/tensor.js';
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

/** Optimizer-wide gradient clipping, applied after parameters' gradient constraints and before the update. */
export interface ClipOptions {
  /** Scale all gradients so their global L2 norm is at most this (like `clipGradNorm`). */
  clipNorm?: number;
  /** Clamp every gradient element into `[-clipValue, clipValue]`. */
  clipValue?: number;
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
 * Update rules that cannot turn finite inputs (gradient, value, state) into NaN or ±Infinity short of float32
 * overflow, each with the condition on the group's options under which that holds. Keyed by the function, so a
 * subclass that overrides `update()` is not covered. The step updates constrained parameters in place (no
 * staged copy) only when their rule is here and the condition holds; see step.ts.
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
  /** The groups of parameters with their options. Change `lr` etc. here (schedulers do). */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, created on a parameter's first update. */
  readonly state = new Map<Parameter, ParamState>();
  /** The defaults for new groups, plus the optimizer-wide clipping options. */
  readonly defaults: O & ClipOptions;
  private readonly preHooks: StepHook[] = [];
  private readonly postHooks: StepHook[] = [];

  constructor(params: ParamsInput<O>, defaults: O & ClipOptions) {
    if (this.step !== Optimizer.prototype.step) {
      throw new ArgumentError(`${this.constructor.name}: step() is final; implement update() instead`);
    }
    if (defaults.clipNorm !== undefined && !(defaults.clipNorm >= 0))
      throw new ArgumentError(`clipNorm must be >= 0, got ${defaults.clipNorm}`);
    if (defaults.clipValue !== undefined && !(defaults.clipValue >= 0))
      throw new ArgumentError(`clipValue must be >= 0, got ${defaults.clipValue}`);
    this.defaults = defaults;
    const maybeModule = params as { parameters?: () => Iterable<Parameter> };
    const list = [
      ...(typeof maybeModule.parameters === 'function'
        ? maybeModule.parameters()
        : (params as Iterable<Parameter | ParamGroupInput<O>>)),
    ];
    if (list.length === 0) throw new ArgumentError(`${this.constructor.name}: got an empty parameter list`);
    const groups = isTensor(list[0])
      ? [{ params: list as Parameter[] } as unknown as ParamGroupInput<O>]
      : (list as ParamGroupInput<O>[]);
    for (const g of groups) this.addParamGroup(g);
  }

  /** Adds a group; options it leaves out come from the defaults. A parameter may be in only one group. */
  addParamGroup(group: ParamGroupInput<O>): void {
    const params = [...group.params];
    if (params.length === 0) throw new ArgumentError('addParamGroup: the group has no parameters');
    for (const p of params) {
      if (!isTensor(p)) throw new ArgumentError('addParamGroup: params must be Parameters (tensors)');
      if (this.paramGroups.some((g) => g.params.includes(p))) {
        throw new ArgumentError('addParamGroup: some parameters appear in more than one parameter group');
      }
    }
    const { clipNorm: _cn, clipValue: _cv, ...defaults } = this.defaults;
    const merged: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(defaults)) merged[k] = copyOption(v);
    for (const [k, v] of Object.entries(group)) if (k !== 'params' && v !== undefined) merged[k] = copyOption(v);
    merged.params = params;
    const full = merged as ParamGroup<O>;
    this.validateGroup(full);
    this.paramGroups.push(full);
  }

  /** Throws on invalid group options; subclasses extend it. */
  protected validateGroup(group: ParamGroup<O>): void {
    if (!(group.lr >= 0)) throw new ArgumentError(`${this.constructor.name}: invalid learning rate ${group.lr}`);
    if (!(group.weightDecay >= 0))
      throw new ArgumentError(`${this.constructor.name}: invalid weightDecay ${group.weightDecay}`);
  }

  /** Every parameter, in group order. */
  *parameters(): IterableIterator<Parameter> {
    for (const g of this.paramGroups) yield* g.params;
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
   * (projection, or `transform(raw)`); post-hooks. Transactional: if a constraint fails, nothing changes.
   * `closure` (re-evaluates the loss, with gradients on) is called first and its result returned.
   */
  step<T = undefined>(closure?: () => T): T | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    for (const h of [...this.preHooks]) h(this as unknown as Optimizer);
    noGrad(() => tidy(() => runStep(this as unknown as Optimizer, this.paramGroups as unknown as ParamGroup[])));
    for (const h of [...this.postHooks]) h(this as unknown as Optimizer);
    return loss;
  }

  /**
   * Writes the new value of `param` in place from `grad` (already constrained and clipped), updating `state`
   * (whose `step` the base class has already incremented). `param` may be the parameter itself or a staged
   * copy; write only into it and into `state`.
   */
  protected abstract update(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<O>): void;

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

  /** The backend's fused kernel for `t`, when present and usable in place (else use core ops). */
  protected fused<K extends FusedKernelName>(t: Tensor, name: K): ((args: FusedKernelArgs[K]) => void) | null {
    return fusedFor(t, name);
  }

  /** Registers a hook run before every step. */
  registerStepPreHook(hook: StepHook): { remove(): void } {
    return addHook(this.preHooks, hook);
  }

  /** Registers a hook run after every successful step. */
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
   * Throws a `CpError` when `sd` cannot be loaded into this optimizer (group layout, parameter indices, state
   * and options); changes nothing. `loadStateDict` calls it first, and checkpoints call it before writing
   * anything, so a bad state dict never half-loads.
   */
  validateStateDict(sd: OptimizerStateDict): void {
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new ArgumentError(
        `loadStateDict: the state dict has ${sd.paramGroups.length} parameter groups, this optimizer ${this.paramGroups.length}`,
      );
    }
    sd.paramGroups.forEach((g, i) => {
      if (g.params.length !== this.paramGroups[i].params.length) {
        throw new ArgumentError(
          `loadStateDict: group ${i} has ${g.params.length} parameters in the state dict, ${this.paramGroups[i].params.length} here`,
        );
      }
    });
  }

  /** Loads a `stateDict()` (from an optimizer over parameters of the same shapes, grouped the same way). */
  loadStateDict(sd: OptimizerStateDict): void {
    this.validateStateDict(sd);
    const params = [...this.parameters()];
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
          const p = byIndex.get(Number(key)) ?? params[Number(key)];
          if (!p)
            throw new ArgumentError(`loadStateDict: state for parameter ${key}, which this optimizer does not have`);
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
