/**
 * Data augmentation for training digits: a random shift of a pixel or two in each direction, with the
 * uncovered border filled with background (0). Browser-safe; works on the flat 784-float rows.
 */
import type { Generator } from '@cp/core';
import { PIXELS } from './digits.js';

const SIDE = 28;

/**
 * Writes image `src` (one 784-float row) into `dst` at `offset`, moved `dx` pixels right and `dy` pixels
 * down (negative: left, up); pixels moved out are dropped and the uncovered ones are 0.
 */
export function shiftInto(src: Float32Array, dst: Float32Array, offset: number, dx: number, dy: number): void {
  dst.fill(0, offset, offset + PIXELS);
  const x0 = Math.max(0, dx);
  const x1 = Math.min(SIDE, SIDE + dx);
  for (let y = Math.max(0, dy); y < Math.min(SIDE, SIDE + dy); y++) {
    const from = (y - dy) * SIDE - dx;
    dst.set(src.subarray(from + x0, from + x1), offset + y * SIDE + x0);
  }
}

/** A shift in `-max..max` drawn from `gen` (uniform over the 2·max + 1 values). */
export function randomShift(gen: Generator, max: number): number {
  return (gen.nextUint32() % (2 * max + 1)) - max;
}
