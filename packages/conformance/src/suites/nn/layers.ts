/**
 * nn layers: Linear's shapes and PyTorch's initialization bounds, and every layer's forward on numbers
 * worked by hand; Dropout's training and eval behaviour with the core generator.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { expectClose, setParam, tidyTest } from './helpers.js';

const { nn } = cp;

/** Layer behaviour. */
export function nnLayersSuite(_ctx: SuiteContext): void {
  describe('nn layers', () => {
    test('Linear has weight [out, in] and bias [out], both initialized within ±1/sqrt(in)', () => {
      cp.manualSeed(3);
      const m = new nn.Linear(50, 20);
      expect(m.weight.shape).toEqual([20, 50]);
      expect(m.bias!.shape).toEqual([20]);
      const bound = 1 / Math.sqrt(50);
      for (const p of [m.weight, m.bias!]) {
        const v = Array.from(p.dataSync());
        expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(bound);
        expect(Math.max(...v)).toBeGreaterThan(bound / 2);
        expect(Math.min(...v)).toBeLessThan(-bound / 2);
      }
      const w = Array.from(m.weight.dataSync());
      const std = Math.sqrt(w.reduce((s, x) => s + x * x, 0) / w.length);
      expect(std).toBeCloseTo(bound / Math.sqrt(3), 2);
      m.dispose();
    });

    test('Linear with the same seed initializes identically', () => {
      cp.manualSeed(11);
      const a = new nn.Linear(4, 3);
      cp.manualSeed(11);
      const b = new nn.Linear(4, 3);
      expect(Array.from(a.weight.dataSync())).toEqual(Array.from(b.weight.dataSync()));
      a.dispose();
      b.dispose();
    });

    test(
      'Linear computes x·Wᵀ + b',
      tidyTest(() => {
        const m = new nn.Linear(2, 3);
        setParam(m.weight, [
          [1, 2],
          [3, 4],
          [5, 6],
        ]);
        setParam(m.bias!, [0.5, -1, 0]);
        const x = cp.tensor([
          [1, 1],
          [2, -1],
        ]);
        expectClose(m.call(x), [
          [3.5, 6, 11],
          [0.5, 1, 4],
        ]);
        m.dispose();
      }),
    );

    test(
      'Linear maps any leading dims and a 1-D input',
      tidyTest(() => {
        const m = new nn.Linear(2, 3, { bias: false });
        setParam(m.weight, [
          [1, 0],
          [0, 1],
          [1, 1],
        ]);
        expect(m.bias).toBeNull();
        const y = m.call(cp.tensor([[[1, 2]], [[3, 4]]]));
        expect(y.shape).toEqual([2, 1, 3]);
        expectClose(y, [1, 2, 3, 3, 4, 7]);
        expectClose(m.call(cp.tensor([1, 2])), [1, 2, 3]);
        expect(() => m.call(cp.zeros([2, 3]))).toThrow(/linear: input \[2, 3\].*inFeatures = 2/);
        m.dispose();
      }),
    );

    test(
      'ReLU, LeakyReLU, Tanh and Sigmoid match their formulas',
      tidyTest(() => {
        expectClose(new nn.ReLU().call(cp.tensor([-1, 0, 2])), [0, 0, 2]);
        expectClose(new nn.LeakyReLU(0.1).call(cp.tensor([-2, 3])), [-0.2, 3]);
        expectClose(new nn.LeakyReLU().call(cp.tensor([-100])), [-1]);
        expectClose(new nn.Tanh().call(cp.tensor([0, 1, -0.5])), [0, 0.7615942, -0.4621172]);
        expectClose(new nn.Sigmoid().call(cp.tensor([0, Math.log(3)])), [0.5, 0.75]);
      }),
    );

    test(
      'GELU is x·Φ(x), or the tanh approximation when asked',
      tidyTest(() => {
        expectClose(new nn.GELU().call(cp.tensor([1, -1, 0.5])), [0.8413447, -0.1586553, 0.3457312]);
        expectClose(
          new nn.GELU({ approximate: 'tanh' }).call(cp.tensor([1, -1, 0.5])),
          [0.841192, -0.158808, 0.345714],
        );
      }),
    );

    test(
      'Softplus is log(1 + e^(beta·x))/beta and linear above the threshold',
      tidyTest(() => {
        expectClose(new nn.Softplus().call(cp.tensor([0])), [Math.LN2]);
        expectClose(new nn.Softplus({ beta: 2 }).call(cp.tensor([1])), [1.063464]);
        expectClose(new nn.Softplus({ threshold: 5 }).call(cp.tensor([10])), [10]);
      }),
    );

    test(
      'Softmax and LogSoftmax normalize along their dim',
      tidyTest(() => {
        const x = cp.tensor([
          [0, 0],
          [1, 1],
        ]);
        expectClose(new nn.Softmax(0).call(x), [
          [0.2689414, 0.2689414],
          [0.7310586, 0.7310586],
        ]);
        expectClose(new nn.LogSoftmax().call(x), [-Math.LN2, -Math.LN2, -Math.LN2, -Math.LN2]);
      }),
    );

    test(
      'LayerNorm normalizes the last dims to mean 0 and variance 1, then scales and shifts',
      tidyTest(() => {
        const m = new nn.LayerNorm(4);
        expectClose(m.weight!, [1, 1, 1, 1]);
        expectClose(m.bias!, [0, 0, 0, 0]);
        const x = cp.tensor([[1, 2, 3, 4]]);
        expectClose(m.call(x), [-1.3416354, -0.4472118, 0.4472118, 1.3416354]);
        setParam(m.weight!, [1, 2, 1, 2]);
        setParam(m.bias!, [0, 0, 1, 1]);
        expectClose(m.call(x), [-1.3416354, -0.8944236, 1.4472118, 3.6832708]);
        m.dispose();
      }),
    );

    test(
      'LayerNorm over two dims and without affine parameters',
      tidyTest(() => {
        const m = new nn.LayerNorm([2, 2], { elementwiseAffine: false });
        expect(m.parameters()).toHaveLength(0);
        const y = m.call(
          cp.tensor([
            [
              [1, 2],
              [3, 4],
            ],
          ]),
        );
        expect(y.shape).toEqual([1, 2, 2]);
        expectClose(y, [-1.3416354, -0.4472118, 0.4472118, 1.3416354]);
        expect(() => m.call(cp.zeros([2, 3]))).toThrow(/does not end with normalizedShape \[2, 2\]/);
      }),
    );

    test(
      'Embedding looks up rows for ids of any shape',
      tidyTest(() => {
        const m = new nn.Embedding(3, 2);
        setParam(m.weight, [
          [0, 0],
          [1, 2],
          [3, 4],
        ]);
        const ids = cp.tensor(
          [
            [2, 1],
            [0, 2],
          ],
          { dtype: 'int32' },
        );
        const y = m.call(ids);
        expect(y.shape).toEqual([2, 2, 2]);
        expectClose(y, [3, 4, 1, 2, 0, 0, 3, 4]);
        expect(() => m.call(cp.tensor([3], { dtype: 'int32' }))).toThrow(/index 3/);
        m.dispose();
      }),
    );

    test('Embedding initializes N(0, 1) with the padding row at zero', () => {
      cp.manualSeed(0);
      const m = new nn.Embedding(200, 10, { paddingIdx: -1 });
      expect(m.paddingIdx).toBe(199);
      const w = Array.from(m.weight.dataSync());
      expect(w.slice(1990)).toEqual(new Array(10).fill(0));
      const body = w.slice(0, 1990);
      const mean = body.reduce((s, v) => s + v, 0) / body.length;
      const std = Math.sqrt(body.reduce((s, v) => s + (v - mean) ** 2, 0) / body.length);
      expect(Math.abs(mean)).toBeLessThan(0.1);
      expect(std).toBeCloseTo(1, 1);
      m.dispose();
    });

    test(
      'Flatten merges dims startDim..endDim and Identity returns its input',
      tidyTest(() => {
        const x = cp.zeros([2, 3, 4]);
        expect(new nn.Flatten().call(x).shape).toEqual([2, 12]);
        expect(new nn.Flatten(0, 1).call(x).shape).toEqual([6, 4]);
        expect(new nn.Identity().call(x)).toBe(x);
      }),
    );

    test(
      'Dropout in training zeroes about p of the elements and scales the rest by 1/(1-p)',
      tidyTest(() => {
        cp.manualSeed(0);
        const y = Array.from(new nn.Dropout(0.25).call(cp.ones([2000])).dataSync());
        const zeros = y.filter((v) => v === 0).length;
        expect(zeros).toBeGreaterThan(400);
        expect(zeros).toBeLessThan(600);
        expect(y.every((v) => v === 0 || Math.abs(v - 4 / 3) < 1e-6)).toBe(true);
      }),
    );

    test(
      'Dropout is the identity in eval mode and reproducible from a seed in training',
      tidyTest(() => {
        const d = new nn.Dropout(0.5);
        const x = cp.ones([64]);
        d.eval();
        expect(d.call(x)).toBe(x);
        d.train();
        cp.manualSeed(42);
        const a = Array.from(d.call(x).dataSync());
        cp.manualSeed(42);
        const b = Array.from(d.call(x).dataSync());
        expect(a).toEqual(b);
        expect(a.some((v) => v === 0)).toBe(true);
      }),
    );

    test(
      'Dropout with p = 1 gives zeros and with p = 0 the input',
      tidyTest(() => {
        const x = cp.tensor([1, -2, 3]);
        expectClose(new nn.Dropout(1).call(x), [0, 0, 0]);
        expect(new nn.Dropout(0).call(x)).toBe(x);
        expect(() => new nn.Dropout(1.5)).toThrow(/p must be in \[0, 1\]/);
      }),
    );

    test(
      'F.dropout gives each element gradient 1/(1-p) where kept and 0 where dropped',
      tidyTest(() => {
        cp.manualSeed(5);
        const x = cp.ones([100], { requiresGrad: true });
        const y = cp.F.dropout(x, 0.5);
        y.sum().backward();
        expect(Array.from(x.grad!.dataSync())).toEqual(Array.from(y.dataSync()));
      }),
    );
  });
}
