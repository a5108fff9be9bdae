/**
 * RNN, LSTM and GRU against PyTorch 1.13 (values in torch-recurrent-values.ts): parameter names, shapes and
 * order; outputs, final states and the gradients of input, initial state and every parameter, for stacked,
 * bidirectional, batch-first, bias-free, unbatched and zero-state runs; a PyTorch LSTM state dict loaded
 * from safetensors; init bounds; dropout between layers; gradcheck; the fused LSTM cell against its core
 * fallback (bit for bit); bad inputs.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { onBackend, withoutFused } from '../constraints/helpers.js';
import { expectClose, stateDictFromBytes, type TorchEntry, tidyTest, torchSafetensors, wave } from './helpers.js';
import { TORCH } from './torch-recurrent-values.js';

const { nn } = cp;
const [T, N, I, H] = [4, 2, 3, 5];

type Recurrent = cp.nn.RNN | cp.nn.LSTM | cp.nn.GRU;

/** Sets parameter i to wave(shape, 100 + i, 0.5), as the PyTorch script does. */
function setWaves(m: cp.nn.Module<never[], unknown>): void {
  m.parameters().forEach((p, i) => {
    cp.noGrad(() => cp.tidy(() => void p.copy_(wave(p.shape as number[], 100 + i, 0.5))));
  });
}

const CASES: [string, () => Recurrent, boolean, boolean][] = [
  ['rnnTanh', () => new nn.RNN(I, H, { numLayers: 2, bidirectional: true }), false, false],
  ['rnnRelu', () => new nn.RNN(I, H, { nonlinearity: 'relu' }), false, false],
  ['lstm', () => new nn.LSTM(I, H, { numLayers: 2, bidirectional: true, batchFirst: true }), true, true],
  ['gru', () => new nn.GRU(I, H, { numLayers: 2, bidirectional: true }), false, false],
  ['gruNoBias', () => new nn.GRU(I, H, { bias: false }), false, false],
];

const v = TORCH as unknown as Record<string, number[]>;
const nested = (k: string): number[][] => (TORCH as unknown as Record<string, number[][]>)[k];

/** Recurrent layer behaviour. */
export function nnRecurrentSuite(ctx: SuiteContext): void {
  describe('nn recurrent', () => {
    for (const [name, make, lstm, batchFirst] of CASES) {
      test(`${name}: PyTorch parameter names, shapes, outputs, states and every gradient`, () => {
        const m = make();
        expect(m.namedParameters().map(([k]) => k)).toEqual(
          (TORCH as unknown as Record<string, string[]>)[`${name}Keys`],
        );
        expect(m.parameters().map((p) => p.shape)).toEqual(nested(`${name}Shapes`));
        setWaves(m as never);
        cp.tidy(() => {
          const layers = nested(`${name}Shapes`).length / (m.bias ? 4 : 2);
          const x = wave(batchFirst ? [N, T, I] : [T, N, I], 1, 2, { requiresGrad: true });
          const h0 = wave([layers, N, H], 2, 0.5, { requiresGrad: true });
          const c0 = wave([layers, N, H], 3, 0.5, { requiresGrad: true });
          let y: cp.Tensor;
          let hn: cp.Tensor;
          let cn: cp.Tensor | null = null;
          if (lstm) [y, [hn, cn]] = (m as cp.nn.LSTM).call(x, [h0, c0]);
          else [y, hn] = (m as cp.nn.GRU).call(x, h0);
          let loss = y
            .mul(wave(y.shape as number[], 4))
            .sum()
            .add(hn.mul(wave(hn.shape as number[], 5)).sum());
          if (cn) loss = loss.add(cn.mul(wave(cn.shape as number[], 6)).sum());
          loss.backward();
          expectClose(y, v[`${name}Out`], 4);
          expectClose(hn, v[`${name}HN`], 4);
          if (cn) {
            expectClose(cn, v[`${name}CN`], 4);
            expectClose(c0.grad!, v[`${name}GradC0`], 4);
          }
          expectClose(x.grad!, v[`${name}GradX`], 4);
          expectClose(h0.grad!, v[`${name}GradH0`], 4);
          for (const [i, p] of m.parameters().entries()) expectClose(p.grad!, nested(`${name}GradParams`)[i], 4);
        });
        m.dispose();
      });
    }

    test(
      'GRU without an initial state on unbatched input matches PyTorch',
      tidyTest(() => {
        const m = new nn.GRU(I, H);
        setWaves(m as never);
        const [y, hn] = m.call(wave([T, I], 1));
        expect(y.shape).toEqual([T, H]);
        expect(hn.shape).toEqual([1, H]);
        expectClose(y, TORCH.gruUnbatchedOut, 4);
        expectClose(hn, TORCH.gruUnbatchedHN, 4);
        m.dispose();
      }),
    );

    test('a PyTorch LSTM state dict written to safetensors loads and gives PyTorch outputs', () => {
      const bytes = torchSafetensors(
        TORCH.sdKeys.map((k, i): TorchEntry => [k, 'F32', TORCH.sdShapes[i], TORCH.sdValues[i]]),
      );
      const m = new nn.LSTM(I, H, { bidirectional: true });
      expect(Object.keys(m.stateDict())).toEqual(TORCH.sdKeys);
      cp.tidy(() => m.loadStateDict(stateDictFromBytes(bytes)));
      cp.tidy(() => {
        const [y, [hn, cn]] = m.call(wave([T, N, I], 7));
        expectClose(y, TORCH.sdOut, 5);
        expectClose(hn, TORCH.sdHN, 5);
        expectClose(cn, TORCH.sdCN, 5);
      });
      m.dispose();
    });

    test('every parameter is initialized uniformly within ±1/sqrt(hiddenSize), like PyTorch', () => {
      cp.manualSeed(7);
      const m = new nn.LSTM(10, 16, { numLayers: 2 });
      const bound = 1 / 4;
      for (const [k, p] of m.namedParameters()) {
        const vals = Array.from(p.dataSync());
        expect(Math.max(...vals.map(Math.abs)), k).toBeLessThanOrEqual(bound);
        expect(Math.max(...vals), k).toBeGreaterThan(bound / 2);
      }
      expect(m.getParameter('weight_ih_l1').shape).toEqual([64, 16]);
      m.dispose();
    });

    test(
      'dropout acts between layers only while training',
      tidyTest(() => {
        const m = new nn.GRU(3, 4, { numLayers: 2, dropout: 0.5, generator: new cp.Generator(1) });
        const x = wave([5, 2, 3], 40);
        const [a] = m.call(x);
        const [b] = m.call(x);
        expect(Array.from(a.dataSync())).not.toEqual(Array.from(b.dataSync()));
        m.eval();
        const [c] = m.call(x);
        const [d] = m.call(x);
        expect(Array.from(c.dataSync())).toEqual(Array.from(d.dataSync()));
        m.dispose();
      }),
    );

    test(
      'an LSTM on a realistic batch (MNIST rows: T 28, N 16, in 28, H 64) runs and back-propagates to every weight',
      tidyTest(() => {
        const m = new nn.LSTM(28, 64, { batchFirst: true });
        const [y, [hn]] = m.call(cp.randn([16, 28, 28], { generator: new cp.Generator(2) }));
        expect(y.shape).toEqual([16, 28, 64]);
        // NOTE: batch first: the last time step of the output is the final hidden state.
        expectClose(y.narrow(1, 27, 1).reshape([16, 64]), Array.from(hn.reshape([16, 64]).dataSync()), 6);
        y.sum().backward();
        for (const [k, p] of m.namedParameters()) expect(p.grad, k).not.toBeNull();
        m.dispose();
      }),
    );

    test('gradcheck: RNN, LSTM and GRU cells over input and recurrent weights', () => {
      cp.tidy(() => {
        for (const m of [new nn.RNN(2, 3), new nn.LSTM(2, 3, { bidirectional: true }), new nn.GRU(2, 3)]) {
          const r = cp.gradcheck(
            (x, w) => {
              const fields = m as unknown as Record<string, cp.Tensor>;
              const saved = fields.weight_hh_l0;
              fields.weight_hh_l0 = w;
              try {
                const out = m.call(x) as [cp.Tensor, unknown];
                return out[0];
              } finally {
                fields.weight_hh_l0 = saved;
              }
            },
            [wave([3, 2, 2], 50), cp.tidy(() => m.getParameter('weight_hh_l0').detach().clone())],
          );
          expect(r.ok, `${m.constructor.name} ${JSON.stringify(r.worst)}`).toBe(true);
          m.dispose();
        }
      });
    });

    test('LSTM through the fused cell kernels gives the bits of its core fallback, values and every gradient', () => {
      const run = (backend: cp.Backend): number[][] =>
        onBackend(backend, () =>
          cp.tidy(() => {
            const m = new nn.LSTM(I, H, { numLayers: 2, bidirectional: true, generator: new cp.Generator(3) });
            const x = cp.randn([T, N, I], { generator: new cp.Generator(4) }).requiresGrad_();
            const [out, [h, c]] = m.call(x);
            out
              .mul(wave([T, N, 2 * H], 7, 1))
              .sum()
              .add(h.sum())
              .add(c.mul(2).sum())
              .backward();
            const values = [out, h, c].map((t) => Array.from(t.dataSync()));
            const grads = [x, ...m.parameters()].map((t) => Array.from(t.grad!.dataSync()));
            m.dispose();
            return [...values, ...grads];
          }),
        );
      const [fused, fallback] = [run(ctx.backend()), run(withoutFused(ctx.backend()))];
      expect(fused).toEqual(fallback);
    });

    test('bad inputs and states raise errors naming the layer and the shapes', () => {
      const m = new nn.LSTM(3, 4, { numLayers: 2 });
      cp.tidy(() => {
        expect(() => m.call(cp.zeros([5, 2, 4]))).toThrow(/LSTM: input \[5, 2, 4\] must have inputSize = 3/);
        expect(() => m.call(cp.zeros([5]))).toThrow(/LSTM: input must be \[T, N, 3\]/);
        expect(() => m.call(cp.zeros([5, 2, 3]), [cp.zeros([1, 2, 4]), cp.zeros([2, 2, 4])])).toThrow(
          /LSTM: h0 must have shape \[2, 2, 4\], got \[1, 2, 4\]/,
        );
        expect(() => new nn.RNN(3, 4, { nonlinearity: 'gelu' as 'relu' })).toThrow(
          /nonlinearity must be 'tanh' or 'relu'/,
        );
        expect(() => new nn.GRU(3, 0)).toThrow(/GRU: hiddenSize must be an integer >= 1/);
      });
      m.dispose();
    });
  });
}
