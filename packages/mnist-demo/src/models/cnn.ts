/**
 * The CNN of the bench: conv 1->16 3x3, ReLU, maxPool 2, conv 16->32 3x3, ReLU, maxPool 2, Linear 800->10,
 * reading digits as `[B, 1, 28, 28]`, with a per-filter max-norm on both conv kernels and on the
 * classifier's rows, and the global gradient clip.
 */
import { constraints, F, nn, type Tensor } from '@cp/core';
import { type ConstraintSettings, clipRegistration, type ModelSpec, type Registration } from './spec.js';

/** Two conv/ReLU/max-pool blocks and a linear classifier (28 -> 26 -> 13 -> 11 -> 5; 32·5·5 = 800). */
export class Cnn extends nn.Module {
  conv1 = new nn.Conv2d(1, 16, 3);
  conv2 = new nn.Conv2d(16, 32, 3);
  pool = new nn.MaxPool2d(2);
  fc = new nn.Linear(800, 10);

  override forward(x: Tensor): Tensor {
    const a = this.pool.call(F.relu(this.conv1.call(x)));
    const b = this.pool.call(F.relu(this.conv2.call(a)));
    return this.fc.call(b.flatten(1));
  }
}

/** The conv kernels `[out, in, kH, kW]`, which carry a per-filter `maxNorm`. */
export const CNN_FILTERS = ['conv1.weight', 'conv2.weight'] as const;

function register(
  model: nn.Module,
  settings: ConstraintSettings,
  parts: readonly string[] = CNN.parts,
): Registration[] {
  const out: Registration[] = [];
  if (parts.includes('filters')) {
    for (const name of CNN_FILTERS) {
      const c = constraints.maxNorm(settings.maxNorm, { dim: [1, 2, 3] });
      model.registerConstraint(name, c);
      out.push({
        target: name,
        constraint: String(c),
        mode: 'project',
        why: 'bounds each filter (its whole in x kH x kW kernel), the classic max-norm for conv nets',
      });
    }
  }
  if (parts.includes('classifier')) {
    const c = constraints.maxNorm(settings.maxNorm, { dim: 1 });
    model.registerConstraint('fc.weight', c);
    out.push({
      target: 'fc.weight',
      constraint: String(c),
      mode: 'project',
      why: "bounds each class's weight vector, so no class wins by scale alone",
    });
  }
  if (parts.includes('clip')) {
    out.push(clipRegistration(settings.clipNorm, 'keeps the early, large steps of the one-cycle schedule stable'));
  }
  return out;
}

/** The CNN as one of the main job's models. */
export const CNN: ModelSpec = {
  name: 'cnn',
  title: 'CNN conv 1->16 3x3, ReLU, maxPool 2, conv 16->32 3x3, ReLU, maxPool 2, Linear 800->10',
  create: () => new Cnn(),
  inputShape: (n) => [n, 1, 28, 28],
  parts: ['filters', 'classifier', 'clip'],
  partLabels: {
    filters: 'maxNorm per filter on conv1.weight and conv2.weight (projection)',
    classifier: 'maxNorm per class on fc.weight (projection)',
    clip: 'clipGradNorm (global gradient norm)',
  },
  register,
  normed: [...CNN_FILTERS, 'fc.weight'],
  defaults: { epochs: 15, batch: 64, lr: 3e-3, schedule: 'oneCycle', shift: 1, maxNorm: 3, clipNorm: 1 },
  target: 0.98,
};
