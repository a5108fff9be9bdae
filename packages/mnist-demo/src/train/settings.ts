/**
 * The settings of a run (the CLI's options) and their defaults. Each model has its own training defaults
 * (`ModelSpec.defaults`), chosen so it reaches its accuracy target; the MLP's (`DEFAULT_SETTINGS`) reach at
 * least 93% held-out accuracy in under a minute on a 2-core machine.
 */
import { MODELS } from '../models/index.js';
import type { LrSchedule, ModelName } from '../models/spec.js';

/** Which runs to make: with the constraints, without, or both from the same seed. */
export type ConstraintsMode = 'on' | 'off' | 'compare';

/** Everything that determines a run. */
export interface RunSettings {
  /** Which model trains. */
  model: ModelName;
  epochs: number;
  batch: number;
  /** Adam's learning rate (the peak of the schedule for `oneCycle`). */
  lr: number;
  schedule: LrSchedule;
  /** Largest random shift of a training digit, in pixels (0: no augmentation). */
  shift: number;
  seed: number;
  constraints: ConstraintsMode;
  /** Bound of the model's per-unit (per-filter) `maxNorm` constraints. */
  maxNorm: number;
  /** Bound on the global gradient norm. */
  clipNorm: number;
  /** Part of the 10,000 digits held out for evaluation. */
  heldOutFraction: number;
}

/** The settings of `model` with its own defaults, overridden by whatever `overrides` sets. */
export function settingsFor(model: ModelName, overrides: Partial<Omit<RunSettings, 'model'>> = {}): RunSettings {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { model, ...MODELS[model].defaults, seed: 0, constraints: 'on', heldOutFraction: 0.2, ...defined };
}

/** The defaults of the CLI: the MLP's. */
export const DEFAULT_SETTINGS: RunSettings = settingsFor('mlp');
