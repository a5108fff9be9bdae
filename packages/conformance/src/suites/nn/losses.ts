/**
 * nn.functional losses against numbers worked by hand from PyTorch's documented formulas: every reduction,
 * class weights, ignoreIndex, label smoothing, probability targets, posWeight; and their error messages.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { expectClose, tidyTest } from './helpers.js';

const { F } = cp;
const int = (v: cp.NestedArray) => cp.tensor(v, { dtype: 'int32' });
const LN3 = Math.log(3);
// logsumexp([1, 2, 3]) - 3
const ROW2 = 0.4076059644443806;

/** Loss values. */
export function nnLossesSuite(_ctx: SuiteContext): void {
  describe('nn losses', () => {
    const input = () => cp.tensor([1, 2, 3]);
    const target = () => cp.tensor([1, 0, 5]);

    test(
      'mseLoss is the mean, sum or elementwise (input - target)²',
      tidyTest(() => {
        expectClose(F.mseLoss(input(), target()), 8 / 3);
        expectClose(F.mseLoss(input(), target(), { reduction: 'sum' }), 8);
        expectClose(F.mseLoss(input(), target(), { reduction: 'none' }), [0, 4, 4]);
      }),
    );

    test(
      'l1Loss is the mean, sum or elementwise |input - target|',
      tidyTest(() => {
        expectClose(F.l1Loss(input(), target()), 4 / 3);
        expectClose(F.l1Loss(input(), target(), { reduction: 'sum' }), 4);
        expectClose(F.l1Loss(input(), target(), { reduction: 'none' }), [0, 2, 2]);
      }),
    );

    test(
      'smoothL1Loss is quadratic below beta and linear above',
      tidyTest(() => {
        const x = cp.tensor([0, 0.5, -2]);
        expectClose(F.smoothL1Loss(x, cp.zeros([3]), { reduction: 'none' }), [0, 0.125, 1.5]);
        expectClose(F.smoothL1Loss(x, cp.zeros([3])), 1.625 / 3);
        expectClose(F.smoothL1Loss(cp.tensor([1, 3]), cp.zeros([2]), { beta: 2, reduction: 'none' }), [0.25, 2]);
        expectClose(F.smoothL1Loss(x, cp.zeros([3]), { beta: 0, reduction: 'none' }), [0, 0.5, 2]);
      }),
    );

    test(
      'huberLoss is 0.5·d² below delta and delta·(|d| - delta/2) above',
      tidyTest(() => {
        expectClose(F.huberLoss(cp.tensor([0.5, -2]), cp.zeros([2]), { reduction: 'none' }), [0.125, 1.5]);
        expectClose(F.huberLoss(cp.tensor([1, 3]), cp.zeros([2]), { delta: 2, reduction: 'none' }), [0.5, 4]);
      }),
    );

    test(
      'regression losses reject inputs and targets of different shapes, naming both',
      tidyTest(() => {
        expect(() => F.mseLoss(cp.zeros([2, 3]), cp.zeros([3]))).toThrow(/mseLoss: input \[2, 3\] and target \[3\]/);
        expect(() => F.l1Loss(cp.zeros([2]), cp.zeros([2]), { reduction: 'avg' as 'mean' })).toThrow(
          /reduction must be/,
        );
      }),
    );

    test(
      'binaryCrossEntropyWithLogits is max(x, 0) - x·y + log1p(e^-|x|)',
      tidyTest(() => {
        const x = cp.tensor([0, 2, -1]);
        const y = cp.tensor([1, 0, 1]);
        expectClose(F.binaryCrossEntropyWithLogits(x, y, { reduction: 'none' }), [Math.LN2, 2.126928, 1.3132617]);
        expectClose(F.binaryCrossEntropyWithLogits(x, y), (Math.LN2 + 2.126928 + 1.3132617) / 3);
      }),
    );

    test(
      'binaryCrossEntropyWithLogits weights the positive term by posWeight',
      tidyTest(() => {
        const x = cp.tensor([0, 2, -1]);
        const y = cp.tensor([1, 0, 1]);
        const loss = F.binaryCrossEntropyWithLogits(x, y, { posWeight: cp.tensor([3]), reduction: 'none' });
        expectClose(loss, [3 * Math.LN2, 2.126928, 3 * 1.3132617]);
        const weighted = F.binaryCrossEntropyWithLogits(x, y, { weight: cp.tensor([1, 0, 2]), reduction: 'sum' });
        expectClose(weighted, Math.LN2 + 2 * 1.3132617);
      }),
    );

    test(
      'binaryCrossEntropyWithLogits stays finite for large logits',
      tidyTest(() => {
        const loss = F.binaryCrossEntropyWithLogits(cp.tensor([100, -100, 100]), cp.tensor([0, 1, 1]), {
          reduction: 'none',
        });
        expectClose(loss, [100, 100, 0], 3);
      }),
    );

    test(
      'binaryCrossEntropy is -(y·log p + (1 - y)·log(1 - p)) with logs clamped at -100',
      tidyTest(() => {
        expectClose(
          F.binaryCrossEntropy(cp.tensor([0.5, 0.9, 0]), cp.tensor([1, 0, 1]), { reduction: 'none' }),
          [Math.LN2, Math.LN10, 100],
          4,
        );
        expect(() => F.binaryCrossEntropy(cp.tensor([1.5]), cp.tensor([1]))).toThrow(
          /probabilities in \[0, 1\]; got 1\.5/,
        );
      }),
    );

    test(
      'crossEntropy is logsumexp(x) - x[label], averaged over the batch',
      tidyTest(() => {
        const logits = cp.tensor([
          [0, 0, 0],
          [1, 2, 3],
        ]);
        expectClose(F.crossEntropy(logits, int([0, 2])), (LN3 + ROW2) / 2);
        expectClose(F.crossEntropy(logits, int([0, 2]), { reduction: 'sum' }), LN3 + ROW2);
        expectClose(F.crossEntropy(logits, int([0, 2]), { reduction: 'none' }), [LN3, ROW2]);
      }),
    );

    test(
      'crossEntropy with class weights divides by the sum of the weights of the labels',
      tidyTest(() => {
        const logits = cp.tensor([
          [0, 0, 0],
          [1, 2, 3],
        ]);
        const weight = cp.tensor([1, 1, 2]);
        expectClose(F.crossEntropy(logits, int([0, 2]), { weight }), (LN3 + 2 * ROW2) / 3);
        expectClose(F.crossEntropy(logits, int([0, 2]), { weight, reduction: 'none' }), [LN3, 2 * ROW2]);
      }),
    );

    test(
      'crossEntropy skips labels equal to ignoreIndex and does not count them',
      tidyTest(() => {
        const logits = cp.tensor([
          [0, 0, 0],
          [1, 2, 3],
        ]);
        expectClose(F.crossEntropy(logits, int([0, -100])), LN3);
        expectClose(F.crossEntropy(logits, int([1, 2]), { ignoreIndex: 1 }), ROW2);
        expectClose(F.crossEntropy(logits, int([0, -100]), { reduction: 'none' }), [LN3, 0]);
      }),
    );

    test(
      'crossEntropy with label smoothing ε is (1 - ε)·nll + ε/C·Σ_c -logp_c',
      tidyTest(() => {
        const logits = cp.tensor([
          [0, 0, 0],
          [1, 2, 3],
        ]);
        expectClose(F.crossEntropy(logits, int([0, 2]), { labelSmoothing: 0.3 }), 0.903109126556245);
        expectClose(F.crossEntropy(logits, int([0, 2]), { labelSmoothing: 0.3, reduction: 'sum' }), 1.80621825311249);
        // With weights, both terms are normalized by the labels' total weight (PyTorch).
        expectClose(
          F.crossEntropy(logits, int([0, 2]), { labelSmoothing: 0.3, weight: cp.tensor([1, 1, 2]) }),
          0.7473880845116018,
        );
      }),
    );

    test(
      'crossEntropy accepts class probabilities as targets, smoothed the same way',
      tidyTest(() => {
        const logits = cp.tensor([
          [0, 0, 0],
          [1, 2, 3],
        ]);
        const probs = cp.tensor([
          [1, 0, 0],
          [0, 0, 1],
        ]);
        expectClose(F.crossEntropy(logits, probs), (LN3 + ROW2) / 2);
        expectClose(F.crossEntropy(logits, probs, { labelSmoothing: 0.3 }), 0.903109126556245);
      }),
    );

    test(
      'crossEntropy takes a single [C] sample and [N, C, d] inputs with [N, d] labels',
      tidyTest(() => {
        expectClose(F.crossEntropy(cp.tensor([1, 2, 3]), cp.tensor(2, { dtype: 'int32' })), ROW2);
        // [1, 3, 2]: position 0 has logits [0, 0, 0], position 1 has [1, 2, 3].
        const logits = cp.tensor([
          [
            [0, 1],
            [0, 2],
            [0, 3],
          ],
        ]);
        expectClose(F.crossEntropy(logits, int([[0, 2]]), { reduction: 'none' }), [[LN3, ROW2]]);
      }),
    );

    test(
      'crossEntropy names the op, the label and the number of classes for an out-of-range label',
      tidyTest(() => {
        const logits = cp.zeros([2, 3]);
        expect(() => F.crossEntropy(logits, int([0, 3]))).toThrow(
          /crossEntropy: label 3 at position 1 is out of range for 3 classes/,
        );
        expect(() => F.crossEntropy(logits, int([-1, 0]))).toThrow(/label -1 at position 0/);
        expect(() => F.crossEntropy(logits, int([0, 1, 2]))).toThrow(/target \[3\] does not fit input \[2, 3\]/);
        expect(() => F.crossEntropy(logits, cp.tensor([0, 1], { dtype: 'bool' }))).toThrow(/int32/);
        expect(() => F.crossEntropy(logits, int([0, 1]), { weight: cp.ones([2]) })).toThrow(
          /weight must have shape \[3\]/,
        );
      }),
    );

    test(
      'nllLoss is -input[label] averaged, weighted by class',
      tidyTest(() => {
        const logp = cp.tensor([
          [-1, -2],
          [-0.5, -3],
        ]);
        expectClose(F.nllLoss(logp, int([1, 0])), 1.25);
        expectClose(F.nllLoss(logp, int([1, 0]), { reduction: 'sum' }), 2.5);
        expectClose(F.nllLoss(logp, int([1, 0]), { weight: cp.tensor([2, 1]) }), 1);
        expect(() => F.nllLoss(logp, int([2, 0]))).toThrow(
          /nllLoss: label 2 at position 0 is out of range for 2 classes/,
        );
      }),
    );

    test(
      'crossEntropy with and without the fused kernel gives the same loss and gradient',
      tidyTest(() => {
        cp.manualSeed(7);
        const logits = cp.randn([5, 4]);
        const labels = int([0, 3, 1, 1, 2]);
        const run = (weight?: cp.Tensor) => {
          const x = logits.clone().requiresGrad_();
          const loss = F.crossEntropy(x, labels, weight ? { weight } : undefined);
          loss.backward();
          return { loss: loss.item(), grad: Array.from(x.grad!.dataSync()) };
        };
        // Unit class weights take the composite path (logSoftmax + gather) and must agree with the plain call.
        const plain = run();
        const composite = run(cp.ones([4]));
        expect(plain.loss).toBeCloseTo(composite.loss, 5);
        for (const [i, g] of plain.grad.entries()) expect(g).toBeCloseTo(composite.grad[i], 5);
      }),
    );
  });
}
