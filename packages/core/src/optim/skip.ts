/**
 * What a skipped step (`skipNonFinite`) reports: which parameters had non-finite gradients, and how the
 * optimizer says so: `onSkip(info)` on every skip when given, else one `console.warn` per optimizer, the
 * first time (later skips are counted in `skippedSteps` only).
 */
import { fmtShape } from '../errors.js';
import type { Optimizer } from './optimizer.js';

/** A parameter whose gradient (after gradient constraints and clipping) was not all finite. */
export interface NonFiniteGradient {
  /** The parameter's index in group order (as in `stateDict()`). */
  index: number;
  shape: number[];
  /** How many entries were NaN, and how many ±Infinity. */
  nan: number;
  inf: number;
}

/** What `onSkip` receives. */
export interface SkipInfo {
  /** The optimizer's class name. */
  optimizer: string;
  /** Steps skipped so far, this one included. */
  skippedSteps: number;
  /** The parameters whose gradients were not finite. */
  parameters: NonFiniteGradient[];
}

const warned = new WeakSet<Optimizer>();

/** One line naming the parameters, e.g. `parameter 0 (shape [2]: 1 NaN, 0 infinite)`. */
export function describeNonFinite(list: readonly NonFiniteGradient[]): string {
  return list
    .map((p) => `parameter ${p.index} (shape ${fmtShape(p.shape)}: ${p.nan} NaN, ${p.inf} infinite)`)
    .join(', ');
}

/** Reports a skipped step of `opt` (its `skippedSteps` already counts it). */
export function reportSkip(opt: Optimizer, parameters: NonFiniteGradient[]): void {
  const info: SkipInfo = { optimizer: opt.constructor.name, skippedSteps: opt.skippedSteps, parameters };
  const onSkip = opt.defaults.onSkip;
  if (onSkip) {
    onSkip(info);
    return;
  }
  if (warned.has(opt)) return;
  warned.add(opt);
  console.warn(
    `${info.optimizer}: skipped a step: non-finite gradients (after gradient constraints and clipping) in ${describeNonFinite(parameters)}; parameters and optimizer state are unchanged. optimizer.skippedSteps counts the skips; pass onSkip to handle them (this warning is shown once).`,
  );
}
