/**
 * The fused simplex and L1-ball projections against the float64 sort-based reference, on rows long and varied
 * enough to take every branch of a linear-time algorithm (Condat's: set-aside candidates, cleanup passes, ties,
 * -Infinity entries, radii far below or above the row's spread): `simplexProject` and `l1BallProject` within an
 * absolute bound of `(cols + 8)·2^-23` times the row's magnitude, non-negative (simplex) or inside the ball, and
 * rows already inside the ball bit for bit. A fused kernel the backend does not provide is skipped.
 */
import fc from 'fast-check';
import { describe } from 'vitest';
import type { Suite } from '../../context.js';
import { assertClose, bounded, EPS32, TINY } from '../../tolerance.js';
import { needsFused } from './fused.js';
import { arrayOf, propTest, scratchTest, show } from './harness.js';

/** Rows with repeated values (ties), a wide or narrow spread, and long rows (up to 300). */
const rowsArb = fc
  .record({
    rows: fc.integer({ min: 1, max: 3 }),
    cols: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 100, max: 300 })),
    scale: fc.constantFrom(0.01, 1, 100),
    levels: fc.constantFrom(0, 3),
  })
  .chain((d) =>
    fc.tuple(
      fc.constant(d),
      fc.array(fc.double({ min: -1, max: 1, noNaN: true }), {
        minLength: d.rows * d.cols,
        maxLength: d.rows * d.cols,
      }),
      fc.constantFrom(1, 0.001, 7.5, 1000),
      fc.boolean(),
    ),
  )
  .map(([d, raw, radius, inPlace]) => {
    // NOTE: quantized rows have many exact ties, which the threshold must treat as one block.
    const values = raw.map((v) => (d.levels === 0 ? v : Math.round(v * d.levels) / d.levels) * d.scale);
    return { ...d, X: arrayOf('float32', values) as Float32Array, radius, inPlace };
  });

/** The per-element bound and the row magnitudes of `X` for a projection of radius `radius`. */
function rowBounds(X: Float32Array, rows: number, cols: number, radius: number): number[] {
  const bounds: number[] = [];
  for (let r = 0; r < rows; r++) {
    let mag = radius;
    for (let c = 0; c < cols; c++) mag += Math.abs(X[r * cols + c]);
    for (let c = 0; c < cols; c++) bounds.push((cols + 8) * EPS32 * mag + TINY);
  }
  return bounds;
}

/** The fused linear-time projection suite. */
export const fusedProjectionsSuite: Suite = (ctx) => {
  describe('fused projections on long rows', () => {
    propTest(
      ctx,
      'fused simplexProject on long rows with ties matches the sort-based reference, non-negative, sums to the radius',
      rowsArb,
      ({ rows, cols, X, radius, inPlace }, s) => {
        const x = s.input(X);
        const out = inPlace && s.backend.capabilities.inPlace ? x : s.output('float32', X.length);
        s.runFused('simplexProject', { x, out, rows, cols, radius });
        const got = s.got(out);
        const bounds = rowBounds(X, rows, cols, radius);
        for (let r = 0; r < rows; r++) {
          const row = Array.from(got.slice(r * cols, (r + 1) * cols));
          if (row.some((v) => !(v >= 0))) throw new Error(`simplexProject: row ${r} has a negative entry`);
          const total = row.reduce((a, v) => a + v, 0);
          assertClose(`simplexProject row ${r} sum`, [total], [radius], bounded, { bounds: [cols * bounds[r * cols]] });
        }
        s.check(`fused simplexProject [${rows}, ${cols}] radius ${radius}`, out, bounded, {
          bounds,
          inputs: () => `x = ${show(X)}`,
        });
      },
      needsFused('simplexProject'),
    );

    propTest(
      ctx,
      'fused l1BallProject matches the reference, lands in the ball, and leaves rows inside bit for bit',
      rowsArb,
      ({ rows, cols, X, radius, inPlace }, s) => {
        const x = s.input(X);
        const out = inPlace && s.backend.capabilities.inPlace ? x : s.output('float32', X.length);
        s.runFused('l1BallProject', { x, out, rows, cols, radius });
        const got = s.got(out);
        const bounds = rowBounds(X, rows, cols, radius);
        for (let r = 0; r < rows; r++) {
          const src = Array.from(X.slice(r * cols, (r + 1) * cols));
          const row = Array.from(got.slice(r * cols, (r + 1) * cols));
          const l1 = src.reduce((a, v) => a + Math.abs(v), 0);
          if (l1 <= radius) {
            const same = row.every((v, c) => Object.is(v, src[c]));
            if (!same) throw new Error(`l1BallProject: row ${r} is inside (l1 ${l1}) but changed: ${show(row)}`);
            continue;
          }
          const norm = row.reduce((a, v) => a + Math.abs(v), 0);
          assertClose(`l1BallProject row ${r} norm`, [norm], [radius], bounded, { bounds: [cols * bounds[r * cols]] });
          if (row.some((v, c) => v !== 0 && Math.sign(v) !== Math.sign(src[c])))
            throw new Error(`l1BallProject: row ${r} flipped a sign: ${show(row)}`);
        }
        s.check(`fused l1BallProject [${rows}, ${cols}] radius ${radius}`, out, bounded, {
          bounds,
          inputs: () => `x = ${show(X)}`,
        });
      },
      needsFused('l1BallProject'),
    );

    scratchTest(
      ctx,
      'fused simplexProject and l1BallProject: -Infinity entries, radius 0, NaN rows, a row exactly on the ball',
      (s) => {
        const ninf = Number.NEGATIVE_INFINITY;
        const X = arrayOf('float32', [ninf, 0.5, ninf, 0.25, 3, 1, 2, 0, Number.NaN, 1, 2, 3]) as Float32Array;
        const cases: { name: 'simplexProject' | 'l1BallProject'; radius: number; want: number[] }[] = [
          { name: 'simplexProject', radius: 1, want: [0, 0.625, 0, 0.375, 1, 0, 0, 0, NaN, NaN, NaN, NaN] },
          { name: 'simplexProject', radius: 0, want: [0, 0, 0, 0, 0, 0, 0, 0, NaN, NaN, NaN, NaN] },
          // Row 1 has L1 norm 6 = the radius: unchanged; rows 0 and 2 have infinite or NaN norms: NaN.
          { name: 'l1BallProject', radius: 6, want: [NaN, NaN, NaN, NaN, 3, 1, 2, 0, NaN, NaN, NaN, NaN] },
        ];
        for (const { name, radius, want } of cases) {
          const x = s.input(X);
          const out = s.output('float32', X.length);
          s.runFused(name, { x, out, rows: 3, cols: 4, radius });
          assertClose(`${name} radius ${radius}`, s.got(out), want, bounded, { bounds: want.map(() => 4 * EPS32) });
          s.check(`${name} radius ${radius} against the reference`, out, bounded, {
            bounds: want.map(() => 4 * EPS32),
          });
        }
      },
      (b) => needsFused('simplexProject')(b) || needsFused('l1BallProject')(b),
    );
  });
};
