/**
 * The per-step cost of a model's constraints, measured rather than guessed: models built from the same seed
 * with no constraint, each constraint alone, and all of them, trained in rounds; each round times every
 * variant back to back on the same batches, so each variant's overhead is a paired difference per round
 * (its round median minus the unconstrained one), reported as the median and interquartile range over
 * rounds. The per-step constraint check is not included. `planOverhead` bounds the cost: by default the
 * measurement takes at most a tenth of the run's own time.
 */
import { manualSeed } from '@cp/core';
import type { Digits } from '../data/digits.js';
import { MODELS } from '../models/index.js';
import { median, trainerOptions } from './run.js';
import type { RunSettings } from './settings.js';
import { type Spread, spread } from './spread.js';
import { Trainer } from './trainer.js';

/** One variant's step time and its cost over the unconstrained step, paired per round. */
export interface VariantTime {
  /** One of the model's constraint parts (`ModelSpec.parts`, e.g. `maxNorm`, `clip`), or `all`. */
  name: string;
  /** Median step time over every timed step. */
  ms: number;
  /** Median of the per-round differences to the unconstrained variant, in ms. */
  overheadMs: number;
  /** Median of the per-round differences relative to that round's unconstrained step, in percent. */
  overheadPercent: number;
  /** The spread of those per-round differences, in ms and in percent. */
  spreadMs: Spread;
  spreadPercent: Spread;
}

/** Median step times without constraints, with each one alone, and with all of them. */
export interface Overhead {
  plainMs: number;
  /** One entry per constraint, then `all` (the configuration of the run). */
  variants: VariantTime[];
  /** Timed steps per variant. */
  steps: number;
  rounds: number;
  /** Wall time of the whole measurement (building the variants, warm-up, timing). */
  seconds: number;
}

/** Options of `measureOverhead`. */
export interface OverheadOptions {
  rounds?: number;
  stepsPerRound?: number;
}

/** When the job measures the overhead: within a tenth of the run's time, always (fixed rounds), or never. */
export type OverheadMode = 'auto' | 'always' | 'off';

/** The share of a run's time the `auto` measurement may take. */
export const OVERHEAD_SHARE = 0.1;
/** Untimed steps of each variant before the rounds. */
const WARMUP = 2;
/** The fewest rounds worth an interquartile range, and the most `auto` plans. */
const MIN_ROUNDS = 3;
const MAX_ROUNDS = 9;

/** The rounds `always` times. */
export const ALWAYS: Required<OverheadOptions> = { rounds: 7, stepsPerRound: 3 };

/**
 * The rounds that fit in `OVERHEAD_SHARE` of a run of `runMs` whose steps take `stepMs`, for `variants`
 * variants (the unconstrained one included): up to 9 rounds of up to 5 steps, or null when even 3 rounds of
 * one step would not fit (a step so slow, or a run so short, that the measurement would dominate).
 */
export function planOverhead(runMs: number, stepMs: number, variants: number): Required<OverheadOptions> | null {
  const affordable = Math.floor((OVERHEAD_SHARE * runMs) / (variants * stepMs)) - WARMUP;
  if (!(affordable >= MIN_ROUNDS)) return null;
  const stepsPerRound = Math.min(5, Math.max(1, Math.floor(affordable / MAX_ROUNDS)));
  return { rounds: Math.min(MAX_ROUNDS, Math.floor(affordable / stepsPerRound)), stepsPerRound };
}

/** The variants timed for `settings.model`: none, each constraint alone, all. */
export function overheadVariants(settings: RunSettings): { name: string; parts: readonly string[] }[] {
  const all = MODELS[settings.model].parts;
  return [{ name: 'none', parts: [] }, ...all.map((p) => ({ name: p, parts: [p] })), { name: 'all', parts: all }];
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

/**
 * The overhead of each variant from `times[variant][round]` (the step times of each round): the paired
 * per-round differences to variant 0 (the unconstrained one), summarized by median and quartiles.
 */
export function pairedOverhead(
  names: readonly string[],
  times: readonly (readonly (readonly number[])[])[],
): Pick<Overhead, 'plainMs' | 'variants'> {
  const roundMedians = times.map((rounds) => rounds.map(median));
  const plain = roundMedians[0];
  const variants = names.map((name, i) => {
    const mine = roundMedians[i + 1];
    const diffs = mine.map((m, r) => m - plain[r]);
    const spreadMs = spread(diffs);
    const spreadPercent = spread(diffs.map((d, r) => (d / plain[r]) * 100));
    return {
      name,
      ms: median(times[i + 1].flat()),
      overheadMs: spreadMs.median,
      overheadPercent: spreadPercent.median,
      spreadMs,
      spreadPercent,
    };
  });
  return { plainMs: median(times[0].flat()), variants };
}

/** Times `rounds` × `stepsPerRound` steps of every variant, each round all variants in turn, after a warm-up. */
export function measureOverhead(settings: RunSettings, train: Digits, options: OverheadOptions = {}): Overhead {
  const started = performance.now();
  const rounds = options.rounds ?? ALWAYS.rounds;
  const perRound = options.stepsPerRound ?? ALWAYS.stepsPerRound;
  const configs = overheadVariants(settings);
  const trainers = configs.map((c) => trainer(settings, train, c.parts));
  const times: number[][][] = configs.map(() => []);
  for (const t of trainers) for (let i = 0; i < WARMUP; i++) t.step();
  for (let r = 0; r < rounds; r++) {
    trainers.forEach((t, v) => {
      const round: number[] = [];
      for (let i = 0; i < perRound; i++) round.push(t.step().ms);
      times[v].push(round);
    });
  }
  for (const t of trainers) t.dispose();
  const paired = pairedOverhead(
    configs.slice(1).map((c) => c.name),
    times,
  );
  return { ...paired, steps: rounds * perRound, rounds, seconds: (performance.now() - started) / 1000 };
}
