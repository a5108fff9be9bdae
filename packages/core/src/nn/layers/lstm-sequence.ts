/**
 * One LSTM direction over a whole sequence as ONE graph node (`lstmSequence`), gate order (i, f, g, o) as
 * PyTorch's. The forward runs step by step outside the graph: one matmul per step, `[x_t, h]·[W_ih, W_hh]ᵀ +
 * (b_ih + b_hh)`, then the cell (the fused `lstmCell` kernel where the backend has it, else composed ops).
 * The rule walks the steps backwards with one small product per step (`dh = dpre·W_hh`) and the cell's
 * gradient (`lstmCellBackward`, or composed ops), and leaves everything that does not recur to three
 * products over the whole sequence: `d[W_ih, W_hh] = DPᵀ·Z`, `dx = DP·W_ih` and `db` the row sum of DP,
 * where DP stacks the steps' gate gradients and Z their `[x_t, h]`. Few, large kernels are what a threaded
 * backend can split; per-step nodes (and their per-step weight-gradient products) were most of the step.
 */

import { noGrad } from '../../autograd/grad-mode.js';
import { backendOf, empty, hasFused, recorder, runFused, withOp } from '../../engine/dispatch.js';
import { sigmoid, tanh } from '../../ops/activation.js';
import { add, mul, sub } from '../../ops/elementwise.js';
import { bmm, matmul } from '../../ops/linalg.js';
import { cat, chunk, narrow, reshape, squeeze, stack } from '../../ops/movement.js';
import { sum } from '../../ops/reduce.js';
import type { Tensor } from '../../tensor/tensor.js';
import { linear } from '../functional/linear.js';
import type { DirectionWeights } from './recurrent-cells.js';

/** What the node saves: the two weights, then per time step `[x_t, h_{t-1}]`, the gates and the cell states. */
interface SequenceOps {
  lstmSequence: {
    /** `[wIh, wHh, ...z (T), ...gates (T), ...c (T + 1)]`, z and gates by time, c by processing order. */
    saved: Tensor[];
    ctx: { steps: number; inSize: number; hidden: number; reverse: boolean; biases: number };
  };
}

/** Gate activations `[N, 4H]`, the new cell state and the new hidden state of one step. */
function cellForward(pre: Tensor, c: Tensor): [gates: Tensor, cNext: Tensor, h: Tensor] {
  const backend = backendOf('lstm', pre, c);
  const [rows, hidden] = c.shape;
  if (hasFused(backend, 'lstmCell')) {
    const gates = empty(backend, pre.shape, 'float32', [pre, c]);
    const cNext = empty(backend, c.shape, 'float32', [pre, c]);
    const h = empty(backend, c.shape, 'float32', [pre, c]);
    const args = {
      pre: pre.storage.handle,
      c: c.storage.handle,
      gates: gates.storage.handle,
      cOut: cNext.storage.handle,
      h: h.storage.handle,
      rows,
      hidden,
    };
    runFused(backend, 'lstmCell', args, 'lstm', [pre, c]);
    return [gates, cNext, h];
  }
  const [pi, pf, pg, po] = chunk(pre, 4, 1);
  const [i, f, g, o] = [sigmoid(pi), sigmoid(pf), tanh(pg), sigmoid(po)];
  const cNext = add(mul(f, c), mul(i, g));
  return [cat([i, f, g, o], 1), cNext, mul(o, tanh(cNext))];
}

/**
 * The cell's gradient: from the gates, the cell states before and after the step and the gradients of the
 * step's `h` and new `c`, the gradient of the gate pre-activations `[N, 4H]` and of the previous `c`.
 */
function cellBackward(gates: Tensor, c: Tensor, cNext: Tensor, dh: Tensor, dc: Tensor): [Tensor, Tensor] {
  const backend = backendOf('lstm', gates, c, dh, dc);
  const [rows, hidden] = c.shape;
  if (hasFused(backend, 'lstmCellBackward')) {
    const dpre = empty(backend, gates.shape, 'float32', [gates, dh]);
    const dcPrev = empty(backend, c.shape, 'float32', [gates, dc]);
    const args = {
      gates: gates.storage.handle,
      c: c.storage.handle,
      cOut: cNext.storage.handle,
      dh: dh.storage.handle,
      dc: dc.storage.handle,
      dpre: dpre.storage.handle,
      dcPrev: dcPrev.storage.handle,
      rows,
      hidden,
    };
    runFused(backend, 'lstmCellBackward', args, 'lstm', [gates, c, cNext, dh, dc]);
    return [dpre, dcPrev];
  }
  // h = o·tanh(c'), c' = f·c + i·g with i, f, o sigmoids and g a tanh of the pre-activations.
  const [i, f, g, o] = chunk(gates, 4, 1);
  const tc = tanh(cNext);
  const dcAll = add(dc, mul(mul(dh, o), sub(1, mul(tc, tc))));
  const di = mul(mul(dcAll, g), mul(i, sub(1, i)));
  const df = mul(mul(dcAll, c), mul(f, sub(1, f)));
  const dg = mul(mul(dcAll, i), sub(1, mul(g, g)));
  const dO = mul(mul(dh, tc), mul(o, sub(1, o)));
  return [cat([di, df, dg, dO], 1), mul(dcAll, f)];
}

const record = recorder<SequenceOps>({
  lstmSequence: (grad, saved, { steps: T, inSize, hidden, reverse, biases }, needs) => {
    const [wIh, wHh] = saved;
    const zs = saved.slice(2, 2 + T);
    const gates = saved.slice(2 + T, 2 + 2 * T);
    const cs = saved.slice(2 + 2 * T);
    const row = (t: number) => squeeze(narrow(grad, 0, t, 1), 0);
    const dpre: Tensor[] = new Array(T);
    let dc = row(T);
    let dhRec: Tensor | null = null;
    for (let k = T - 1; k >= 0; k--) {
      const t = reverse ? T - 1 - k : k;
      const dh = dhRec === null ? row(t) : add(row(t), dhRec);
      [dpre[t], dc] = cellBackward(gates[t], cs[k], cs[k + 1], dh, dc);
      if (k > 0 || needs[1]) dhRec = matmul(dpre[t], wHh);
    }
    const DP = reshape(cat(dpre, 0), [1, T * dpre[0].shape[0], 4 * hidden]);
    const wantW = needs[3] || needs[4];
    const dW = wantW
      ? reshape(bmm(DP, reshape(cat(zs, 0), [1, DP.shape[1], inSize + hidden]), true, false), [
          4 * hidden,
          inSize + hidden,
        ])
      : null;
    // NOTE: db sums each step's rows first (a reduce over T outer rows splits across threads; one over the
    // middle of [1, T·N, 4H] would not), then the T partial sums.
    const db = biases > 0 && (needs[5] || needs[6]) ? sum(sum(reshape(DP, [T, -1, 4 * hidden]), 1), 0) : null;
    const dx = needs[0] ? reshape(matmul(reshape(DP, [DP.shape[1], 4 * hidden]), wIh), [T, -1, inSize]) : null;
    return [
      dx,
      needs[1] ? dhRec : null,
      needs[2] ? dc : null,
      dW && needs[3] ? narrow(dW, 1, 0, inSize) : null,
      dW && needs[4] ? narrow(dW, 1, inSize, hidden) : null,
      ...Array.from({ length: biases }, () => db),
    ];
  },
});

/**
 * Runs one LSTM direction over x `[T, N, in]` from `h0`, `c0` `[N, H]`: the outputs `[T, N, H]` in time order
 * (also when `reverse`) and the final `h` and `c`, all views of one recorded node's output `[T + 1, N, H]`
 * (the T outputs, then the final c).
 */
export function lstmSequence(
  x: Tensor,
  h0: Tensor,
  c0: Tensor,
  w: DirectionWeights,
  reverse: boolean,
): { out: Tensor; h: Tensor; c: Tensor } {
  return withOp('lstm', () => {
    const [T, , inSize] = x.shape;
    const hidden = h0.shape[1];
    const biasList = [w.bIh, w.bHh].filter((b): b is Tensor => b !== null);
    const all = noGrad(() => {
      const merged = cat([w.wIh, w.wHh], 1);
      const bias = biasList.length === 2 ? add(biasList[0], biasList[1]) : (biasList[0] ?? null);
      const zs: Tensor[] = new Array(T);
      const gates: Tensor[] = new Array(T);
      const hs: Tensor[] = new Array(T);
      const cs = [c0];
      let h = h0;
      for (let k = 0; k < T; k++) {
        const t = reverse ? T - 1 - k : k;
        zs[t] = cat([squeeze(narrow(x, 0, t, 1), 0), h], 1);
        const [g, c, hNext] = cellForward(linear(zs[t], merged, bias), cs[k]);
        gates[t] = g;
        cs.push(c);
        hs[t] = h = hNext;
      }
      return { y: stack([...hs, cs[T]], 0), saved: [w.wIh, w.wHh, ...zs, ...gates, ...cs] };
    });
    const ctx = { steps: T, inSize, hidden, reverse, biases: biasList.length };
    const y = record(all.y, 'lstmSequence', { inputs: [x, h0, c0, w.wIh, w.wHh, ...biasList], saved: all.saved, ctx });
    const at = (t: number) => squeeze(narrow(y, 0, t, 1), 0);
    return { out: narrow(y, 0, 0, T), h: at(reverse ? 0 : T - 1), c: at(T) };
  });
}
