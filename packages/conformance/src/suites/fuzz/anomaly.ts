/**
 * Anomaly mode on the backend under test: `detectAnomaly(fn)` names the first op that produced NaN or
 * ±Infinity, forward or backward, with the shapes; it is off by default and leaves results untouched when
 * nothing is wrong.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';

/** Runs `fn` and returns the AnomalyError it throws (failing the test when it throws nothing or something else). */
function anomalyOf(fn: () => void): cp.AnomalyError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(cp.AnomalyError);
    expect(e).toBeInstanceOf(cp.CpError);
    return e as cp.AnomalyError;
  }
  throw new Error('expected an AnomalyError, nothing was thrown');
}

/** Anomaly mode. */
export function anomalySuite(ctx: SuiteContext): void {
  describe('anomaly mode', () => {
    test('is off by default: log(0) gives -Infinity without an error', () => {
      expect(cp.isAnomalyEnabled()).toBe(false);
      cp.tidy(() => {
        const y = cp.log(cp.tensor([1, 0], { backend: ctx.backend() }));
        expect(Array.from(y.dataSync())).toEqual([0, -Infinity]);
      });
    });

    test('log(0) in forward names log, forward, the input and output shapes', () => {
      cp.tidy(() => {
        const x = cp.tensor([[1, 0, 2]], { backend: ctx.backend() });
        const e = anomalyOf(() => cp.detectAnomaly(() => cp.log(x)));
        expect(e.message).toMatch(/forward of 'log'/);
        expect(e.message).toMatch(/output \(shape \[1, 3\]\) holds -Infinity at flat index 1/);
        expect(e.message).toMatch(/input shapes \[1, 3\]/);
      });
    });

    test('0/0 in forward names div and both input shapes', () => {
      cp.tidy(() => {
        const a = cp.tensor([0, 1], { backend: ctx.backend() });
        const b = cp.tensor([[0, 1]], { backend: ctx.backend() });
        const e = anomalyOf(() => cp.detectAnomaly(() => cp.div(a, b)));
        expect(e.message).toMatch(/forward of 'div'.*holds NaN at flat index 0.*input shapes \[2\], \[1, 2\]/);
      });
    });

    test('sqrt at 0 has an infinite gradient: backward names sqrt, the input and the output shape', () => {
      cp.tidy(() => {
        const x = cp.tensor([4, 0, 1], { requiresGrad: true, backend: ctx.backend() });
        const e = anomalyOf(() => cp.detectAnomaly(() => cp.sqrt(x).sum().backward()));
        expect(e.message).toMatch(/backward of 'sqrt'/);
        expect(e.message).toMatch(/gradient of input 0 \(shape \[3\]\) holds Infinity at flat index 1/);
        expect(e.message).toMatch(/output shape \[3\]/);
      });
    });

    test('a custom entropy -sum(p log p) with a zero probability names the first offender, log, not the mul after it', () => {
      cp.tidy(() => {
        const p = cp.tensor([0.5, 0.5, 0], { requiresGrad: true, backend: ctx.backend() });
        const e = anomalyOf(() => cp.detectAnomaly(() => cp.neg(cp.sum(cp.mul(p, cp.log(p)))).backward()));
        expect(e.message).toMatch(/forward of 'log'.*-Infinity at flat index 2/);
      });
    });

    test('std of a constant vector is finite forward; backward names the op whose gradient is not finite', () => {
      cp.tidy(() => {
        const x = cp.tensor([3, 3, 3], { requiresGrad: true, backend: ctx.backend() });
        const e = anomalyOf(() =>
          cp.detectAnomaly(() => {
            const s = cp.std(x);
            expect(s.item()).toBe(0);
            s.backward();
          }),
        );
        expect(e.message).toMatch(/backward of 'sqrt'.*Infinity/);
      });
    });

    test('finite programs give the same values and gradients with anomaly mode on', () => {
      cp.tidy(() => {
        const run = () => {
          const x = cp.tensor([0.5, -1, 2], { requiresGrad: true, backend: ctx.backend() });
          const loss = cp.sum(cp.mul(cp.softmax(x), cp.log(cp.add(cp.mul(x, x), 1))));
          loss.backward();
          return [loss.item(), ...Array.from(x.grad!.dataSync())];
        };
        expect(cp.detectAnomaly(run)).toEqual(run());
      });
    });

    test('detectAnomaly restores the previous mode, also when fn throws; setDetectAnomaly turns it on and off', () => {
      expect(() =>
        cp.detectAnomaly(() => {
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(cp.isAnomalyEnabled()).toBe(false);
      cp.setDetectAnomaly(true);
      try {
        expect(cp.isAnomalyEnabled()).toBe(true);
        cp.tidy(() => {
          expect(() => cp.log(cp.zeros([2], { backend: ctx.backend() }))).toThrow(cp.AnomalyError);
        });
      } finally {
        cp.setDetectAnomaly(false);
      }
      expect(cp.isAnomalyEnabled()).toBe(false);
    });
  });
}
