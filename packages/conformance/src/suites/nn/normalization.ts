/**
 * Batch and group normalization against PyTorch 1.13 (values in torch-normalization-values.ts): outputs,
 * input and weight gradients, running statistics (unbiased, updated in place, kept across scopes), train
 * and eval modes, the cumulative momentum, and a PyTorch state dict (I64 num_batches_tracked) loaded.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { expectClose, setParam, stateDictFromBytes, tidyTest, torchSafetensors, wave } from './helpers.js';
import { TORCH } from './torch-normalization-values.js';

const { nn, F } = cp;

function bnInputs() {
  return {
    x: wave([4, 3, 2], 1, 2, { requiresGrad: true }),
    w: wave([3], 2, 2, { requiresGrad: true }),
    b: wave([3], 3, 2, { requiresGrad: true }),
    rm: wave([3], 4, 0.5),
    rv: wave([3], 5, 0.5).abs().add(0.5),
    g: wave([4, 3, 2], 6),
  };
}

/** Normalization behaviour. */
export function nnNormalizationSuite(_ctx: SuiteContext): void {
  describe('nn normalization', () => {
    for (const training of [true, false]) {
      const tag = training ? 'bnTrain' : 'bnEval';
      test(
        `F.batchNorm (training ${training}) matches PyTorch: output, gradients and running statistics`,
        tidyTest(() => {
          const { x, w, b, rm, rv, g } = bnInputs();
          const y = F.batchNorm(x, rm, rv, w, b, { training, momentum: 0.2, eps: 1e-3 });
          y.mul(g).sum().backward();
          expectClose(y, TORCH[`${tag}Out`], 4);
          expectClose(x.grad!, TORCH[`${tag}GradX`], 4);
          expectClose(w.grad!, TORCH[`${tag}GradW`], 4);
          expectClose(b.grad!, TORCH[`${tag}GradB`], 4);
          expectClose(rm, TORCH[`${tag}RunningMean`], 5);
          expectClose(rv, TORCH[`${tag}RunningVar`], 5);
        }),
      );
    }

    for (const [name, momentum] of [
      ['bn2d', 0.1],
      ['bn2dCumulative', null],
    ] as const) {
      test(`BatchNorm2d (momentum ${momentum}) over two training steps then eval matches PyTorch`, () => {
        const bn = new nn.BatchNorm2d(3, { momentum });
        setParam(bn.weight!, Array.from(cp.tidy(() => wave([3], 2)).dataSync()));
        setParam(bn.bias!, Array.from(cp.tidy(() => wave([3], 3)).dataSync()));
        const runningMean = bn.running_mean;
        cp.tidy(() => bn.call(wave([2, 3, 2, 2], 7)));
        cp.tidy(() => bn.call(wave([2, 3, 2, 2], 8)));
        // NOTE: the buffers are the same tensors, updated in place and kept alive past each scope.
        expect(bn.running_mean).toBe(runningMean);
        expect(bn.num_batches_tracked!.dtype).toBe('int32');
        expect(bn.num_batches_tracked!.item()).toBe(2);
        expectClose(bn.running_mean!, TORCH[`${name}RunningMean`], 5);
        expectClose(bn.running_var!, TORCH[`${name}RunningVar`], 5);
        bn.eval();
        cp.tidy(() => expectClose(bn.call(wave([2, 3, 2, 2], 9)), TORCH[`${name}EvalOut`], 4));
        expect(bn.num_batches_tracked!.item()).toBe(2);
        bn.dispose();
      });
    }

    test('BatchNorm1d has PyTorch state-dict keys, shapes and initial buffers', () => {
      const bn = new nn.BatchNorm1d(5);
      const sd = bn.stateDict();
      expect(Object.keys(sd)).toEqual(TORCH.sdKeys);
      expect(sd.running_mean.shape).toEqual([5]);
      expect(sd.num_batches_tracked.shape).toEqual([]);
      expect(Array.from(sd.running_var.dataSync())).toEqual([1, 1, 1, 1, 1]);
      expect(bn.numParameters()).toBe(10);
      bn.dispose();
    });

    test('a PyTorch BatchNorm1d state dict (safetensors, I64 num_batches_tracked) loads and gives its eval output', () => {
      const bytes = torchSafetensors([
        ['weight', 'F32', [4], TORCH.sd_weight],
        ['bias', 'F32', [4], TORCH.sd_bias],
        ['running_mean', 'F32', [4], TORCH.sd_running_mean],
        ['running_var', 'F32', [4], TORCH.sd_running_var],
        ['num_batches_tracked', 'I64', [], [TORCH.sd_num_batches_tracked]],
      ]);
      const bn = new nn.BatchNorm1d(4);
      cp.tidy(() => bn.loadStateDict(stateDictFromBytes(bytes)));
      expect(bn.num_batches_tracked!.item()).toBe(3);
      bn.eval();
      cp.tidy(() => expectClose(bn.call(wave([3, 4], 14)), TORCH.sdEvalOut, 5));
      bn.dispose();
    });

    test('an I64 value outside the int32 range is refused when read', () => {
      const bytes = torchSafetensors([['num_batches_tracked', 'I64', [], [2 ** 40]]]);
      expect(() => cp.decodeSafetensors(bytes)).toThrow(/I64 value 1099511627776 .* does not fit int32/);
    });

    test('BatchNorm without trackRunningStats has no buffers and uses batch statistics in eval too', () => {
      const bn = new nn.BatchNorm1d(3, { trackRunningStats: false, affine: false });
      expect(Object.keys(bn.stateDict())).toEqual([]);
      bn.eval();
      cp.tidy(() => {
        const x = wave([4, 3], 20);
        const expected = F.batchNorm(x, null, null, null, null, { training: true });
        expect(Array.from(bn.call(x).dataSync())).toEqual(Array.from(expected.dataSync()));
      });
    });

    test(
      'BatchNorm2d on a realistic batch normalizes each channel to mean 0 and variance 1 (float64 reference)',
      tidyTest(() => {
        const [n, c, h, w] = [16, 8, 7, 7];
        const bn = new nn.BatchNorm2d(c);
        const x = cp
          .randn([n, c, h, w], { generator: new cp.Generator(4) })
          .mul(3)
          .add(1);
        const y = bn.call(x).dataSync();
        const xs = x.dataSync();
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          let s2 = 0;
          const idx: number[] = [];
          for (let i = 0; i < n; i++) for (let j = 0; j < h * w; j++) idx.push((i * c + ch) * h * w + j);
          for (const k of idx) s += xs[k];
          const mu = s / idx.length;
          for (const k of idx) s2 += (xs[k] - mu) ** 2;
          const v = s2 / idx.length;
          for (const k of idx.slice(0, 20)) expect(y[k]).toBeCloseTo((xs[k] - mu) / Math.sqrt(v + 1e-5), 4);
          expect(bn.running_mean!.dataSync()[ch]).toBeCloseTo(0.1 * mu, 5);
          expect(bn.running_var!.dataSync()[ch]).toBeCloseTo(0.9 + (0.1 * s2) / (idx.length - 1), 4);
        }
        bn.dispose();
      }),
    );

    test(
      'F.groupNorm matches PyTorch: output and gradients',
      tidyTest(() => {
        const x = wave([2, 6, 3], 10, 2, { requiresGrad: true });
        const w = wave([6], 11, 2, { requiresGrad: true });
        const b = wave([6], 12, 2, { requiresGrad: true });
        const y = F.groupNorm(x, 3, w, b);
        y.mul(wave([2, 6, 3], 13))
          .sum()
          .backward();
        expectClose(y, TORCH.gnOut, 4);
        expectClose(x.grad!, TORCH.gnGradX, 4);
        expectClose(w.grad!, TORCH.gnGradW, 4);
        expectClose(b.grad!, TORCH.gnGradB, 4);
      }),
    );

    test(
      'GroupNorm layer equals F.groupNorm with its parameters and has PyTorch keys',
      tidyTest(() => {
        const gn = new nn.GroupNorm(2, 4);
        expect(Object.keys(gn.stateDict())).toEqual(['weight', 'bias']);
        const x = wave([3, 4, 5], 15);
        expect(Array.from(gn.call(x).dataSync())).toEqual(Array.from(F.groupNorm(x, 2, gn.weight, gn.bias).dataSync()));
        gn.dispose();
      }),
    );

    test('gradcheck: batchNorm in training and groupNorm, inputs and affine weights', () => {
      cp.tidy(() => {
        const bn = cp.gradcheck(
          (x, w, b) => F.batchNorm(x, null, null, w, b, { training: true }),
          [wave([4, 2, 3], 30), wave([2], 31), wave([2], 32)],
        );
        expect(bn.ok, JSON.stringify(bn.worst)).toBe(true);
        const gn = cp.gradcheck(
          (x, w, b) => F.groupNorm(x, 2, w, b),
          [wave([2, 4, 3], 33), wave([4], 34), wave([4], 35)],
        );
        expect(gn.ok, JSON.stringify(gn.worst)).toBe(true);
      });
    });

    test('bad inputs raise errors naming the op and the shapes', () => {
      cp.tidy(() => {
        const x = cp.zeros([2, 3, 4]);
        expect(() => F.batchNorm(x, cp.zeros([4]), cp.ones([4]))).toThrow(
          /batchNorm: runningMean must have shape \[3\] for input \[2, 3, 4\], got \[4\]/,
        );
        expect(() => F.batchNorm(x, null, null)).toThrow(/runningMean and runningVar are required/);
        expect(() => F.batchNorm(cp.zeros([1, 3]), null, null, null, null, { training: true })).toThrow(
          /expected more than 1 value per channel when training, got input \[1, 3\]/,
        );
        expect(() => F.groupNorm(x, 2)).toThrow(
          /groupNorm: 3 channels of input \[2, 3, 4\] are not divisible by numGroups 2/,
        );
        expect(() => new nn.BatchNorm2d(3).call(x)).toThrow(
          /BatchNorm2d: expected a 4D input \[N, C, H, W\], got \[2, 3, 4\]/,
        );
        expect(() => new nn.GroupNorm(2, 3)).toThrow(/numChannels 3 must be divisible by numGroups 2/);
      });
    });
  });
}
