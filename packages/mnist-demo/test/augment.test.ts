// Random shifts of training digits: the pixels move exactly, the uncovered border is background, and the
// shifts drawn stay in range and cover it.
import { Generator } from '@cp/core';
import { describe, expect, test } from 'vitest';
import { randomShift, shiftInto } from '../src/data/augment.js';
import { PIXELS } from '../src/data/digits.js';

describe('shiftInto', () => {
  const src = Float32Array.from({ length: PIXELS }, (_, i) => i + 1);

  test.each([
    [1, -2],
    [-2, 1],
    [0, 0],
    [2, 2],
  ])('moves every pixel by dx=%i, dy=%i and fills the rest with 0', (dx, dy) => {
    const dst = new Float32Array(PIXELS * 2).fill(-1);
    shiftInto(src, dst, PIXELS, dx, dy);
    expect(dst.subarray(0, PIXELS).every((v) => v === -1)).toBe(true);
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const sx = x - dx;
        const sy = y - dy;
        const want = sx >= 0 && sx < 28 && sy >= 0 && sy < 28 ? src[sy * 28 + sx] : 0;
        expect(dst[PIXELS + y * 28 + x]).toBe(want);
      }
    }
  });
});

describe('randomShift', () => {
  test('draws every value of -max..max and nothing else', () => {
    const gen = new Generator(3);
    const seen = new Set(Array.from({ length: 200 }, () => randomShift(gen, 2)));
    expect([...seen].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2]);
  });
});
