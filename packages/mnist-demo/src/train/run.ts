/**
 * One complete training run: seed, build the model, register the constraints (or not), train for the
 * configured epochs while reporting progress, and collect everything the summary and the report show.
 */
import { manualSeed, type nn } from '@cp/core';
import type { Digits } from '../data/digits.js';
import { createModel, HIDDEN_WEIGHTS, type Registration, registerConstraints } from '../model.js';
import type { ClipRecord, ViolationRecord } from './monitor.js';
import type { RunSettings } from './settings.js';
import { type Evaluation, type StepStats, Trainer } from './trainer.js';
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
  constrained: boolean;
  registrations: Registration[];
  epochs: EpochRecord[];
  /** The loss of every step. */
  stepLosses: number[];
  /** Final accuracy on the training digits and the held-out digits. */
  train: Evaluation;
  heldOut: Evaluation;
  violations: ViolationRecord[];
  clip: ClipRecord | null;
  /** Per-unit incoming-weight norms of each hidden layer at the end, by parameter name. */
  norms: Record<string, number[]>;
  /** The learned logit scale. */
  scale: number;
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

/** The median of `xs` (NaN when empty). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Trains one model from `settings.seed`, with the demo's constraints when `constrained`. */
export function trainRun(
  settings: RunSettings,
  constrained: boolean,
  data: { train: Digits; heldOut: Digits },
  events: RunEvents = {},
): RunResult {
  manualSeed(settings.seed);
  const model: nn.Sequential = createModel();
  const registrations = constrained ? registerConstraints(model, settings) : [];
  events.onStart?.(registrations);
  const trainer = new Trainer(model, data.train, {
    batch: settings.batch,
    lr: settings.lr,
    seed: settings.seed,
    clipNorm: constrained ? settings.clipNorm : null,
  });
  const epochs: EpochRecord[] = [];
  const stepLosses: number[] = [];
  const stepMs: number[] = [];
  const checkMs: number[] = [];
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
  for (const name of HIDDEN_WEIGHTS) norms[name] = rowNorms(model.getParameter(name));
  return {
    constrained,
    registrations,
    epochs,
    stepLosses,
    train: trainer.evaluate(data.train),
    heldOut: trainer.evaluate(data.heldOut),
    violations: trainer.monitor.report(),
    clip: trainer.monitor.clip,
    norms,
    scale: model.getParameter('5.scale').item(),
    seconds: (performance.now() - start) / 1000,
    medianStepMs: median(stepMs),
    checkMs,
    trainer,
  };
}
