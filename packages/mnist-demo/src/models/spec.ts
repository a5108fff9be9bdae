/**
 * What every model of the main job provides: how to build it, how a batch of flat digits is shaped for it,
 * the constraints that suit it (each with a one-line reason), which weights the report draws, and the
 * training settings that reach its accuracy target. The trainer, the overhead benchmark and the report
 * are written against this interface only.
 */
import type { nn } from '@cp/core';

/** The models of the main job, as `--model` spells them. */
export const MODEL_NAMES = ['mlp', 'cnn', 'lstm', 'vit'] as const;

/** One of `MODEL_NAMES`. */
export type ModelName = (typeof MODEL_NAMES)[number];

/** The constraint bounds of a run, chosen by the CLI options or the model's defaults. */
export interface ConstraintSettings {
  /** Bound of the per-unit (per-filter) `maxNorm` constraints. */
  maxNorm: number;
  /** Bound on the global L2 norm of all gradients (`clipGradNorm`), applied before every update. */
  clipNorm: number;
}

/** One registered constraint, as printed at start-up and shown in the report. */
export interface Registration {
  /** The parameter's dotted name, or `gradients` for the clip. */
  target: string;
  /** What the constraint is, e.g. `maxNorm(max=2, dim=1)`. */
  constraint: string;
  mode: 'project' | 'reparametrize' | 'gradient';
  /** Why this model carries it, in one line. */
  why: string;
}

/** How a model trains by default (the CLI options override each of these). */
export interface TrainingDefaults {
  epochs: number;
  batch: number;
  /** Adam's learning rate (the peak of the one-cycle schedule when `schedule` is `oneCycle`). */
  lr: number;
  /** `constant`, or `oneCycle` (warm-up then cosine decay over the whole run, per step). */
  schedule: LrSchedule;
  /** Largest random shift of a training digit in pixels, in each direction (0: no augmentation). */
  shift: number;
  maxNorm: number;
  clipNorm: number;
}

/** The learning-rate schedules the trainer knows. */
export type LrSchedule = 'constant' | 'oneCycle';

/** A model of the main job. */
export interface ModelSpec {
  name: ModelName;
  /** The architecture in one line, e.g. `MLP 784-256-128-10`. */
  title: string;
  /** A fresh model (draws from the default generator: seed first). */
  create(): nn.Module;
  /** The shape of a batch of `n` digits as the model reads them (the pixels stay in row-major order). */
  inputShape(n: number): number[];
  /** The model's constraints, each of which can be switched on alone (for the overhead breakdown). */
  parts: readonly string[];
  /** A label per part for the overhead table, e.g. `maxNorm on the conv filters (projection)`. */
  partLabels: Readonly<Record<string, string>>;
  /**
   * Registers `parts` (default: all) of the model's constraints on `model` and lists what was registered.
   * The gradient clip is applied by the trainer; it is listed so the printout shows everything.
   */
  register(model: nn.Module, settings: ConstraintSettings, parts?: readonly string[]): Registration[];
  /** The weights whose per-unit (per-filter) norms the report draws against the `maxNorm` bound. */
  normed: readonly string[];
  defaults: TrainingDefaults;
  /** Held-out accuracy its defaults reach on the demo's split (the job warns below it). */
  target: number;
}

/** The entry for the gradient clip, shared by every model. */
export function clipRegistration(clipNorm: number, why: string): Registration {
  return { target: 'gradients', constraint: `clipGradNorm(maxNorm=${clipNorm})`, mode: 'gradient', why };
}
