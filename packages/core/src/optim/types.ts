/**
 * The types every optimizer shares: its options (per group and optimizer-wide), parameter groups as given and
 * as kept, per-parameter state, state dicts, step hooks, and the traits an update rule declares for the step.
 */
import type { Parameter } from '../nn/parameter.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Optimizer } from './optimizer.js';
import type { SkipInfo } from './skip.js';

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
 * What an update rule declares about itself for one group and parameter (`Optimizer.updateTraits`), so the step
 * can leave out work it would otherwise need. A false claim is always safe; a true one must hold.
 */
export interface UpdateTraits {
  /**
   * From a finite gradient, value and state it makes a finite new value and state (short of float32 overflow)
   * with this group's options. A parameter whose projection is exact too (`safeProjection`) is then not read
   * back after its update.
   */
  finite: boolean;
  /**
   * It writes into state tensors it already holds (a fused kernel does), so the step snapshots them to be able
   * to undo; false when it only replaces them with new tensors.
   */
  writesStateInPlace: boolean;
  /**
   * It writes the parameter, and any state it writes in place, in one backend call made last: if the update
   * throws, it wrote nothing (so the step's last write needs no snapshot).
   */
  singleWrite: boolean;
}
