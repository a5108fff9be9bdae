/**
 * The fused LSTM cell (`lstmCell`) and its gradient (`lstmCellBackward`) against their float64 reference,
 * within a bound from the magnitudes of the terms: each output is a few float32 products and sums of them
 * (and a sigmoid or tanh), so its error is a small multiple of EPS32 times the sum of the absolute values of
 * the terms (`1 - t²` counted as `1 + t²`: the cancellation is absolute). A backend without them is skipped.
 */
import fc from 'fast-check';
import { describe } from 'vitest';
import { data } from '../../arbitraries.js';
import type { Suite } from '../../context.js';
import { bounded, EPS32, TINY } from '../../tolerance.js';
import { needsFused } from './fused.js';
import { propTest, show } from './harness.js';

const shape = fc.record({ rows: fc.integer({ min: 0, max: 5 }), hidden: fc.integer({ min: 1, max: 9 }) });
const bound = (mag: number) => 32 * EPS32 * mag + TINY;

/** The gates `[rows, 4·hidden]` as sigmoid and tanh values: i, f, o in [0, 1], g in [-1, 1]. */
function gateValues(rows: number, hidden: number, u: ArrayLike<number>): Float32Array {
  const out = new Float32Array(4 * rows * hidden);
  for (let k = 0; k < out.length; k++) out[k] = Math.floor(k / hidden) % 4 === 2 ? u[k] : (u[k] + 1) / 2;
  return out;
}

/** The fused LSTM cell suite. */
export const fusedLstmSuite: Suite = (ctx) => {
  describe('fused LSTM cell', () => {
    propTest(
      ctx,
      'fused lstmCell matches the float64 reference within the bound of its terms',
      shape.chain((d) =>
        fc.tuple(
          fc.constant(d),
          data('float32', 4 * d.rows * d.hidden, { min: -12, max: 12 }),
          data('float32', d.rows * d.hidden, { min: -6, max: 6 }),
        ),
      ),
      ([{ rows, hidden }, P, C], s) => {
        const [n, g] = [rows * hidden, 4 * rows * hidden];
        const [pre, c] = [s.input(P), s.input(C)];
        const [gates, cOut, h] = [s.output('float32', g), s.output('float32', n), s.output('float32', n)];
        s.runFused('lstmCell', { pre, c, gates, cOut, h, rows, hidden });
        const G = s.resolve(gates);
        const magC = Array.from(C, (cv, k) => {
          const [r, j] = [Math.floor(k / hidden), k % hidden];
          const at = (gate: number) => G[r * 4 * hidden + gate * hidden + j];
          return Math.abs(at(1) * cv) + Math.abs(at(0) * at(2));
        });
        const H = s.resolve(h);
        const magH = magC.map((m, k) => m + Math.abs(H[k]) + 1);
        const inputs = () => `pre = ${show(P)}, c = ${show(C)}`;
        s.check(`lstmCell gates [${rows}, ${hidden}]`, gates, bounded, {
          bounds: Array.from(G, (v) => bound(Math.abs(v))),
          inputs,
        });
        s.check(`lstmCell cOut [${rows}, ${hidden}]`, cOut, bounded, { bounds: magC.map(bound), inputs });
        s.check(`lstmCell h [${rows}, ${hidden}]`, h, bounded, { bounds: magH.map(bound), inputs });
      },
      needsFused('lstmCell'),
    );

    propTest(
      ctx,
      'fused lstmCellBackward matches the float64 reference within the bound of its terms',
      shape.chain((d) =>
        fc.tuple(
          fc.constant(d),
          data('float32', 4 * d.rows * d.hidden, { min: -1, max: 1 }),
          data('float32', 4 * d.rows * d.hidden, { min: -6, max: 6 }),
          data('float32', 2 * d.rows * d.hidden, { min: -10, max: 10 }),
        ),
      ),
      ([{ rows, hidden }, U, CC, D], s) => {
        const [n, g] = [rows * hidden, 4 * rows * hidden];
        const G = gateValues(rows, hidden, U);
        const [C, CO] = [CC.slice(0, n), CC.slice(n, 2 * n)];
        const [DH, DC] = [D.slice(0, n), D.slice(n, 2 * n)];
        const [gates, c, cOut, dh, dc] = [s.input(G), s.input(C), s.input(CO), s.input(DH), s.input(DC)];
        const [dpre, dcPrev] = [s.output('float32', g), s.output('float32', n)];
        s.runFused('lstmCellBackward', { gates, c, cOut, dh, dc, dpre, dcPrev, rows, hidden });
        const magP = new Array<number>(g);
        const magC = new Array<number>(n);
        for (let k = 0; k < n; k++) {
          const [r, j] = [Math.floor(k / hidden), k % hidden];
          const at = (gate: number) => r * 4 * hidden + gate * hidden + j;
          const [i, f, gg, o] = [0, 1, 2, 3].map((q) => Math.abs(G[at(q)]));
          const t = Math.tanh(Math.abs(CO[k]));
          // NOTE: dh·o·(1 - t²) with t = tanh(cOut) rounded: an error of t moves 1 - t² by about 2t·ε.
          const all = Math.abs(DC[k]) + Math.abs(DH[k]) * o * (1 + t * t + 4);
          magP[at(0)] = all * gg * i * (1 + i);
          magP[at(1)] = all * Math.abs(C[k]) * f * (1 + f);
          magP[at(2)] = all * i * (1 + gg * gg);
          magP[at(3)] = Math.abs(DH[k]) * (t + 2) * o * (1 + o);
          magC[k] = all * f;
        }
        const inputs = () =>
          `gates = ${show(G)}, c = ${show(C)}, cOut = ${show(CO)}, dh = ${show(DH)}, dc = ${show(DC)}`;
        s.check(`lstmCellBackward dpre [${rows}, ${hidden}]`, dpre, bounded, { bounds: magP.map(bound), inputs });
        s.check(`lstmCellBackward dcPrev [${rows}, ${hidden}]`, dcPrev, bounded, { bounds: magC.map(bound), inputs });
      },
      needsFused('lstmCellBackward'),
    );
  });
};
