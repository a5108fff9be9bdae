// Exact JSON: every number survives (JSON alone writes Infinity, -Infinity and NaN as null and -0 as 0), and
// no real value can be mistaken for a tag.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { stringifyExact, untag } from '../../src/io/exact-json.js';

const fail = (m: string): never => {
  throw new Error(m);
};
const roundTrip = (v: unknown) => untag(JSON.parse(stringifyExact(v)), fail);

describe('exact JSON', () => {
  test('Infinity, -Infinity, NaN and -0 come back as themselves, at any depth', () => {
    const v = { max: Number.POSITIVE_INFINITY, list: [Number.NEGATIVE_INFINITY, Number.NaN, -0, 1.5], s: 'Infinity' };
    const back = roundTrip(v) as typeof v;
    expect(back).toEqual(v);
    expect(Object.is(back.list[2], -0)).toBe(true);
    expect(stringifyExact(Number.POSITIVE_INFINITY)).toBe('{"$cp.number":"Infinity"}');
  });

  test('objects that look like tags are wrapped, so they come back as objects', () => {
    const v = { a: { '$cp.number': 'Infinity' }, b: { '$cp.object': { x: 1 } }, c: [{ '$cp.number': 3, y: 2 }] };
    expect(roundTrip(v)).toEqual(v);
  });

  test('text without tags reads as JSON.parse reads it', () => {
    const text = '{"name":"maxNorm","options":{"max":null,"dim":[0,1]},"__proto__":{"x":1}}';
    expect(untag(JSON.parse(text), fail)).toEqual(JSON.parse(text));
    expect(Object.hasOwn(untag(JSON.parse(text), fail) as object, '__proto__')).toBe(true);
  });

  test('malformed tags are errors with their path', () => {
    expect(() => untag(JSON.parse('{"a":[{"$cp.number":"inf"}]}'), fail)).toThrow(
      /at \$\.a\[0\]: '\$cp\.number' must be one of/,
    );
    expect(() => untag(JSON.parse('{"$cp.number":"NaN","x":1}'), fail)).toThrow(/must be the object's only key/);
    expect(() => untag(JSON.parse('{"$cp.object":[1]}'), fail)).toThrow(/must wrap an object/);
  });

  test('any JSON value with any doubles round-trips exactly (property)', () => {
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(fc.double(), fc.string(), fc.boolean(), fc.constant(null)),
      node: fc.oneof(
        { depthSize: 'small' },
        tie('leaf'),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('$cp.number', '$cp.object')), tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(roundTrip(v)).toEqual(v);
      }),
      { numRuns: 300, seed: 42 },
    );
  });
});
