import { describe, expect, test } from 'vitest';
import { ArgumentError } from '../src/errors.js';
import { Generator } from '../src/tensor/random.js';

describe('the seeded generator', () => {
  test('the same seed gives the same stream and another seed a different one', () => {
    const a = new Generator(42);
    const b = new Generator(42);
    const c = new Generator(43);
    const sa = Array.from({ length: 8 }, () => a.nextUint32());
    expect(Array.from({ length: 8 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.nextUint32())).not.toEqual(sa);
  });

  test('floats are in [0, 1) and roughly uniform', () => {
    const g = new Generator(1);
    const bins = new Array(10).fill(0);
    for (let i = 0; i < 100000; i++) {
      const u = g.nextFloat();
      expect(u >= 0 && u < 1).toBe(true);
      bins[Math.floor(u * 10)]++;
    }
    for (const n of bins) expect(Math.abs(n - 10000)).toBeLessThan(500);
  });

  test('state can be saved and restored to replay the stream', () => {
    const g = new Generator(5);
    g.nextUint32();
    const state = g.getState();
    const next = [g.nextUint32(), g.nextUint32()];
    g.setState(state);
    expect([g.nextUint32(), g.nextUint32()]).toEqual(next);
  });

  test('a state that is not four 32-bit words, or is all zero, is rejected and the old state kept', () => {
    const g = new Generator(5);
    const state = g.getState();
    for (const bad of [[0, 0, 0, 0], [1, 2, 3], [1, 2, 3, -1], [1, 2, 3, 2 ** 32], [1, 2, 3, 0.5], 'abcd']) {
      expect(() => g.setState(bad as number[]), JSON.stringify(bad)).toThrow(ArgumentError);
    }
    expect(g.getState()).toEqual(state);
  });

  test('a seed must be an integer', () => {
    expect(() => new Generator(0.5)).toThrow(/manualSeed: seed must be an integer, got 0.5/);
    expect(() => new Generator(Number.NaN)).toThrow(ArgumentError);
  });
});
