/**
 * Attention against PyTorch 1.13 (values in torch-attention-values.ts): scaledDotProductAttention with bool,
 * float and causal masks and a custom scale; MultiheadAttention's keys, outputs, averaged and per-head
 * weights and every gradient with padding, bool, float and causal masks, kdim/vdim, no bias and batchFirst;
 * a PyTorch MultiheadAttention state dict loaded from safetensors; TransformerEncoderLayer post- and pre-norm.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { expectClose, stateDictFromBytes, type TorchEntry, tidyTest, torchSafetensors, wave } from './helpers.js';
import { TORCH } from './torch-attention-values.js';

const { nn, F } = cp;
const num = (k: string): number[] => (TORCH as unknown as Record<string, number[]>)[k];
const nested = (k: string): number[][] => (TORCH as unknown as Record<string, number[][]>)[k];
const strings = (k: string): string[] => (TORCH as unknown as Record<string, string[]>)[k];

/** Sets parameter i to wave(shape, 200 + i, 0.3), as the PyTorch script does. */
function setWaves(m: cp.nn.Module<never[], unknown>): void {
  for (const [i, p] of m.parameters().entries())
    cp.noGrad(() => cp.tidy(() => void p.copy_(wave(p.shape as number[], 200 + i, 0.3))));
}

const boolTensor = (rows: boolean[][]): cp.Tensor => cp.tensor(rows);
const [E, HEADS, L, S, N] = [6, 2, 3, 4, 2];
const kpm = () =>
  boolTensor([
    [false, false, true, false],
    [false, false, false, true],
  ]);
const amask = () =>
  boolTensor([
    [false, true, false, false],
    [false, false, false, true],
    [true, false, false, false],
  ]);
const causalForbidden = () => boolTensor([0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => j > i)));

interface MhaCase {
  make: () => cp.nn.MultiheadAttention;
  call: () => cp.nn.MultiheadAttentionCallOptions;
  batchFirst: boolean;
  kind: 'self' | 'cross' | 'kdim';
}

const MHA: Record<string, MhaCase> = {
  mhaSelf: { make: () => new nn.MultiheadAttention(E, HEADS), call: () => ({}), batchFirst: false, kind: 'self' },
  mhaMasks: {
    make: () => new nn.MultiheadAttention(E, HEADS),
    call: () => ({ keyPaddingMask: kpm(), attnMask: amask() }),
    batchFirst: false,
    kind: 'cross',
  },
  mhaFloatMask: {
    make: () => new nn.MultiheadAttention(E, HEADS, { batchFirst: true }),
    call: () => ({ attnMask: wave([L, S], 31, 1), averageAttnWeights: false }),
    batchFirst: true,
    kind: 'cross',
  },
  mhaKdim: {
    make: () => new nn.MultiheadAttention(E, HEADS, { kdim: 3, vdim: 5 }),
    call: () => ({ keyPaddingMask: kpm() }),
    batchFirst: false,
    kind: 'kdim',
  },
  mhaNoBias: {
    make: () => new nn.MultiheadAttention(E, HEADS, { bias: false }),
    call: () => ({ needWeights: false }),
    batchFirst: false,
    kind: 'cross',
  },
  // NOTE: PyTorch 1.13 has no isCausal; its expected values come from the explicit triu(1) mask.
  mhaCausal: {
    make: () => new nn.MultiheadAttention(E, HEADS, { batchFirst: true }),
    call: () => ({ isCausal: true }),
    batchFirst: true,
    kind: 'self',
  },
};

/** Attention behaviour. */
export function nnAttentionSuite(_ctx: SuiteContext): void {
  describe('nn attention', () => {
    const sdpaCases: [string, () => cp.F.ScaledDotProductAttentionOptions][] = [
      ['sdpaPlain', () => ({})],
      [
        'sdpaBool',
        () => ({
          attnMask: boolTensor([
            [true, true, false, true],
            [false, true, true, true],
            [true, false, false, false],
          ]),
        }),
      ],
      ['sdpaFloat', () => ({ attnMask: wave([3, 4], 30, 1) })],
      ['sdpaCausal', () => ({ isCausal: true })],
      ['sdpaScale', () => ({ scale: 0.3 })],
    ];
    for (const [name, options] of sdpaCases) {
      test(
        `F.scaledDotProductAttention (${name}) matches PyTorch: output and q, k, v gradients`,
        tidyTest(() => {
          const lq = name === 'sdpaCausal' ? 4 : 3;
          const q = wave([2, 2, lq, 4], 21, 2, { requiresGrad: true });
          const k = wave([2, 2, 4, 4], 22, 2, { requiresGrad: true });
          const v = wave([2, 2, 4, 5], 23, 2, { requiresGrad: true });
          const y = F.scaledDotProductAttention(q, k, v, options());
          y.mul(wave(y.shape as number[], 24))
            .sum()
            .backward();
          expectClose(y, num(`${name}Out`), 4);
          expectClose(q.grad!, num(`${name}GradQ`), 4);
          expectClose(k.grad!, num(`${name}GradK`), 4);
          expectClose(v.grad!, num(`${name}GradV`), 4);
        }),
      );
    }

    for (const [name, c] of Object.entries(MHA)) {
      test(`MultiheadAttention (${name}) matches PyTorch: keys, output, weights and every gradient`, () => {
        const m = c.make();
        expect(Object.keys(m.stateDict())).toEqual(strings(`${name}Keys`));
        expect(Object.values(m.stateDict()).map((t) => t.shape)).toEqual(nested(`${name}Shapes`));
        setWaves(m as never);
        cp.tidy(() => {
          const lq = c.kind === 'self' ? S : L;
          const shape = (t: number, f: number) => (c.batchFirst ? [N, t, f] : [t, N, f]);
          const q = wave(shape(lq, E), 41, 2, { requiresGrad: true });
          const k = c.kind === 'self' ? q : wave(shape(S, c.kind === 'kdim' ? 3 : E), 42, 2, { requiresGrad: true });
          const v = c.kind === 'self' ? q : wave(shape(S, c.kind === 'kdim' ? 5 : E), 43, 2, { requiresGrad: true });
          const [y, w] = m.call(q, k, v, c.call());
          let loss = y.mul(wave(y.shape as number[], 44)).sum();
          if (num(`${name}Weights`)) {
            expect(w!.shape).toEqual(num(`${name}WeightsShape`));
            expectClose(w!, num(`${name}Weights`), 4);
            loss = loss.add(w!.mul(wave(w!.shape as number[], 45)).sum());
          } else expect(w).toBeNull();
          loss.backward();
          expectClose(y, num(`${name}Out`), 4);
          expectClose(q.grad!, num(`${name}GradQ`), 4);
          if (c.kind !== 'self') {
            expectClose(k.grad!, num(`${name}GradK`), 4);
            expectClose(v.grad!, num(`${name}GradV`), 4);
          }
          for (const [i, p] of m.parameters().entries()) expectClose(p.grad!, nested(`${name}GradParams`)[i], 4);
        });
        m.dispose();
      });
    }

    test('isCausal in MultiheadAttention equals the explicit forbidden-above-the-diagonal bool mask', () => {
      const m = new nn.MultiheadAttention(E, HEADS);
      cp.tidy(() => {
        const x = wave([4, N, E], 50);
        const [a, wa] = m.call(x, x, x, { isCausal: true });
        const [b, wb] = m.call(x, x, x, { attnMask: causalForbidden() });
        expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
        expect(Array.from(wa!.dataSync())).toEqual(Array.from(wb!.dataSync()));
      });
      m.dispose();
    });

    test('a PyTorch MultiheadAttention state dict written to safetensors loads and gives PyTorch outputs', () => {
      const bytes = torchSafetensors(
        strings('sdKeys').map((k, i): TorchEntry => [k, 'F32', nested('sdShapes')[i], nested('sdValues')[i]]),
      );
      const m = new nn.MultiheadAttention(E, HEADS);
      cp.tidy(() => m.loadStateDict(stateDictFromBytes(bytes)));
      cp.tidy(() => {
        const x = wave([L, N, E], 46);
        const [y, w] = m.call(x, x, x);
        expectClose(y, num('sdOut'), 5);
        expectClose(w!, num('sdWeights'), 5);
      });
      m.dispose();
    });

    test(
      'unbatched MultiheadAttention equals the batched call on a batch of one',
      tidyTest(() => {
        const m = new nn.MultiheadAttention(E, HEADS);
        const x = wave([L, E], 51);
        const [a, wa] = m.call(x, x, x);
        const [b, wb] = m.call(x.unsqueeze(1), x.unsqueeze(1), x.unsqueeze(1));
        expect(a.shape).toEqual([L, E]);
        expect(wa!.shape).toEqual([L, L]);
        expectClose(a, Array.from(b.dataSync()), 6);
        expectClose(wa!, Array.from(wb!.dataSync()), 6);
        m.dispose();
      }),
    );

    for (const name of ['encPost', 'encPre']) {
      test(`TransformerEncoderLayer (${name}) matches PyTorch: keys, output and every gradient`, () => {
        const pre = name === 'encPre';
        const m = new nn.TransformerEncoderLayer(E, HEADS, {
          dimFeedforward: 8,
          dropout: 0,
          ...(pre ? { normFirst: true, activation: 'gelu' as const, batchFirst: true } : {}),
        });
        expect(Object.keys(m.stateDict())).toEqual(strings(`${name}Keys`));
        expect(m.namedChildren().map(([k]) => k)).toEqual([
          'self_attn',
          'linear1',
          'dropout',
          'linear2',
          'norm1',
          'norm2',
          'dropout1',
          'dropout2',
        ]);
        setWaves(m as never);
        cp.tidy(() => {
          const x = wave(pre ? [N, L, E] : [L, N, E], 47, 2, { requiresGrad: true });
          const padding = boolTensor([
            [false, false, true],
            [false, false, false],
          ]);
          const y = m.call(x, { srcKeyPaddingMask: padding });
          y.mul(wave(y.shape as number[], 48))
            .sum()
            .backward();
          expectClose(y, num(`${name}Out`), 4);
          expectClose(x.grad!, num(`${name}GradX`), 4);
          for (const [i, p] of m.parameters().entries()) expectClose(p.grad!, nested(`${name}GradParams`)[i], 4);
        });
        m.dispose();
      });
    }

    test(
      'a small patch transformer step at realistic size (N 64, 16 tokens, dim 64, 4 heads) trains every parameter',
      tidyTest(() => {
        const layer = new nn.TransformerEncoderLayer(64, 4, { dimFeedforward: 128, batchFirst: true });
        const x = cp.randn([64, 16, 64], { generator: new cp.Generator(3) });
        const y = layer.call(x, { isCausal: false });
        expect(y.shape).toEqual([64, 16, 64]);
        y.square().mean().backward();
        for (const [k, p] of layer.namedParameters()) expect(p.grad, k).not.toBeNull();
        layer.dispose();
      }),
    );

    test('gradcheck: scaledDotProductAttention with a causal mask over q, k and v', () => {
      cp.tidy(() => {
        const r = cp.gradcheck(
          (q, k, v) => F.scaledDotProductAttention(q, k, v, { isCausal: true }),
          [wave([2, 3, 4], 60, 1), wave([2, 3, 4], 61, 1), wave([2, 3, 2], 62, 1)],
        );
        expect(r.ok, JSON.stringify(r.worst)).toBe(true);
      });
    });

    test('gradcheck: MultiheadAttention over query, key and in_proj_weight with a key padding mask', () => {
      const m = new nn.MultiheadAttention(4, 2, { generator: new cp.Generator(8) });
      cp.tidy(() => {
        const fields = m as unknown as Record<string, cp.Tensor>;
        const saved = fields.in_proj_weight;
        const padding = boolTensor([[false, true, false]]);
        const r = cp.gradcheck(
          (q, k, w) => {
            fields.in_proj_weight = w;
            try {
              return m.call(q, k, k, { keyPaddingMask: padding })[0];
            } finally {
              fields.in_proj_weight = saved;
            }
          },
          [wave([2, 1, 4], 63, 1), wave([3, 1, 4], 64, 1), saved.detach().clone()],
        );
        expect(r.ok, JSON.stringify(r.worst)).toBe(true);
      });
      m.dispose();
    });

    test(
      'MultiheadAttention drops attention weights while training only',
      tidyTest(() => {
        const m = new nn.MultiheadAttention(E, HEADS, { dropout: 0.5, generator: new cp.Generator(9) });
        const x = wave([L, N, E], 52);
        const [a] = m.call(x, x, x);
        const [b] = m.call(x, x, x);
        expect(Array.from(a.dataSync())).not.toEqual(Array.from(b.dataSync()));
        m.eval();
        const [c, wc] = m.call(x, x, x);
        const [d] = m.call(x, x, x);
        expect(Array.from(c.dataSync())).toEqual(Array.from(d.dataSync()));
        // NOTE: in eval every weight row is a softmax, so it sums to 1.
        expectClose(wc!.sum(-1), new Array(N * L).fill(1), 5);
        m.dispose();
      }),
    );

    test('bad inputs and masks raise errors naming the op and the shapes', () => {
      const m = new nn.MultiheadAttention(E, HEADS);
      cp.tidy(() => {
        const x = cp.zeros([L, N, E]);
        expect(() => m.call(x, x, x, { attnMask: cp.zeros([2, 2]) })).toThrow(
          /MultiheadAttention: attnMask must have shape \[3, 3\] or \[4, 3, 3\], got \[2, 2\]/,
        );
        expect(() => m.call(x, x, x, { keyPaddingMask: cp.zeros([3, 2], { dtype: 'int32' }) })).toThrow(
          /keyPaddingMask must be bool or float32, got int32/,
        );
        expect(() => m.call(x, x, cp.zeros([L, N, 5]))).toThrow(/must have 6, 6 and 6 features/);
        expect(() => m.call(x, x, x, { isCausal: true, attnMask: cp.zeros([3, 3]) })).toThrow(
          /either attnMask or isCausal/,
        );
        expect(() => new nn.MultiheadAttention(6, 4)).toThrow(/embedDim 6 must be divisible by numHeads 4/);
        expect(() => F.scaledDotProductAttention(cp.zeros([2, 4]), cp.zeros([3, 5]), cp.zeros([3, 2]))).toThrow(
          /scaledDotProductAttention: query \[2, 4\], key \[3, 5\] and value \[3, 2\] do not fit/,
        );
      });
      m.dispose();
    });
  });
}
