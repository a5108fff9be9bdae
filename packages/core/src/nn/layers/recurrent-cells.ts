/**
 * The recurrent steps behind `RNN`, `LSTM` and `GRU`, composed from core ops. Gate order is PyTorch's:
 * (i, f, g, o) for LSTM, (r, z, n) for GRU, with GRU's `n = tanh(W_in x + b_in + r·(W_hn h + b_hn))`.
 * RNN and LSTM run one matmul per step, `[x_t, h]·[W_ih, W_hh]ᵀ + (b_ih + b_hh)`; GRU keeps the two
 * projections apart (r multiplies only the hidden one).
 * NOTE: the steps take the sequence as a list of `[N, in]` tensors and return one. Slicing per step a tensor
 * that needs a gradient (one `[T, N, 4H]` input projection, or a stacked layer output) would cost O(T²):
 * every slice's backward is a zero tensor of the whole sequence with its slice filled in, and the T of them
 * are summed. Lists keep the backward O(T). For the same reason the LSTM cell is one graph node with its
 * own gradient rule (`lstmCell`) instead of four gate slices and ten recorded ops.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { recorder, withOp } from '../../engine/dispatch.js';
import { relu, sigmoid, tanh } from '../../ops/activation.js';
import { add, mul, sub } from '../../ops/elementwise.js';
import { cat, chunk, narrow, split } from '../../ops/movement.js';
import type { Tensor } from '../../tensor/tensor.js';
import { linear } from '../functional/linear.js';

/** The cell a recurrent layer runs. */
export type RecurrentMode = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';

/** Gates per cell: rows of `weight_ih` are `gates · hiddenSize`. */
export const GATES: Record<RecurrentMode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

/** One direction's weights (biases null without `bias`). */
export interface DirectionWeights {
  wIh: Tensor;
  wHh: Tensor;
  bIh: Tensor | null;
  bHh: Tensor | null;
}

/** What the LSTM cell node saves: the gate activations, the previous cell state and tanh of the new one. */
interface CellOps {
  lstmCell: {
    saved: [i: Tensor, f: Tensor, g: Tensor, o: Tensor, c: Tensor, tanhC: Tensor];
    ctx: { hidden: number };
  };
}

const record = recorder<CellOps>({
  // h = o·tanh(c'), c' = f·c + i·g with i, f, o sigmoids and g a tanh of the gate pre-activations.
  lstmCell: (grad, [i, f, g, o, c, tanhC], { hidden }) => {
    const [dh, dcNext] = split(grad, hidden, 1);
    const dc = add(dcNext, mul(mul(dh, o), sub(1, mul(tanhC, tanhC))));
    const di = mul(mul(dc, g), mul(i, sub(1, i)));
    const df = mul(mul(dc, c), mul(f, sub(1, f)));
    const dg = mul(mul(dc, i), sub(1, mul(g, g)));
    const dO = mul(mul(dh, tanhC), mul(o, sub(1, o)));
    return [cat([di, df, dg, dO], 1), mul(dc, f)];
  },
});

/**
 * The LSTM cell as one node: gate pre-activations `pre` `[N, 4H]` (i, f, g, o) and cell state `c` `[N, H]`
 * to the new `[h, c]`. Values are the composed ops' values; the rule is their gradient written out.
 */
function lstmCell(pre: Tensor, c: Tensor): [Tensor, Tensor] {
  return withOp('lstmCell', () => {
    const hidden = c.shape[1];
    const [i, f, g, o, tanhC, both] = noGrad(() => {
      const [pi, pf, pg, po] = chunk(pre, 4, 1);
      const [si, sf, tg, so] = [sigmoid(pi), sigmoid(pf), tanh(pg), sigmoid(po)];
      const next = add(mul(sf, c), mul(si, tg));
      const t = tanh(next);
      return [si, sf, tg, so, t, cat([mul(so, t), next], 1)];
    });
    const out = record(both, 'lstmCell', { inputs: [pre, c], saved: [i, f, g, o, c, tanhC], ctx: { hidden } });
    return [narrow(out, 1, 0, hidden), narrow(out, 1, hidden, hidden)];
  });
}

/** One direction's weights as the steps use them: RNN and LSTM merge the two projections into one. */
interface StepWeights {
  /** `[gates·H, in + H]` = cat(W_ih, W_hh) for RNN/LSTM; null for GRU. */
  merged: Tensor | null;
  /** `b_ih + b_hh` for RNN/LSTM (null without bias). */
  mergedBias: Tensor | null;
  w: DirectionWeights;
}

function stepWeights(mode: RecurrentMode, w: DirectionWeights): StepWeights {
  if (mode === 'GRU') return { merged: null, mergedBias: null, w };
  const mergedBias = w.bIh && w.bHh ? add(w.bIh, w.bHh) : (w.bIh ?? w.bHh);
  return { merged: cat([w.wIh, w.wHh], 1), mergedBias, w };
}

/** One step of the cell: the new `[h, c]` (c only for LSTM) from the step's input `x` and the state. */
function step(mode: RecurrentMode, x: Tensor, h: Tensor, c: Tensor | null, sw: StepWeights): [Tensor, Tensor | null] {
  if (mode === 'GRU') {
    const { w } = sw;
    const [ir, iz, inn] = chunk(linear(x, w.wIh, w.bIh), 3, 1);
    const [hr, hz, hn] = chunk(linear(h, w.wHh, w.bHh), 3, 1);
    const r = sigmoid(add(ir, hr));
    const z = sigmoid(add(iz, hz));
    const n = tanh(add(inn, mul(r, hn)));
    // NOTE: (1 - z)·n + z·h written as n + z·(h - n): one fewer op, the same value.
    return [add(n, mul(z, sub(h, n))), null];
  }
  const pre = linear(cat([x, h], 1), sw.merged as Tensor, sw.mergedBias);
  switch (mode) {
    case 'RNN_TANH':
      return [tanh(pre), null];
    case 'RNN_RELU':
      return [relu(pre), null];
    case 'LSTM':
      return lstmCell(pre, c as Tensor);
    default: {
      const unknown: never = mode;
      throw new Error(`unknown recurrent mode ${unknown}`);
    }
  }
}

/**
 * Runs one direction of one layer over the steps `xs` (each `[N, in]`) from state `h0` (and `c0`) `[N, H]`:
 * returns the outputs (one `[N, H]` per step, in time order, also when `reverse`) and the final state.
 */
export function runDirection(
  mode: RecurrentMode,
  xs: readonly Tensor[],
  h0: Tensor,
  c0: Tensor | null,
  w: DirectionWeights,
  reverse: boolean,
): { outs: Tensor[]; h: Tensor; c: Tensor | null } {
  const sw = stepWeights(mode, w);
  const outs: Tensor[] = new Array(xs.length);
  let h = h0;
  let c = c0;
  for (let k = 0; k < xs.length; k++) {
    const t = reverse ? xs.length - 1 - k : k;
    [h, c] = step(mode, xs[t], h, c, sw);
    outs[t] = h;
  }
  return { outs, h, c };
}
