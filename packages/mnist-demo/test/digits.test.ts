// The digits: the npm package's files parse into 10,000 labelled images, and the split is seeded.
import { describe, expect, test } from 'vitest';
import { fromClasses, PIXELS, split } from '../src/data/digits.js';
import { loadMnist } from '../src/data/load-node.js';

describe('digits', () => {
  test('the mnist package ships 10,000 digits of every class with pixels in [0, 1]', async () => {
    const d = await loadMnist();
    expect(d.count).toBe(10_000);
    expect(d.images.length).toBe(10_000 * PIXELS);
    expect(new Set(d.labels)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(Math.min(...d.images.subarray(0, 50_000))).toBe(0);
    expect(Math.max(...d.images.subarray(0, 50_000))).toBeLessThanOrEqual(1);
  });

  test('the split is a seeded partition: same seed same sets, another seed other sets, no digit lost', () => {
    const byClass = Array.from({ length: 10 }, (_, c) =>
      Array.from({ length: 3 * PIXELS }, (_, i) => (i % PIXELS === 0 ? c * 3 + Math.floor(i / PIXELS) : 0)),
    );
    const d = fromClasses(byClass);
    const ids = (x: { images: Float32Array; count: number }) =>
      Array.from({ length: x.count }, (_, r) => x.images[r * PIXELS]);
    const a = split(d, { seed: 1, heldOutFraction: 0.2 });
    expect([a.train.count, a.heldOut.count]).toEqual([24, 6]);
    expect([...ids(a.train), ...ids(a.heldOut)].sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(ids(split(d, { seed: 1, heldOutFraction: 0.2 }).heldOut)).toEqual(ids(a.heldOut));
    expect(ids(split(d, { seed: 2, heldOutFraction: 0.2 }).heldOut)).not.toEqual(ids(a.heldOut));
    const classOf = Array.from(a.train.labels, (_, r) => Math.floor(a.train.images[r * PIXELS] / 3));
    expect(classOf).toEqual(Array.from(a.train.labels));
  });

  test('a class array that is not whole images is refused with its size', () => {
    expect(() => fromClasses(Array.from({ length: 10 }, () => [0, 1, 2]))).toThrow(
      /class 0: 3 values is not a whole number of 784-pixel images/,
    );
  });
});
