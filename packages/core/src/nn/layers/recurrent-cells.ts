/**
 * The recurrent steps behind `RNN`, `LSTM` and `GRU`, composed from core ops: the input projection of the
 * whole sequence is one matmul, then each step adds the hidden projection and applies the cell. Gate order
 * is PyTorch's: (i, f, g, o) for LSTM, (r, z, n) for GRU, with GRU's `n = tanh(W_in x + b_in + r·(W_hn h + b_hn))`.
 */
import { relu, sigmoid, tanh } from '../../ops/activation.js';
import { add, mul, sub } from '../../ops/elementwise.js';
import { chunk, split, squeeze, stack } from '../../ops/movement.js';
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

/** One step of the cell: the new `[h, c]` (c only for LSTM) from the input projection `gi` and the state. */
function step(
  mode: RecurrentMode,
  gi: Tensor,
  h: Tensor,
  c: Tensor | null,
  w: DirectionWeights,
): [Tensor, Tensor | null] {
  const gh = linear(h, w.wHh, w.bHh);
  switch (mode) {
    case 'RNN_TANH':
      return [tanh(add(gi, gh)), null];
    case 'RNN_RELU':
      return [relu(add(gi, gh)), null];
    case 'LSTM': {
      const [i, f, g, o] = chunk(add(gi, gh), 4, 1);
      const next = add(mul(sigmoid(f), c as Tensor), mul(sigmoid(i), tanh(g)));
      return [mul(sigmoid(o), tanh(next)), next];
    }
    case 'GRU': {
      const [ir, iz, inn] = chunk(gi, 3, 1);
      const [hr, hz, hn] = chunk(gh, 3, 1);
      const r = sigmoid(add(ir, hr));
      const z = sigmoid(add(iz, hz));
      const n = tanh(add(inn, mul(r, hn)));
      // NOTE: (1 - z)·n + z·h written as n + z·(h - n): one fewer op, the same value.
      return [add(n, mul(z, sub(h, n))), null];
    }
    default: {
      const unknown: never = mode;
      throw new Error(`unknown recurrent mode ${unknown}`);
    }
  }
}

/**
 * Runs one direction of one layer over `x` `[T, N, in]` from state `h0` (and `c0`) `[N, H]`: returns the
 * outputs `[T, N, H]` (in time order, also when `reverse`) and the final state.
 */
export function runDirection(
  mode: RecurrentMode,
  x: Tensor,
  h0: Tensor,
  c0: Tensor | null,
  w: DirectionWeights,
  reverse: boolean,
): { out: Tensor; h: Tensor; c: Tensor | null } {
  const steps = split(linear(x, w.wIh, w.bIh), 1, 0).map((t) => squeeze(t, 0));
  const outs: Tensor[] = new Array(steps.length);
  let h = h0;
  let c = c0;
  for (let k = 0; k < steps.length; k++) {
    const t = reverse ? steps.length - 1 - k : k;
    [h, c] = step(mode, steps[t], h, c, w);
    outs[t] = h;
  }
  return { out: stack(outs, 0), h, c };
}
