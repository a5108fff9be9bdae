/**
 * The per-step cost of the constraints, measured rather than guessed: models built from the same seed
 * with no constraint, each constraint alone, and all of them, trained in alternating rounds on the same
 * batches (so machine noise hits every variant alike). The per-step constraint check is not included.
 */
import { manualSeed } from '@cp/core';
import type { Digits } from '../data/digits.js';
import { CONSTRAINT_PARTS, type ConstraintPart, createModel, registerConstraints } from '../model.js';
import { median } from './run.js';
import type { RunSettings } from './settings.js';
import { Trainer } from './trainer.js';

/** The median step time of one variant and its cost over the unconstrained step. */
export interface VariantTime {
  /** `maxNorm`, `positive`, `clip`, or `all`. */
  name: ConstraintPart | 'all';
  ms: number;
  overheadMs: number;
  /** The overhead relative to the unconstrained step, in percent. */
  overheadPercent: number;
}

/** Median step times without constraints, with each one alone, and with all of them. */
export interface Overhead {
  plainMs: number;
  /** One entry per constraint, then `all` (the configuration of the run). */
  variants: VariantTime[];
  /** Timed steps per variant. */
  steps: number;
}

/** Options of `measureOverhead`. */
export interface OverheadOptions {
  rounds?: number;
  stepsPerRound?: number;
}

function trainer(settings: RunSettings, train: Digits, parts: readonly ConstraintPart[]): Trainer {
  manualSeed(settings.seed);
  const model = createModel();
  registerConstraints(model, settings, parts);
  return new Trainer(model, train, {
    batch: settings.batch,
    lr: settings.lr,
    seed: settings.seed,
    clipNorm: parts.includes('clip') ? settings.clipNorm : null,
    check: false,
  });
}

/** Times `rounds` × `stepsPerRound` steps of every variant, alternating, after a short warm-up. */
export function measureOverhead(settings: RunSettings, train: Digits, options: OverheadOptions = {}): Overhead {
  const rounds = options.rounds ?? 3;
  const perRound = options.stepsPerRound ?? 10;
  const configs: { name: VariantTime['name'] | 'none'; parts: readonly ConstraintPart[] }[] = [
    { name: 'none', parts: [] },
    ...CONSTRAINT_PARTS.map((p) => ({ name: p, parts: [p] })),
    { name: 'all', parts: CONSTRAINT_PARTS },
  ];
  const trainers = configs.map((c) => trainer(settings, train, c.parts));
  const times: number[][] = configs.map(() => []);
  for (const t of trainers) for (let i = 0; i < 3; i++) t.step();
  for (let r = 0; r < rounds; r++) {
    trainers.forEach((t, v) => {
      for (let i = 0; i < perRound; i++) times[v].push(t.step().ms);
    });
  }
  for (const t of trainers) t.dispose();
  const plainMs = median(times[0]);
  const variants = configs.slice(1).map((c, i) => {
    const ms = median(times[i + 1]);
    return {
      name: c.name as VariantTime['name'],
      ms,
      overheadMs: ms - plainMs,
      overheadPercent: ((ms - plainMs) / plainMs) * 100,
    };
  });
  return { plainMs, variants, steps: rounds * perRound };
}
