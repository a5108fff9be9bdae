/**
 * The model of the demo: an MLP 784-256-128-10 (ReLU) whose logits pass through a learnable positive scale
 * (an inverse temperature), and the constraints it carries, registered the way a user would.
 */
import { constraints, nn, ones, type Tensor } from '@cp/core';

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

/** The constraints of a run: bounds chosen by the CLI options (`null` turns them all off). */
export interface ConstraintSettings {
  /** Bound on the L2 norm of each hidden unit's incoming weights (`maxNorm`, `dim: 1`). */
  maxNorm: number;
  /** Bound on the global L2 norm of all gradients (`clipGradNorm`), applied before every update. */
  clipNorm: number;
}

/** One registered constraint, as printed at start-up and drawn in the report. */
export interface Registration {
  /** The parameter's dotted name, or `gradients` for the clip. */
  target: string;
  /** What the constraint is, e.g. `maxNorm(max=2, dim=1)`. */
  constraint: string;
  mode: 'project' | 'reparametrize' | 'gradient';
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

/** The demo's constraints, each of which can be switched on alone (for the overhead breakdown). */
export type ConstraintPart = 'maxNorm' | 'positive' | 'clip';

/** Every part, in the order they are printed. */
export const CONSTRAINT_PARTS: readonly ConstraintPart[] = ['maxNorm', 'positive', 'clip'];

/**
 * Registers the demo's parameter constraints on `model`: `maxNorm` on each hidden weight (per unit) and
 * `positive` on the logit scale in reparametrize mode. The gradient clip (`clip`) is applied by the
 * training step; it is listed here so the printout shows everything. `parts` picks a subset.
 */
export function registerConstraints(
  model: nn.Sequential,
  settings: ConstraintSettings,
  parts: readonly ConstraintPart[] = CONSTRAINT_PARTS,
): Registration[] {
  const out: Registration[] = [];
  if (parts.includes('maxNorm')) {
    for (const name of HIDDEN_WEIGHTS) {
      const c = constraints.maxNorm(settings.maxNorm, { dim: 1 });
      model.registerConstraint(name, c);
      out.push({ target: name, constraint: String(c), mode: 'project' });
    }
  }
  if (parts.includes('positive')) {
    const positive = constraints.positive();
    model.registerConstraint('5.scale', positive, { mode: 'reparametrize' });
    out.push({ target: '5.scale', constraint: String(positive), mode: 'reparametrize' });
  }
  if (parts.includes('clip')) {
    out.push({ target: 'gradients', constraint: `clipGradNorm(maxNorm=${settings.clipNorm})`, mode: 'gradient' });
  }
  return out;
}
