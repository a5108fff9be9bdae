/**
 * The per-step cost of a model's constraints, measured rather than guessed: models built from the same seed
 * with no constraint, each constraint alone, and all of them, trained in alternating rounds on the same
 * batches (so machine noise hits every variant alike). The per-step constraint check is not included.
 */
import { manualSeed } from '@cp/core';
import type { Digits } from '../data/digits.js';
import { MODELS } from '../models/index.js';
import { median, trainerOptions } from './run.js';
import type { RunSettings } from './settings.js';
import { Trainer } from './trainer.js';

/** The median step time of one variant and its cost over the unconstrained step. */
export interface VariantTime {
  /** One of the model's constraint parts (`ModelSpec.parts`, e.g. `maxNorm`, `clip`), or `all`. */
  name: string;
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

function trainer(settings: RunSettings, train: Digits, parts: readonly string[]): Trainer {
  const spec = MODELS[settings.model];
  manualSeed(settings.seed);
  const model = spec.create();
  spec.register(model, settings, parts);
  // NOTE: a constant learning rate: the timing does not depend on it, and a one-cycle schedule sized for
  // the timed steps would be a different run anyway.
  const options = trainerOptions(spec, { ...settings, schedule: 'constant' }, train.count, parts.includes('clip'));
  return new Trainer(model, train, { ...options, check: false });
}

/** Times `rounds` × `stepsPerRound` steps of every variant, alternating, after a short warm-up. */
export function measureOverhead(settings: RunSettings, train: Digits, options: OverheadOptions = {}): Overhead {
  const rounds = options.rounds ?? 3;
  const perRound = options.stepsPerRound ?? 10;
  const all = MODELS[settings.model].parts;
  const configs: { name: string; parts: readonly string[] }[] = [
    { name: 'none', parts: [] },
    ...all.map((p) => ({ name: p, parts: [p] })),
    { name: 'all', parts: all },
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
      name: c.name,
      ms,
      overheadMs: ms - plainMs,
      overheadPercent: ((ms - plainMs) / plainMs) * 100,
    };
  });
  return { plainMs, variants, steps: rounds * perRound };
}
