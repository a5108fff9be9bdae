/**
 * JSON that loses no number. `JSON.stringify` writes Infinity, -Infinity and NaN as `null` and -0 as `0`, so a
 * `maxNorm(Infinity)` saved that way comes back with bound 0. Here each of those numbers is written as the tagged
 * object `{"$cp.number": "Infinity"}` (or "-Infinity", "NaN", "-0"); a real object that happens to have one
 * of the two tag keys is wrapped as `{"$cp.object": {...}}`, so no value written here can be misread as a
 * tag. Text without tags (every file written before tags existed) reads exactly as `JSON.parse` reads it.
 */

const NUMBER_TAG = '$cp.number';
const OBJECT_TAG = '$cp.object';
const NAMED: Record<string, number> = {
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
  NaN: Number.NaN,
  '-0': -0,
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function hasTagKey(o: Record<string, unknown>): boolean {
  return Object.hasOwn(o, NUMBER_TAG) || Object.hasOwn(o, OBJECT_TAG);
}

function tag(v: unknown): unknown {
  if (typeof v === 'number') {
    if (Number.isFinite(v) && !Object.is(v, -0)) return v;
    return { [NUMBER_TAG]: Object.is(v, -0) ? '-0' : String(v) };
  }
  if (Array.isArray(v)) return v.map(tag);
  if (!isPlainObject(v)) return v;
  // NOTE: fromEntries defines own properties, so a key named "__proto__" stays a key.
  const entries = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tag(x)]));
  return hasTagKey(v) ? { [OBJECT_TAG]: entries } : entries;
}

/** `JSON.stringify(value)`, except that non-finite numbers and -0 are written as tags and read back exactly. */
export function stringifyExact(value: unknown): string {
  return JSON.stringify(tag(value));
}

/**
 * Replaces the tags in a `JSON.parse` result by the values they stand for. A malformed tag (a tag key beside
 * other keys, an unknown number name, a wrapped non-object) calls `fail` with a description and its path.
 */
export function untag(value: unknown, fail: (message: string) => never, path = '$'): unknown {
  if (Array.isArray(value)) return value.map((x, i) => untag(x, fail, `${path}[${i}]`));
  if (!isPlainObject(value)) return value;
  const keys = Object.keys(value);
  if (hasTagKey(value)) {
    const k = keys[0];
    const inner = value[k];
    if (keys.length !== 1) fail(`at ${path}: a '${k}' tag must be the object's only key, found ${keys.length} keys`);
    if (k === NUMBER_TAG) {
      if (typeof inner !== 'string' || !Object.hasOwn(NAMED, inner))
        fail(
          `at ${path}: '${NUMBER_TAG}' must be one of ${Object.keys(NAMED).join(', ')}, got ${JSON.stringify(inner)}`,
        );
      return NAMED[inner];
    }
    if (!isPlainObject(inner)) fail(`at ${path}: '${OBJECT_TAG}' must wrap an object, got ${JSON.stringify(inner)}`);
    return untagEntries(inner, fail, path);
  }
  return untagEntries(value, fail, path);
}

function untagEntries(o: Record<string, unknown>, fail: (message: string) => never, path: string): unknown {
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, untag(x, fail, `${path}.${k}`)]));
}
