/**
 * Gradients of every loss and of Linear, LayerNorm and Embedding, checked by `gradcheck` against finite
 * differences; plus the exact gradients where a formula is special (posWeight, saturated BCE, padding rows).
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { onBackend, withoutFused } from '../constraints/helpers.js';
import { expectClose, tidyTest, withParams } from './helpers.js';

const { F, nn } = cp;
const int = (v: cp.NestedArray) => cp.tensor(v, { dtype: 'int32' });

function expectGradcheck(fn: (...xs: cp.Tensor[]) => cp.Tensor, inputs: cp.Tensor[]): void {
  const result = cp.gradcheck(fn, inputs);
  expect(result.ok, `worst mismatch: ${JSON.stringify(result.worst)}`).toBe(true);
}

/** Gradient checks. */
export function nnGradientsSuite(ctx: SuiteContext): void {
  describe('nn gradients', () => {
    const x = () => cp.tensor([0.3, -1.2, 2.5, 0.7, -0.4, 1.1]);
    const y = () => cp.tensor([0.1, 0.4, 2, -1, 0.6, 0.9]);

    test(
      'mseLoss, l1Loss, smoothL1Loss and huberLoss pass gradcheck in input and target',
      tidyTest(() => {
        for (const loss of [F.mseLoss, F.l1Loss, F.smoothL1Loss, F.huberLoss]) {
          expectGradcheck((a, b) => loss(a, b), [x(), y()]);
          expectGradcheck((a, b) => loss(a, b, { reduction: 'none' }), [x(), y()]);
        }
      }),
    );

    test(
      'binaryCrossEntropyWithLogits passes gradcheck in logits, target and posWeight',
      tidyTest(() => {
        const t = () => cp.tensor([0, 1, 0.3, 1, 0, 0.8]);
        expectGradcheck((a, b) => F.binaryCrossEntropyWithLogits(a, b), [x(), t()]);
        expectGradcheck(
          (a, b, pw) => F.binaryCrossEntropyWithLogits(a, b, { posWeight: pw, reduction: 'sum' }),
          [x().reshape(2, 3), t().reshape(2, 3), cp.tensor([0.5, 2, 3])],
        );
      }),
    );

    test(
      'the gradient of binaryCrossEntropyWithLogits is sigmoid(x) - y, and 0.5 - y at x = 0',
      tidyTest(() => {
        const logits = cp.tensor([0, 0, 40, -40], { requiresGrad: true });
        F.binaryCrossEntropyWithLogits(logits, cp.tensor([1, 0, 0, 1]), { reduction: 'sum' }).backward();
        expectClose(logits.grad!, [-0.5, 0.5, 1, -1]);
      }),
    );

    test(
      'binaryCrossEntropy passes gradcheck and has a finite gradient at p = 0 and p = 1',
      tidyTest(() => {
        expectGradcheck((p, t) => F.binaryCrossEntropy(p, t), [cp.tensor([0.2, 0.5, 0.9]), cp.tensor([1, 0, 0.3])]);
        const p = cp.tensor([0, 1], { requiresGrad: true });
        F.binaryCrossEntropy(p, cp.tensor([1, 0]), { reduction: 'sum' }).backward();
        expect(Array.from(p.grad!.dataSync()).every(Number.isFinite)).toBe(true);
      }),
    );

    test(
      'crossEntropy passes gradcheck for every reduction, with weights, ignoreIndex and label smoothing',
      tidyTest(() => {
        const logits = () => cp.tensor([0.2, -1, 0.5, 1.5, 0.1, -0.3, 2, 0.7, -0.8, 0.4, 0.9, -1.2]).reshape(3, 4);
        const labels = int([3, 0, 2]);
        const weight = cp.tensor([1, 0.5, 2, 1.5]);
        for (const reduction of ['mean', 'sum', 'none'] as const) {
          expectGradcheck((a) => F.crossEntropy(a, labels, { reduction }), [logits()]);
        }
        expectGradcheck((a) => F.crossEntropy(a, labels, { weight }), [logits()]);
        expectGradcheck((a) => F.crossEntropy(a, int([3, -100, 2])), [logits()]);
        expectGradcheck((a) => F.crossEntropy(a, labels, { labelSmoothing: 0.2, weight }), [logits()]);
        expectGradcheck((a, t) => F.crossEntropy(a, t.softmax()), [logits(), logits().mul(0.5)]);
      }),
    );

    test(
      'the gradient of mean crossEntropy is (softmax(x) - onehot) / N',
      tidyTest(() => {
        const logits = cp.tensor(
          [
            [0, 0, 0],
            [1, 2, 3],
          ],
          { requiresGrad: true },
        );
        F.crossEntropy(logits, int([0, 2])).backward();
        const s = [Math.exp(1), Math.exp(2), Math.exp(3)];
        const z = s[0] + s[1] + s[2];
        expectClose(logits.grad!, [(1 / 3 - 1) / 2, 1 / 6, 1 / 6, s[0] / z / 2, s[1] / z / 2, (s[2] / z - 1) / 2]);
      }),
    );

    test(
      'nllLoss passes gradcheck',
      tidyTest(() => {
        const logp = cp.tensor([-1, -2, -0.5, -3, -0.2, -1.7]).reshape(3, 2);
        expectGradcheck((a) => F.nllLoss(a, int([1, 0, 1]), { weight: cp.tensor([2, 1]) }), [logp]);
      }),
    );

    test(
      'Linear passes gradcheck in its input, weight and bias',
      tidyTest(() => {
        const m = new nn.Linear(3, 2);
        const input = cp.tensor([0.5, -1, 2, 1.5, 0.2, -0.7]).reshape(2, 3);
        expectGradcheck(
          (xi, w, b) => withParams(m, ['weight', 'bias'], [w, b], () => m.call(xi)),
          [input, m.weight.detach(), m.bias!.detach()],
        );
        expectGradcheck((xi, w) => F.linear(xi, w), [input.reshape(2, 1, 3), m.weight.detach()]);
        m.dispose();
      }),
    );

    test(
      'linear is one op whose values and gradients are those of matmul(x, weightᵀ) + bias',
      tidyTest(() => {
        const data = (n: number, k: number) => Array.from({ length: n }, (_, i) => Math.sin(i * k + 1));
        for (const [shape, withBias] of [
          [[2, 3, 5], true],
          [[5], true],
          [[4, 5], false],
        ] as const) {
          const x = cp
            .tensor(
              data(
                shape.reduce((a, b) => a * b, 1),
                1.3,
              ),
            )
            .reshape(...shape)
            .requiresGrad_();
          const w = cp.tensor(data(20, 0.7)).reshape(4, 5).requiresGrad_();
          const b = withBias ? cp.tensor([0.5, -1, 0.25, 2]).requiresGrad_() : null;
          const run = cp.profile(() => F.linear(x, w, b));
          expect(run.rows.map((r) => r.op)).toEqual(['linear']);
          const y = run.value;
          const ref = b ? cp.matmul(x, w.t()).add(b) : cp.matmul(x, w.t());
          expect(y.shape).toEqual(ref.shape);
          expectClose(y, Array.from(ref.dataSync()));
          const c = cp.tensor(data(y.size, 2.1)).reshape(...y.shape);
          const grads = (out: cp.Tensor) => {
            for (const t of [x, w, b]) if (t) t.grad = null;
            out.mul(c).sum().backward();
            return [x, w, b].map((t) => (t ? Array.from(t.grad!.dataSync()) : []));
          };
          const [gy, gr] = [grads(y), grads(ref)];
          for (const [i, g] of gy.entries()) expectClose(cp.tensor(g), gr[i]);
        }
      }),
    );

    test('relu and crossEntropy give the gradients of their core fallbacks through the fused kernels', () => {
      const grads = (backend: cp.Backend, reduction: 'mean' | 'sum' | 'none'): number[][] =>
        onBackend(backend, () =>
          cp.tidy(() => {
            const gen = new cp.Generator(5);
            const x = cp.randn([6, 5], { generator: gen }).requiresGrad_();
            const w = cp.randn([4, 5], { generator: gen }).requiresGrad_();
            const labels = cp.tensor([0, 3, 1, 1, 2, 3], { dtype: 'int32' });
            const h = F.relu(x.matmul(w.t()));
            const loss = F.crossEntropy(h, labels, { reduction });
            (reduction === 'none' ? loss.mul(cp.tensor([1, -2, 0.5, 3, 0, 1])).sum() : loss.mul(1.5)).backward();
            return [x, w].map((t) => Array.from(t.grad!.dataSync()));
          }),
        );
      for (const reduction of ['mean', 'sum', 'none'] as const) {
        const [fused, fallback] = [grads(ctx.backend(), reduction), grads(withoutFused(ctx.backend()), reduction)];
        for (const [k, g] of fused.entries()) {
          for (const [i, v] of g.entries()) {
            const d = Math.abs(v - fallback[k][i]);
            expect(d, `${reduction}: input ${k}, element ${i}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(v)));
          }
        }
      }
    });

    test(
      'LayerNorm passes gradcheck in its input, weight and bias',
      tidyTest(() => {
        const m = new nn.LayerNorm(4);
        const input = cp.tensor([0.5, -1, 2, 1.5, 0.2, -0.7, 0.9, 3]).reshape(2, 4);
        const w = cp.tensor([1, 0.5, -1, 2]);
        const b = cp.tensor([0, 0.1, 0.2, -0.3]);
        expectGradcheck((xi, wi, bi) => withParams(m, ['weight', 'bias'], [wi, bi], () => m.call(xi)), [input, w, b]);
        m.dispose();
      }),
    );

    test(
      'Embedding passes gradcheck in its weight',
      tidyTest(() => {
        const m = new nn.Embedding(4, 3);
        const ids = int([
          [1, 3, 1],
          [0, 2, 2],
        ]);
        expectGradcheck((w) => withParams(m, ['weight'], [w], () => m.call(ids)), [m.weight.detach()]);
        m.dispose();
      }),
    );

    test(
      'Embedding accumulates the gradient of repeated ids and gives the padding row none',
      tidyTest(() => {
        const m = new nn.Embedding(3, 2, { paddingIdx: 1 });
        m.call(int([0, 1, 0, 2, 1]))
          .sum()
          .backward();
        expectClose(m.weight.grad!, [
          [2, 2],
          [0, 0],
          [1, 1],
        ]);
        m.dispose();
      }),
    );
  });
}
