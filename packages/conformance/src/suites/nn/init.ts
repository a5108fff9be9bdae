/**
 * nn.init: each initializer's bounds or moments (PyTorch's formulas), in-place writes that keep the
 * Parameter object, seeded reproducibility, and the gains of `calculateGain`.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { expectClose, tidyTest } from './helpers.js';

const { nn } = cp;
const { init } = nn;

function moments(t: cp.Tensor): { mean: number; std: number; maxAbs: number } {
  const v = Array.from(t.dataSync());
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const std = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
  return { mean, std, maxAbs: Math.max(...v.map(Math.abs)) };
}

/** Initializers. */
export function nnInitSuite(_ctx: SuiteContext): void {
  describe('nn.init', () => {
    test('calculateGain follows PyTorch’s table', () => {
      expect(init.calculateGain('linear')).toBe(1);
      expect(init.calculateGain('sigmoid')).toBe(1);
      expect(init.calculateGain('tanh')).toBeCloseTo(5 / 3, 12);
      expect(init.calculateGain('relu')).toBeCloseTo(Math.SQRT2, 12);
      expect(init.calculateGain('leakyRelu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 12);
      expect(init.calculateGain('leaky_relu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 12);
      expect(init.calculateGain('selu')).toBe(0.75);
    });

    test(
      'uniform_ and normal_ write samples with the requested range and moments in place',
      tidyTest(() => {
        cp.manualSeed(1);
        const p = new nn.Parameter(cp.zeros([100, 100]));
        expect(init.uniform_(p, -2, 3)).toBe(p);
        const u = moments(p);
        expect(Math.min(...Array.from(p.dataSync()))).toBeGreaterThanOrEqual(-2);
        expect(u.maxAbs).toBeLessThan(3);
        expect(u.mean).toBeCloseTo(0.5, 1);
        init.normal_(p, 1, 2);
        const n = moments(p);
        expect(n.mean).toBeCloseTo(1, 1);
        expect(n.std).toBeCloseTo(2, 1);
        expect(p.requiresGrad).toBe(true);
        p.dispose();
      }),
    );

    test(
      'constant_, zeros_, ones_ and eye_ write their values',
      tidyTest(() => {
        const t = cp.zeros([2, 3]);
        expectClose(init.constant_(t, 0.5), [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
        expectClose(init.ones_(t), [1, 1, 1, 1, 1, 1]);
        expectClose(init.zeros_(t), [0, 0, 0, 0, 0, 0]);
        expectClose(init.eye_(t), [1, 0, 0, 0, 1, 0]);
        expect(() => init.eye_(cp.zeros([3]))).toThrow(/eye_: expected a 2-D tensor/);
      }),
    );

    test(
      'xavierUniform_ stays within gain·sqrt(6 / (fanIn + fanOut))',
      tidyTest(() => {
        cp.manualSeed(2);
        const t = init.xavierUniform_(cp.zeros([30, 20]), 2);
        const bound = 2 * Math.sqrt(6 / 50);
        const m = moments(t);
        expect(m.maxAbs).toBeLessThanOrEqual(bound);
        expect(m.std).toBeCloseTo(bound / Math.sqrt(3), 1);
      }),
    );

    test(
      'xavierNormal_ has std gain·sqrt(2 / (fanIn + fanOut))',
      tidyTest(() => {
        cp.manualSeed(3);
        const m = moments(init.xavierNormal_(cp.zeros([200, 100])));
        expect(m.std).toBeCloseTo(Math.sqrt(2 / 300), 2);
      }),
    );

    test(
      'kaimingUniform_ stays within gain·sqrt(3 / fanIn) and kaimingNormal_ has std gain / sqrt(fan)',
      tidyTest(() => {
        cp.manualSeed(4);
        const u = moments(init.kaimingUniform_(cp.zeros([100, 50]), { nonlinearity: 'relu' }));
        const bound = Math.SQRT2 * Math.sqrt(3 / 50);
        expect(u.maxAbs).toBeLessThanOrEqual(bound);
        expect(u.maxAbs).toBeGreaterThan(0.9 * bound);
        const n = moments(init.kaimingNormal_(cp.zeros([400, 100]), { mode: 'fanOut', nonlinearity: 'relu' }));
        expect(n.std).toBeCloseTo(Math.SQRT2 / Math.sqrt(400), 2);
        // Conv-like weights: fanIn counts the receptive field.
        const c = moments(init.kaimingUniform_(cp.zeros([8, 4, 3, 3]), { a: Math.sqrt(5) }));
        expect(c.maxAbs).toBeLessThanOrEqual(1 / Math.sqrt(36));
        expect(() => init.kaimingUniform_(cp.zeros([5]))).toThrow(/at least 2 dims/);
      }),
    );

    test(
      'orthogonal_ gives orthonormal rows or columns, scaled by gain',
      tidyTest(() => {
        for (const shape of [
          [3, 5],
          [5, 3],
        ]) {
          const w = init.orthogonal_(cp.zeros(shape), 2);
          const gram = shape[0] < shape[1] ? w.matmul(w.t()) : w.t().matmul(w);
          const k = Math.min(shape[0], shape[1]);
          expectClose(gram, cp.eye(k).mul(4).toArray(), 4);
        }
      }),
    );

    test(
      'a generator passed to an initializer makes it reproducible',
      tidyTest(() => {
        const a = init.normal_(cp.zeros([10]), 0, 1, { generator: new cp.Generator(9) });
        const b = init.normal_(cp.zeros([10]), 0, 1, { generator: new cp.Generator(9) });
        expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
        expect(init.xavierUniform).toBe(init.xavierUniform_);
        expect(init.kaimingNormal).toBe(init.kaimingNormal_);
      }),
    );
  });
}
