/**
 * Argument checks of the built-in constraint factories, so a bad bound, radius, rate, dim or options object
 * (from code or from a loaded spec) fails at once with an `ArgumentError` naming the factory, the argument and
 * the value, instead of turning every projected value into NaN later.
 */
import { ArgumentError, fmtShape } from '../../errors.js';
import { isTensor } from '../../tensor/tensor.js';

/** A value as messages show it: numbers as written (Infinity included), other things by their kind. */
export function describeValue(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `${JSON.stringify(v)} (a string)`;
  if (isTensor(v)) return `a Tensor of shape ${fmtShape(v.shape)}`;
  if (Array.isArray(v)) return 'an array';
  if (v === null || v === undefined) return String(v);
  return typeof v === 'object' ? 'an object' : `${String(v)} (a ${typeof v})`;
}

/** What a numeric argument may be. */
export interface NumberRule {
  /** The smallest allowed value (default: none). */
  min?: number;
  /** True when `min` itself is excluded. */
  exclusiveMin?: boolean;
  /** The largest allowed value (default: none). */
  max?: number;
  /** Which infinities are allowed (default: neither). */
  infinity?: 'positive' | 'negative' | 'both';
}

/** `v` as a number obeying `rule`, or an ArgumentError `op: name must be ..., got v`. */
export function checkNumber(op: string, name: string, v: unknown, rule: NumberRule = {}): number {
  const inf = rule.infinity;
  const okInf =
    v === Number.POSITIVE_INFINITY
      ? inf === 'positive' || inf === 'both'
      : v === Number.NEGATIVE_INFINITY
        ? inf === 'negative' || inf === 'both'
        : true;
  const ok =
    typeof v === 'number' &&
    !Number.isNaN(v) &&
    okInf &&
    (rule.min === undefined || (rule.exclusiveMin ? v > rule.min : v >= rule.min)) &&
    (rule.max === undefined || v <= rule.max);
  if (ok) return v as number;
  const parts: string[] = [];
  if (rule.min !== undefined) parts.push(`${rule.exclusiveMin ? '>' : '>='} ${rule.min}`);
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
  const finite =
    inf === 'both' ? '' : inf === 'positive' ? ' (or Infinity)' : inf === 'negative' ? ' (or -Infinity)' : '';
  const kind = inf === undefined ? 'a finite number' : 'a number';
  throw new ArgumentError(
    `${op}: ${name} must be ${kind}${parts.length ? ` ${parts.join(' and ')}` : ''}${finite}, got ${describeValue(v)}`,
  );
}

/** Checks that `options` is absent or a plain object whose keys are all in `keys`. */
export function checkOptions(op: string, options: unknown, keys: readonly string[]): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object' || Array.isArray(options) || isTensor(options))
    throw new ArgumentError(
      `${op}: options must be an object like { ${keys.join(', ')} }, got ${describeValue(options)}`,
    );
  const unknown = Object.keys(options).filter((k) => !keys.includes(k));
  if (unknown.length > 0)
    throw new ArgumentError(
      `${op}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}; known: ${keys.join(', ') || '(none)'}`,
    );
}

/** Checks a `dim` option: absent, an integer, or an array of integers. */
export function checkDim(op: string, dim: unknown): number | number[] | undefined {
  if (dim === undefined || dim === null) return undefined;
  if (Number.isInteger(dim)) return dim as number;
  if (Array.isArray(dim) && dim.every((d) => Number.isInteger(d))) return [...dim] as number[];
  throw new ArgumentError(`${op}: dim must be an integer or an array of integers, got ${describeValue(dim)}`);
}
