/**
 * The demo's first model: an MLP 784-256-128-10 (ReLU) whose logits pass through a learnable positive scale
 * (an inverse temperature), and the constraints it carries, registered the way a user would.
 */
import { constraints, nn, ones, type Tensor } from '@cp/core';
import { type ConstraintSettings, clipRegistration, type ModelSpec, type Registration } from './spec.js';

/** Multiplies its input by a learnable scalar `scale` (kept positive by a reparametrized constraint). */
export class LogitScale extends nn.Module {
  /** The scale, shape `[1]`, starting at 1. */
  scale = new nn.Parameter(ones([1]));

  override forward(x: Tensor): Tensor {
    return x.mul(this.scale);
  }

  override extraRepr(): string {
    return 'learnable';
  }
}

/** Names of the hidden layers' weights, which carry `maxNorm`. */
export const HIDDEN_WEIGHTS = ['0.weight', '2.weight'] as const;

/** A fresh MLP 784-256-128-10 with a learnable logit scale (draws from the default generator: seed first). */
export function createModel(): nn.Sequential {
  return new nn.Sequential(
    new nn.Linear(784, 256),
    new nn.ReLU(),
    new nn.Linear(256, 128),
    new nn.ReLU(),
    new nn.Linear(128, 10),
    new LogitScale(),
  );
}

/** The MLP's constraints, each of which can be switched on alone (for the overhead breakdown). */
export type ConstraintPart = 'maxNorm' | 'positive' | 'clip';

/** Every part, in the order they are printed. */
export const CONSTRAINT_PARTS: readonly ConstraintPart[] = ['maxNorm', 'positive', 'clip'];

/**
 * Registers the MLP's parameter constraints on `model`: `maxNorm` on each hidden weight (per unit) and
 * `positive` on the logit scale in reparametrize mode. The gradient clip (`clip`) is applied by the
 * training step; it is listed here so the printout shows everything. `parts` picks a subset.
 */
export function registerConstraints(
  model: nn.Module,
  settings: ConstraintSettings,
  parts: readonly string[] = CONSTRAINT_PARTS,
): Registration[] {
  const out: Registration[] = [];
  if (parts.includes('maxNorm')) {
    for (const name of HIDDEN_WEIGHTS) {
      const c = constraints.maxNorm(settings.maxNorm, { dim: 1 });
      model.registerConstraint(name, c);
      out.push({
        target: name,
        constraint: String(c),
        mode: 'project',
        why: 'bounds each hidden unit, so no unit can grow to dominate (max-norm regularization)',
      });
    }
  }
  if (parts.includes('positive')) {
    const positive = constraints.positive();
    model.registerConstraint('5.scale', positive, { mode: 'reparametrize' });
    out.push({
      target: '5.scale',
      constraint: String(positive),
      mode: 'reparametrize',
      why: 'an inverse temperature must stay positive, or the logits flip sign',
    });
  }
  if (parts.includes('clip')) {
    out.push(clipRegistration(settings.clipNorm, 'caps the size of an update from an unlucky batch'));
  }
  return out;
}

/** The MLP as one of the main job's models. */
export const MLP: ModelSpec = {
  name: 'mlp',
  title: 'MLP 784-256-128-10, ReLU, learnable logit scale',
  create: createModel,
  inputShape: (n) => [n, 784],
  parts: CONSTRAINT_PARTS,
  partLabels: {
    maxNorm: 'maxNorm on 0.weight and 2.weight (projection)',
    positive: 'positive on 5.scale (reparametrization)',
    clip: 'clipGradNorm (global gradient norm)',
  },
  register: registerConstraints,
  normed: HIDDEN_WEIGHTS,
  defaults: { epochs: 10, batch: 64, lr: 1e-3, schedule: 'constant', shift: 0, maxNorm: 1.5, clipNorm: 1 },
  target: 0.93,
};
