/**
 * The fused `boxTransform` (a box reparametrization and its VJP) against the float64 reference: every bound kind
 * (lower only, upper only, both, neither), raw values far into the flat tails, with and without the gradient,
 * in place (`out === raw`, `gradOut === grad`) or not; values within 2 ulp (plus 2 ulp of the bounds), gradients
 * and derivatives within 2 ulp, the VJP the float32 product of the gradient and the derivative, a derivative
 * below 2^-100 zero. A backend without the kernel is skipped.
 */
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import type { Suite } from '../../context.js';
import { bounded, EPS32, TINY } from '../../tolerance.js';
import { needsFused } from './fused.js';
import { arrayOf, propTest, show } from './harness.js';

const BOXES: [number, number][] = [
  [Math.fround(1e-6), Number.POSITIVE_INFINITY],
  [2, Number.POSITIVE_INFINITY],
  [Number.NEGATIVE_INFINITY, -1],
  [-1, 3],
  [100, 100.5],
  [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY],
];

const caseArb = fc.integer({ min: 0, max: 33 }).chain((n) =>
  fc.record({
    raw: fc.float32Array({ minLength: n, maxLength: n, min: -60, max: 60, noNaN: true, noDefaultInfinity: true }),
    grad: fc.float32Array({ minLength: n, maxLength: n, min: -10, max: 10, noNaN: true, noDefaultInfinity: true }),
    box: fc.constantFrom(...BOXES),
    withGrad: fc.boolean(),
    withSlope: fc.boolean(),
    inPlace: fc.boolean(),
  }),
);

/** The fused reparametrization suite. */
export const fusedReparamSuite: Suite = (ctx) => {
  describe('fused boxTransform', () => {
    propTest(
      ctx,
      'fused boxTransform matches the float64 reference: value within 2 ulp (and of the bounds), derivative and VJP within 2 ulp, VJP = grad·derivative in float32',
      caseArb,
      ({ raw, grad, box: [lo, hi], withGrad, withSlope, inPlace }, s) => {
        const n = raw.length;
        const inPlaceOk = inPlace && s.backend.capabilities.inPlace;
        const r = s.input(arrayOf('float32', raw));
        const out = inPlaceOk ? r : s.output('float32', n);
        const g = withGrad ? s.input(arrayOf('float32', grad)) : null;
        const gOut = g === null ? null : inPlaceOk ? g : s.output('float32', n);
        const slope = withSlope ? s.output('float32', n) : null;
        s.runFused('boxTransform', { raw: r, out, n, lo, hi, grad: g, gradOut: gOut, slope });
        const scale = (Number.isFinite(lo) ? Math.abs(lo) : 0) + (Number.isFinite(hi) ? Math.abs(hi) : 0);
        const ref = s.resolve(out);
        s.check(`fused boxTransform [${lo}, ${hi}] value`, out, bounded, {
          bounds: Array.from(ref, (v) => 2 * EPS32 * (Math.abs(v) + scale) + TINY),
          inputs: (i) => `raw = ${raw[i]}; all: ${show(raw)}`,
        });
        for (const [what, h] of [
          ['VJP', gOut],
          ['derivative', slope],
        ] as const) {
          if (h === null) continue;
          s.check(`fused boxTransform [${lo}, ${hi}] ${what}`, h, bounded, {
            bounds: Array.from(s.resolve(h), (v) => 2 * EPS32 * Math.abs(v) + TINY),
            inputs: (i) => `raw = ${raw[i]}, grad = ${grad[i]}`,
          });
        }
        if (gOut !== null && slope !== null) {
          // NOTE: the optimizer's step keeps the derivative and multiplies it by the next gradient: same bits.
          const d = s.got(slope);
          const want = Float32Array.from(grad, (v, i) => v * d[i]);
          expect(Array.from(s.got(gOut)), `VJP = grad·derivative, raw ${show(raw)}`).toEqual(Array.from(want));
        }
      },
      needsFused('boxTransform'),
    );

    propTest(
      ctx,
      'fused boxTransform takes a derivative below 2^-100 as zero (a raw value deep in a flat tail)',
      fc.record({
        raw: fc.float({ min: -120, max: -70, noNaN: true }),
        grad: fc.float({ min: -2, max: 2, noNaN: true }),
      }),
      ({ raw, grad }, s) => {
        const r = s.input(arrayOf('float32', Float32Array.of(raw, -raw)));
        const g = s.input(arrayOf('float32', Float32Array.of(grad, grad)));
        const gOut = s.output('float32', 2);
        const slope = s.output('float32', 2);
        const box = { raw: r, out: s.output('float32', 2), n: 2, lo: 0, hi: Infinity };
        s.runFused('boxTransform', { ...box, grad: g, gradOut: gOut, slope });
        // NOTE: σ(raw) < 2^-100 here, so the first derivative and gradient are 0; σ(-raw) rounds to 1.
        expect(Array.from(s.got(slope)), `raw = ${raw}`).toEqual([0, 1]);
        expect(Array.from(s.got(gOut)), `raw = ${raw}, grad = ${grad}`).toEqual([grad * 0, grad]);
      },
      needsFused('boxTransform'),
    );
  });
};
