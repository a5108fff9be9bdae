/**
 * The fused LSTM cell and its gradient (`lstmCell`, `lstmCellBackward`): one pass over a step's rows instead
 * of about ten elementwise kernels each way. Every intermediate is rounded to float32 where the composed ops
 * of core's fallback round it (`Math.fround`; a float32 operation computed in float64 and rounded once is the
 * correctly rounded float32 operation), so the kernels give the fallback's bits.
 */
import { sigmoid } from './unary.js';

const r = Math.fround;

/** One step: `gates = [σ(i), σ(f), tanh(g), σ(o)]`, `cOut = f·c + i·g`, `h = o·tanh(cOut)`. */
export function lstmCell(
  pre: Float32Array,
  c: Float32Array,
  gates: Float32Array,
  cOut: Float32Array,
  h: Float32Array,
  rows: number,
  hidden: number,
): void {
  for (let row = 0; row < rows; row++) {
    const g0 = row * 4 * hidden;
    const s0 = row * hidden;
    for (let j = 0; j < hidden; j++) {
      const i = r(sigmoid(pre[g0 + j]));
      const f = r(sigmoid(pre[g0 + hidden + j]));
      const g = r(Math.tanh(pre[g0 + 2 * hidden + j]));
      const o = r(sigmoid(pre[g0 + 3 * hidden + j]));
      gates[g0 + j] = i;
      gates[g0 + hidden + j] = f;
      gates[g0 + 2 * hidden + j] = g;
      gates[g0 + 3 * hidden + j] = o;
      const cn = r(r(f * c[s0 + j]) + r(i * g));
      cOut[s0 + j] = cn;
      h[s0 + j] = o * r(Math.tanh(cn));
    }
  }
}

/** The gradient of `lstmCell`: `dpre` `[rows, 4·hidden]` and `dcPrev` from the gates, states and `dh`, `dc`. */
export function lstmCellBackward(
  gates: Float32Array,
  c: Float32Array,
  cOut: Float32Array,
  dh: Float32Array,
  dc: Float32Array,
  dpre: Float32Array,
  dcPrev: Float32Array,
  rows: number,
  hidden: number,
): void {
  for (let row = 0; row < rows; row++) {
    const g0 = row * 4 * hidden;
    const s0 = row * hidden;
    for (let j = 0; j < hidden; j++) {
      const i = gates[g0 + j];
      const f = gates[g0 + hidden + j];
      const g = gates[g0 + 2 * hidden + j];
      const o = gates[g0 + 3 * hidden + j];
      const d = dh[s0 + j];
      const t = r(Math.tanh(cOut[s0 + j]));
      const all = r(dc[s0 + j] + r(r(d * o) * r(1 - r(t * t))));
      dpre[g0 + j] = r(all * g) * r(i * r(1 - i));
      dpre[g0 + hidden + j] = r(all * c[s0 + j]) * r(f * r(1 - f));
      dpre[g0 + 2 * hidden + j] = r(all * i) * r(1 - r(g * g));
      dpre[g0 + 3 * hidden + j] = r(d * t) * r(o * r(1 - o));
      dcPrev[s0 + j] = all * f;
    }
  }
}
