/**
 * The LSTM: a digit read as a sequence of its 28 rows (28 steps of 28 inputs, `[B, 28, 28]` batch-first),
 * an LSTM of hidden size 128 and a Linear 128->10 on the last output, with the global gradient clip (the
 * classic remedy for exploding gradients through time) and a per-unit max-norm on the input weights.
 */
import { constraints, nn, type Tensor } from '@cp/core';
import { type ConstraintSettings, clipRegistration, type ModelSpec, type Registration } from './spec.js';

/** `nn.LSTM(28, 128)` over the rows, then a linear classifier on the last step's output. */
export class RowLstm extends nn.Module {
  lstm = new nn.LSTM(28, 128, { batchFirst: true });
  fc = new nn.Linear(128, 10);

  override forward(x: Tensor): Tensor {
    const [output] = this.lstm.call(x);
    const steps = output.shape[1];
    return this.fc.call(output.narrow(1, steps - 1, 1).squeeze(1));
  }
}

function register(
  model: nn.Module,
  settings: ConstraintSettings,
  parts: readonly string[] = LSTM.parts,
): Registration[] {
  const out: Registration[] = [];
  if (parts.includes('inputWeights')) {
    const c = constraints.maxNorm(settings.maxNorm, { dim: 1 });
    model.registerConstraint('lstm.weight_ih_l0', c);
    out.push({
      target: 'lstm.weight_ih_l0',
      constraint: String(c),
      mode: 'project',
      why: "bounds each gate unit's input weights (a row of the [4·128, 28] i,f,g,o blocks), so no gate saturates on one pixel row",
    });
  }
  if (parts.includes('clip')) {
    out.push(
      clipRegistration(
        settings.clipNorm,
        'gradients through 28 steps can explode; clipping the global norm is the classic fix',
      ),
    );
  }
  return out;
}

/** The LSTM as one of the main job's models. */
export const LSTM: ModelSpec = {
  name: 'lstm',
  title: 'LSTM over the 28 rows (28 steps of 28 inputs), hidden 128, Linear 128->10 on the last output',
  create: () => new RowLstm(),
  inputShape: (n) => [n, 28, 28],
  parts: ['inputWeights', 'clip'],
  partLabels: {
    inputWeights: 'maxNorm per gate unit on lstm.weight_ih_l0 (projection)',
    clip: 'clipGradNorm (global gradient norm)',
  },
  register,
  normed: ['lstm.weight_ih_l0'],
  defaults: { epochs: 12, batch: 64, lr: 3e-3, schedule: 'oneCycle', shift: 1, maxNorm: 3, clipNorm: 1 },
  target: 0.96,
};
