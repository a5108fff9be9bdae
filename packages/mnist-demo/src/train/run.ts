/**
 * One complete training run of any of the demo's models: seed, build the model, register its constraints
 * (or not), train for the configured epochs while reporting progress, and collect everything the summary
 * and the report show.
 */
import { manualSeed } from '@cp/core';
import { type Digits, PIXELS } from '../data/digits.js';
import { MODELS } from '../models/index.js';
import type { ModelSpec, Registration } from '../models/spec.js';
import { type ConfusionMatrix, confusionMatrix } from '../report/confusion.js';
import type { DigitSample } from '../report/digit-grid.js';
import type { ClipRecord, ViolationRecord } from './monitor.js';
import type { RunSettings } from './settings.js';
import { type Evaluation, type StepStats, Trainer, type TrainerOptions } from './trainer.js';
import { rowNorms } from './weights.js';

/** One epoch's figures. */
export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  heldOutLoss: number;
  heldOutAccuracy: number;
  seconds: number;
}

/** What a run produced. */
export interface RunResult {
  spec: ModelSpec;
  constrained: boolean;
  /** Trainable numbers in the model. */
  parameterCount: number;
  registrations: Registration[];
  epochs: EpochRecord[];
  /** The loss of every step. */
  stepLosses: number[];
  /** Final accuracy on the training digits and the held-out digits. */
  train: Evaluation;
  heldOut: Evaluation;
  violations: ViolationRecord[];
  clip: ClipRecord | null;
  /** Per-unit (per-filter) norms of each of the model's `normed` weights at the end, by parameter name. */
  norms: Record<string, number[]>;
  /**
   * The largest per-unit norm of each `normed` weight at the end of any epoch: below the `maxNorm` bound,
   * the constraint never bound (see `unboundNorms`).
   */
  peakNorms: Record<string, number>;
  /** The held-out confusion matrix at the end (`[true][predicted]`). */
  confusion: ConfusionMatrix;
  /** The first `MISCLASSIFIED_SHOWN` misclassified held-out digits, in held-out order. */
  misclassified: DigitSample[];
  /** The learned logit scale (the MLP's `5.scale`), null for the other models. */
  scale: number | null;
  seconds: number;
  /** Median wall time of a training step (with the constraint check) in ms. */
  medianStepMs: number;
  /** Time the constraint check took after each step, in ms. */
  checkMs: number[];
  trainer: Trainer;
}

/** Progress callbacks of `trainRun`. */
export interface RunEvents {
  /** After the model is built, with what was registered on it (empty without constraints). */
  onStart?(registrations: readonly Registration[]): void;
  onEpochStart?(epoch: number, steps: number): void;
  onStep?(stats: StepStats, stepInEpoch: number): void;
  onEpochEnd?(record: EpochRecord): void;
}

/** How many misclassified held-out digits a run keeps for the report's grid. */
export const MISCLASSIFIED_SHOWN = 30;

/** The median of `xs` (NaN when empty). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The trainer options of `settings` for `spec` (`oneCycle` spans `epochs` passes over `trainCount` digits). */
export function trainerOptions(
  spec: ModelSpec,
  settings: RunSettings,
  trainCount: number,
  clip: boolean,
): TrainerOptions {
  const steps = settings.epochs * Math.ceil(trainCount / settings.batch);
  return {
    batch: settings.batch,
    lr: settings.lr,
    seed: settings.seed,
    clipNorm: clip ? settings.clipNorm : null,
    inputShape: spec.inputShape,
    shift: settings.shift,
    oneCycleSteps: settings.schedule === 'oneCycle' ? steps : undefined,
  };
}

/** Trains `settings.model` from `settings.seed`, with the model's constraints when `constrained`. */
export function trainRun(
  settings: RunSettings,
  constrained: boolean,
  data: { train: Digits; heldOut: Digits },
  events: RunEvents = {},
): RunResult {
  const spec = MODELS[settings.model];
  manualSeed(settings.seed);
  const model = spec.create();
  const registrations = constrained ? spec.register(model, settings) : [];
  events.onStart?.(registrations);
  const trainer = new Trainer(model, data.train, trainerOptions(spec, settings, data.train.count, constrained));
  const epochs: EpochRecord[] = [];
  const stepLosses: number[] = [];
  const stepMs: number[] = [];
  const checkMs: number[] = [];
  const peakNorms: Record<string, number> = Object.fromEntries(spec.normed.map((n) => [n, 0]));
  const start = performance.now();
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    const epochStart = performance.now();
    events.onEpochStart?.(epoch, trainer.stepsPerEpoch);
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let s = 1; s <= trainer.stepsPerEpoch; s++) {
      const stats = trainer.step();
      stepLosses.push(stats.loss);
      stepMs.push(stats.ms);
      checkMs.push(stats.checkMs);
      lossSum += stats.loss * stats.size;
      correct += stats.correct;
      seen += stats.size;
      events.onStep?.(stats, s);
    }
    // NOTE: the norms are read once an epoch (not every step, which would cost more than the constraints);
    // a projected unit sits at the bound until its gradient pulls it back in, so an epoch end sees it.
    for (const name of spec.normed) {
      peakNorms[name] = Math.max(peakNorms[name], ...rowNorms(model.getParameter(name)));
    }
    const held = trainer.evaluate(data.heldOut);
    const record: EpochRecord = {
      epoch,
      trainLoss: lossSum / seen,
      trainAccuracy: correct / seen,
      heldOutLoss: held.loss,
      heldOutAccuracy: held.accuracy,
      seconds: (performance.now() - epochStart) / 1000,
    };
    epochs.push(record);
    events.onEpochEnd?.(record);
  }
  const norms: Record<string, number[]> = {};
  for (const name of spec.normed) norms[name] = rowNorms(model.getParameter(name));
  const predicted = trainer.predict(data.heldOut);
  return {
    spec,
    constrained,
    parameterCount: model.parameters().reduce((n, p) => n + p.size, 0),
    registrations,
    epochs,
    stepLosses,
    train: trainer.evaluate(data.train),
    heldOut: trainer.evaluate(data.heldOut),
    violations: trainer.monitor.report(),
    clip: trainer.monitor.clip,
    norms,
    peakNorms,
    confusion: confusionMatrix(predicted, data.heldOut.labels),
    misclassified: misclassified(data.heldOut, predicted),
    scale: settings.model === 'mlp' ? model.getParameter('5.scale').item() : null,
    seconds: (performance.now() - start) / 1000,
    medianStepMs: median(stepMs),
    checkMs,
    trainer,
  };
}

/** The first `MISCLASSIFIED_SHOWN` digits of `data` whose prediction is wrong, with both labels. */
function misclassified(data: Digits, predicted: Int32Array): DigitSample[] {
  const out: DigitSample[] = [];
  for (let i = 0; i < data.count && out.length < MISCLASSIFIED_SHOWN; i++) {
    if (predicted[i] !== data.labels[i]) {
      out.push({
        pixels: data.images.slice(i * PIXELS, (i + 1) * PIXELS),
        label: data.labels[i],
        predicted: predicted[i],
      });
    }
  }
  return out;
}

/** A `maxNorm` constraint that never bound: its weight's largest unit norm stayed below the bound. */
export interface Unbound {
  name: string;
  peak: number;
  bound: number;
}

/** NOTE: a projected norm equals the bound up to float32 rounding; closer than this counts as bound. */
const BOUND_TOLERANCE = 1e-3;

/**
 * The `normed` weights of a constrained run whose `maxNorm` bound never bound: their largest unit norm at
 * every epoch end stayed below `bound` (so the constraint changed nothing). Empty for an unconstrained run.
 */
export function unboundNorms(run: Pick<RunResult, 'constrained' | 'peakNorms'>, bound: number): Unbound[] {
  if (!run.constrained) return [];
  return Object.entries(run.peakNorms)
    .filter(([, peak]) => peak < bound * (1 - BOUND_TOLERANCE))
    .map(([name, peak]) => ({ name, peak, bound }));
}

/** Unbound constraints in words, one line each (empty when every bound was reached). */
export function unboundLines(unbound: readonly Unbound[]): string[] {
  return unbound.map(
    (u) =>
      `maxNorm never bound on ${u.name}: its largest unit norm stayed at ${u.peak.toFixed(3)}, below the bound ${u.bound}, at every epoch end, so the constraint changed nothing (a smaller --max-norm or more epochs make it bind)`,
  );
}
