/**
 * Timing inside one worker process: warm-up until both a count and a time are reached, then timed
 * repetitions until both a count and a time are reached (capped). Statistics: median and IQR.
 */

/** @typedef {{ warmup: number, warmupMs: number, reps: number, minMs: number, maxReps: number }} Budget */

/** Budgets per mode. `--quick` is a CI smoke run: numbers from it are not worth reporting. */
export const BUDGETS = {
  full: { warmup: 3, warmupMs: 500, reps: 7, minMs: 1500, maxReps: 200 },
  quick: { warmup: 1, warmupMs: 0, reps: 3, minMs: 0, maxReps: 3 },
};

/**
 * A call slower than this (ms) in the warm-up marks a slow cell (TF.js cpu's CNN step takes seconds): it
 * gets 2 warm-up calls and 5 timed ones, so a process stays within minutes.
 */
export const SLOW_CALL_MS = 1000;
const SLOW = { warmup: 2, reps: 5 };

/**
 * Times `fn` (sync, or async when it returns a promise: only then is it awaited, so synchronous
 * engines pay no microtask). Returns the per-call samples in milliseconds.
 * @param {() => unknown} fn
 * @param {Budget} budget
 * @returns {Promise<number[]>}
 */
export async function measure(fn, budget) {
  const warmStart = performance.now();
  let slow = false;
  for (
    let i = 0;
    i < (slow ? Math.min(budget.warmup, SLOW.warmup) : budget.warmup) ||
    (!slow && performance.now() - warmStart < budget.warmupMs);
    i++
  ) {
    const t0 = performance.now();
    const r = fn();
    if (r instanceof Promise) await r;
    slow ||= performance.now() - t0 > SLOW_CALL_MS;
  }
  if (slow) budget = { ...budget, reps: Math.min(budget.reps, SLOW.reps), minMs: 0 };
  const samples = [];
  const start = performance.now();
  while (
    samples.length < budget.reps ||
    (performance.now() - start < budget.minMs && samples.length < budget.maxReps)
  ) {
    const t0 = performance.now();
    const r = fn();
    if (r instanceof Promise) await r;
    samples.push(performance.now() - t0);
  }
  return samples;
}

/**
 * The q-quantile (0..1) of `values`, linear interpolation between order statistics.
 * @param {number[]} values
 * @param {number} q
 */
export function quantile(values, q) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** @param {number[]} values */
export function median(values) {
  return quantile(values, 0.5);
}

/**
 * Median, quartiles and count of a sample set.
 * @param {number[]} samples
 */
export function summarize(samples) {
  return { median: median(samples), q1: quantile(samples, 0.25), q3: quantile(samples, 0.75), reps: samples.length };
}
