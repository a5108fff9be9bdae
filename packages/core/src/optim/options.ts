/**
 * Checks of optimizer options, shared by every optimizer: unknown keys (with the intended name when one is
 * close: `clipnorm` -> `clipNorm`, `weight_decay` -> `weightDecay`, `learningRate` -> `lr`), and values
 * (finite numbers in range, booleans, functions), with PyTorch's wording where it has one ("invalid learning
 * rate: -1"). The optimizer prefixes each message with its name and the group.
 */
import { ArgumentError } from '../errors.js';

/** Keys every optimizer takes in its options, for the whole optimizer (not per group). */
export const OPTIMIZER_WIDE_KEYS: readonly string[] = ['clipNorm', 'clipValue', 'skipNonFinite', 'onSkip'];

/** Keys a learning-rate scheduler adds to every group (and state dicts therefore carry). */
export const SCHEDULER_KEYS: readonly string[] = ['initialLr'];

/** Other spellings users bring from PyTorch, Keras or Optax, by normalized name (lower case, no `_`/`-`). */
const ALIASES: Readonly<Record<string, string>> = {
  learningrate: 'lr',
  weightdecay: 'weightDecay',
  beta: 'betas',
  epsilon: 'eps',
  globalclipnorm: 'clipNorm',
  maxgradnorm: 'clipNorm',
};

/** A value as messages show it: strings quoted, arrays bracketed, numbers as written. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map(describeValue).join(', ')}]`;
  if (typeof v === 'function') return 'a function';
  if (v === null || typeof v !== 'object') return String(v);
  return 'an object';
}

function normalize(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

/** The known key `key` was most likely meant to be, or null when none is close. */
export function closestKey(key: string, known: readonly string[]): string | null {
  const n = normalize(key);
  const alias = ALIASES[n];
  if (alias && known.includes(alias)) return alias;
  let best: string | null = null;
  let bestD = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = editDistance(n, normalize(k));
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  // NOTE: at most 2 edits, and fewer than half the name, so 'lR' finds 'lr' but 'eps' does not find 'step'.
  return best !== null && bestD <= Math.min(2, Math.floor(best.length / 2)) ? best : null;
}

/** Throws an `ArgumentError` for the first key of `keys` not in `known` (`what` names the kind of key). */
export function checkKeys(where: string, keys: Iterable<string>, known: readonly string[], what = 'option'): void {
  for (const key of keys) {
    if (known.includes(key)) continue;
    const guess = closestKey(key, known);
    throw new ArgumentError(
      `${where}: unknown ${what} '${key}'${guess ? ` (did you mean '${guess}'?)` : ''}; known: ${known.join(', ')}`,
    );
  }
}

/** Throws `invalid <label>: <value> (<name> must be a finite number in the range)` unless `v` is one. */
export function checkNumber(
  label: string,
  name: string,
  v: unknown,
  range: { min?: number; max?: number; maxExclusive?: boolean; integer?: boolean } = { min: 0 },
): void {
  const { min, max, maxExclusive, integer } = range;
  const ok =
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (min === undefined || v >= min) &&
    (max === undefined || (maxExclusive ? v < max : v <= max)) &&
    (!integer || Number.isInteger(v));
  if (ok) return;
  const bounds = [
    min !== undefined ? `>= ${min}` : '',
    max !== undefined ? `${maxExclusive ? '<' : '<='} ${max}` : '',
  ].filter(Boolean);
  throw new ArgumentError(
    `invalid ${label}: ${describeValue(v)} (${name} must be a finite ${integer ? 'integer' : 'number'}${bounds.length ? ` ${bounds.join(' and ')}` : ''})`,
  );
}

/** Throws `invalid <name>: <value> (expected a boolean)` unless `v` is a boolean. */
export function checkBoolean(name: string, v: unknown): void {
  if (typeof v !== 'boolean') throw new ArgumentError(`invalid ${name}: ${describeValue(v)} (expected a boolean)`);
}

/** Throws unless `v` is a pair of numbers in [0, 1) (Adam's betas), naming the bad index like PyTorch. */
export function checkBetas(v: unknown): void {
  if (!Array.isArray(v) || v.length !== 2) {
    throw new ArgumentError(`invalid betas: ${describeValue(v)} (expected two numbers in [0, 1))`);
  }
  v.forEach((b, i) => {
    checkNumber(`beta parameter at index ${i}`, `betas[${i}]`, b, { min: 0, max: 1, maxExclusive: true });
  });
}

/** Checks the optimizer-wide options (`clipNorm`, `clipValue`, `skipNonFinite`, `onSkip`) when present. */
export function checkOptimizerWide(options: Record<string, unknown>): void {
  const { clipNorm, clipValue, skipNonFinite, onSkip } = options;
  // NOTE: Infinity is a valid clipNorm/clipValue (no clipping), as in PyTorch; NaN and negatives are not.
  for (const [name, v] of [
    ['clipNorm', clipNorm],
    ['clipValue', clipValue],
  ] as const) {
    if (v !== undefined && !(typeof v === 'number' && v >= 0)) {
      throw new ArgumentError(`invalid ${name}: ${describeValue(v)} (${name} must be a number >= 0, or Infinity)`);
    }
  }
  if (skipNonFinite !== undefined) checkBoolean('skipNonFinite', skipNonFinite);
  if (onSkip !== undefined && typeof onSkip !== 'function') {
    throw new ArgumentError(`invalid onSkip: ${describeValue(onSkip)} (expected a function)`);
  }
}

/** Re-throws an `ArgumentError` from `fn` with `where: ` in front of its message. */
export function withContext<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ArgumentError) throw new ArgumentError(`${where}: ${e.message}`);
    throw e;
  }
}

/** True when every value is a finite number (for `updateTraits`). */
export function allFinite(...values: number[]): boolean {
  return values.every(Number.isFinite);
}

/** A copy of an option value that owns its arrays (`betas`), so groups never share one. */
export function copyOption(v: unknown): unknown {
  return Array.isArray(v) ? [...v] : v;
}
