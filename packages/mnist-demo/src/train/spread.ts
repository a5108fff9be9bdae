/**
 * The spread of a timing figure: the median and the interquartile range of a few values (the per-round
 * differences of the overhead benchmark), and whether the range spans zero, in which case the figure is
 * within the noise of the measurement.
 */

/** Median and quartiles of some values. */
export interface Spread {
  median: number;
  /** The first and third quartiles (linear interpolation between order statistics). */
  q1: number;
  q3: number;
  /** True when the interquartile range contains 0: the sign of the median is not to be trusted. */
  withinNoise: boolean;
}

/** The `p` quantile of sorted `s` (0 <= p <= 1), interpolating linearly between neighbours. */
function quantile(s: readonly number[], p: number): number {
  const at = (s.length - 1) * p;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return s[lo] + (s[hi] - s[lo]) * (at - lo);
}

/** The median and interquartile range of `xs` (all NaN, and not within noise, when `xs` is empty). */
export function spread(xs: readonly number[]): Spread {
  if (xs.length === 0) return { median: Number.NaN, q1: Number.NaN, q3: Number.NaN, withinNoise: false };
  const s = [...xs].sort((a, b) => a - b);
  const q1 = quantile(s, 0.25);
  const q3 = quantile(s, 0.75);
  return { median: quantile(s, 0.5), q1, q3, withinNoise: q1 <= 0 && q3 >= 0 };
}

/** `x` with its sign always written (`+0.39`, `-1.20`, `0.00` for zero), to `digits` decimals. */
export function signed(x: number, digits: number): string {
  const text = x.toFixed(digits);
  if (Number(text) === 0) return (0).toFixed(digits);
  return x > 0 ? `+${text}` : text;
}

/** A figure with its spread: `+0.39 ms (IQR +0.20 ms to +0.55 ms)`, and `, within noise` when it spans 0. */
export function spreadText(s: Spread, digits: number, unit: string): string {
  const iqr = `IQR ${signed(s.q1, digits)}${unit} to ${signed(s.q3, digits)}${unit}`;
  return `${signed(s.median, digits)}${unit} (${iqr}${s.withinNoise ? ', within noise' : ''})`;
}
