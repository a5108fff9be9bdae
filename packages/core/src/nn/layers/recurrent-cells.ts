/**
 * The recurrent steps behind `RNN` and `GRU`, composed from core ops (LSTM is one node per direction, see
 * lstm-sequence.ts). Gate order is PyTorch's: (r, z, n) for GRU, with GRU's
 * `n = tanh(W_in x + b_in + r·(W_hn h + b_hn))`. RNN runs one matmul per step,
 * `[x_t, h]·[W_ih, W_hh]ᵀ + (b_ih + b_hh)`; GRU keeps the two projections apart (r multiplies only the
 * hidden one).
 * NOTE: the steps take the sequence as a list of `[N, in]` tensors and return one. Slicing per step a tensor
 * that needs a gradient (one `[T, N, 4H]` input projection, or a stacked layer output) would cost O(T²):
 * every slice's backward is a zero tensor of the whole sequence with its slice filled in, and the T of them
 * are summed. Lists keep the backward O(T).
 */
import { relu, sigmoid, tanh } from '../../ops/activation.js';
import { add, mul, sub } from '../../ops/elementwise.js';
import { cat, chunk } from '../../ops/movement.js';
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

/** The modes run step by step here (LSTM runs as one node, lstm-sequence.ts). */
export type StepMode = Exclude<RecurrentMode, 'LSTM'>;

/** One direction's weights as the steps use them: RNN merges the two projections into one. */
interface StepWeights {
  /** `[H, in + H]` = cat(W_ih, W_hh) for RNN; null for GRU. */
  merged: Tensor | null;
  /** `b_ih + b_hh` for RNN (null without bias). */
  mergedBias: Tensor | null;
  w: DirectionWeights;
}

function stepWeights(mode: StepMode, w: DirectionWeights): StepWeights {
  if (mode === 'GRU') return { merged: null, mergedBias: null, w };
  const mergedBias = w.bIh && w.bHh ? add(w.bIh, w.bHh) : (w.bIh ?? w.bHh);
  return { merged: cat([w.wIh, w.wHh], 1), mergedBias, w };
}

/** One step of the cell: the new `h` from the step's input `x` and the state. */
function step(mode: StepMode, x: Tensor, h: Tensor, sw: StepWeights): Tensor {
  if (mode === 'GRU') {
    const { w } = sw;
    const [ir, iz, inn] = chunk(linear(x, w.wIh, w.bIh), 3, 1);
    const [hr, hz, hn] = chunk(linear(h, w.wHh, w.bHh), 3, 1);
    const r = sigmoid(add(ir, hr));
    const z = sigmoid(add(iz, hz));
    const n = tanh(add(inn, mul(r, hn)));
    // NOTE: (1 - z)·n + z·h written as n + z·(h - n): one fewer op, the same value.
    return add(n, mul(z, sub(h, n)));
  }
  const pre = linear(cat([x, h], 1), sw.merged as Tensor, sw.mergedBias);
  switch (mode) {
    case 'RNN_TANH':
      return tanh(pre);
    case 'RNN_RELU':
      return relu(pre);
    default: {
      const unknown: never = mode;
      throw new Error(`unknown recurrent mode ${unknown}`);
    }
  }
}

/**
 * Runs one direction of one layer over the steps `xs` (each `[N, in]`) from state `h0` `[N, H]`: returns the
 * outputs (one `[N, H]` per step, in time order, also when `reverse`) and the final state.
 */
export function runDirection(
  mode: StepMode,
  xs: readonly Tensor[],
  h0: Tensor,
  w: DirectionWeights,
  reverse: boolean,
): { outs: Tensor[]; h: Tensor } {
  const sw = stepWeights(mode, w);
  const outs: Tensor[] = new Array(xs.length);
  let h = h0;
  for (let k = 0; k < xs.length; k++) {
    const t = reverse ? xs.length - 1 - k : k;
    h = step(mode, xs[t], h, sw);
    outs[t] = h;
  }
  return { outs, h };
}
