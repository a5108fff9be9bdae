/**
 * The digits as flat typed arrays (784 floats in [0, 1] per image, one int32 label each) and the seeded
 * train/held-out split. Browser-safe: no Node APIs, so the playground uses it too.
 */
import { Generator } from '@cp/core';

/** Pixels per image (28 × 28). */
export const PIXELS = 784;

/** A set of digits: `images` holds `count` rows of `PIXELS` floats, `labels` their classes 0-9. */
export interface Digits {
  images: Float32Array;
  labels: Int32Array;
  count: number;
}

/** The digits of the `mnist` package, one array of row-major pixels per class (its `digits/N.json` `data`). */
export type DigitsByClass = readonly ArrayLike<number>[];

/** Concatenates the per-class arrays of the `mnist` package into one `Digits` set (class order). */
export function fromClasses(byClass: DigitsByClass): Digits {
  if (byClass.length !== 10) throw new Error(`expected pixel arrays for 10 classes, got ${byClass.length}`);
  const counts = byClass.map((raw, label) => {
    if (raw.length % PIXELS !== 0) {
      throw new Error(`class ${label}: ${raw.length} values is not a whole number of ${PIXELS}-pixel images`);
    }
    return raw.length / PIXELS;
  });
  const count = counts.reduce((a, b) => a + b, 0);
  const images = new Float32Array(count * PIXELS);
  const labels = new Int32Array(count);
  let row = 0;
  byClass.forEach((raw, label) => {
    images.set(Float32Array.from(raw), row * PIXELS);
    labels.fill(label, row, row + counts[label]);
    row += counts[label];
  });
  return { images, labels, count };
}

/** The rows `indices` of `d`, in that order. */
export function pick(d: Digits, indices: ArrayLike<number>): Digits {
  const images = new Float32Array(indices.length * PIXELS);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    images.set(d.images.subarray(r * PIXELS, (r + 1) * PIXELS), i * PIXELS);
    labels[i] = d.labels[r];
  }
  return { images, labels, count: indices.length };
}

/** A permutation of `0..n-1` drawn from `gen` (Fisher-Yates). */
export function permutation(n: number, gen: Generator): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = gen.nextUint32() % (i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** Shuffles `d` with `seed` and splits off the last `heldOutFraction` as the held-out set. */
export function split(
  d: Digits,
  options: { seed: number; heldOutFraction: number },
): { train: Digits; heldOut: Digits } {
  const { seed, heldOutFraction } = options;
  if (!(heldOutFraction > 0 && heldOutFraction < 1))
    throw new Error(`heldOutFraction must be in (0, 1), got ${heldOutFraction}`);
  const order = permutation(d.count, new Generator(seed));
  const nTrain = Math.round(d.count * (1 - heldOutFraction));
  return { train: pick(d, order.subarray(0, nTrain)), heldOut: pick(d, order.subarray(nTrain)) };
}
