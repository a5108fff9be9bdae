/**
 * Problems with known solutions for `optim.Lagrangian` (KKT points worked out by hand), and a helper that
 * builds one: its parameters, its `ConstrainedProblem` and a Lagrangian with the chosen method.
 * Sign convention: L = f + sum λ·g with g = fn - bound ('le', 'eq') or bound - fn ('ge').
 */
import * as cp from '@cp/core';
import { param } from '../constraints/helpers.js';

type P = cp.nn.Parameter;

/** A problem with its solution and the settings it converges with. */
export interface KnownProblem {
  name: string;
  /** Initial parameter values (one scalar parameter each). */
  init: number[];
  /** The objective and constraints over the parameters. */
  make(ps: P[]): cp.constraints.ConstrainedProblemOptions;
  /** The solution: parameter values and multipliers by name. */
  x: number[];
  multipliers: Record<string, number>;
  /** Primal SGD learning rate and dual step. */
  lr: number;
  dualLr: number;
  steps: number;
}

const sq = (t: cp.Tensor) => t.square().sum();

/** The problems every method is tested on. */
export const PROBLEMS: KnownProblem[] = [
  {
    // L = (x-2)² + λ(x-1): 2(x-2) + λ = 0 at x = 1 gives λ = 2.
    name: 'min (x-2)² s.t. x <= 1',
    init: [0],
    make: ([x]) => ({
      objective: () => sq(x.sub(2)),
      constraints: { cap: { kind: 'le', fn: () => x.sum(), bound: 1 } },
    }),
    x: [1],
    multipliers: { cap: 2 },
    lr: 0.1,
    dualLr: 1,
    steps: 400,
  },
  {
    // L = x² + y² + λ(x+y-1): 2x + λ = 0 at x = y = 0.5 gives λ = -1.
    name: 'min x² + y² s.t. x + y = 1',
    init: [0, 0],
    make: ([x, y]) => ({
      objective: () => sq(x).add(sq(y)),
      constraints: { sum: { kind: 'eq', fn: () => x.add(y).sum(), bound: 1 } },
    }),
    x: [0.5, 0.5],
    multipliers: { sum: -1 },
    lr: 0.1,
    dualLr: 0.5,
    steps: 400,
  },
  {
    // L = (x+1)² + λ(0.5-x): 2(x+1) - λ = 0 at x = 0.5 gives λ = 3.
    name: 'min (x+1)² s.t. x >= 0.5',
    init: [0],
    make: ([x]) => ({
      objective: () => sq(x.add(1)),
      constraints: { floor: { kind: 'ge', fn: () => x.sum(), bound: 0.5 } },
    }),
    x: [0.5],
    multipliers: { floor: 3 },
    lr: 0.1,
    dualLr: 1,
    steps: 400,
  },
  {
    // fn = x drives the primal; the proxy x + 0.5 (no gradient) decides feasibility: x + 0.5 <= 1 at x = 0.5,
    // and 2(x-2) + λ = 0 there gives λ = 3 (with fn alone it would be x = 1, λ = 2).
    name: 'min (x-2)² s.t. x <= 1, proxy x + 0.5',
    init: [0],
    make: ([x]) => ({
      objective: () => sq(x.sub(2)),
      constraints: { cap: { kind: 'le', fn: () => x.sum(), bound: 1, proxy: () => cp.noGrad(() => x.add(0.5).sum()) } },
    }),
    x: [0.5],
    multipliers: { cap: 3 },
    lr: 0.1,
    dualLr: 1,
    steps: 400,
  },
  {
    // From x = -3 'low' (x >= -2) is violated at first, so its multiplier rises, then x passes -2 and it decays
    // to 0 (inactive at the solution); 'cap' is active: x = 1, λ = 2.
    name: 'min (x-2)² s.t. x <= 1 and x >= -2 (inactive)',
    init: [-3],
    make: ([x]) => ({
      objective: () => sq(x.sub(2)),
      constraints: {
        cap: { kind: 'le', fn: () => x.sum(), bound: 1 },
        low: { kind: 'ge', fn: () => x.sum(), bound: -2 },
      },
    }),
    x: [1],
    multipliers: { cap: 2, low: 0 },
    lr: 0.1,
    dualLr: 1,
    steps: 400,
  },
];

/** The parameters, problem and Lagrangian of `kp` with `method` and a primal SGD. */
export function build(
  kp: KnownProblem,
  method: cp.optim.LagrangianMethod,
  primal?: (ps: P[]) => cp.optim.Optimizer,
): { ps: P[]; cmp: cp.constraints.ConstrainedProblem; opt: cp.optim.Lagrangian } {
  const ps = kp.init.map((v) => param([v]));
  const cmp = new cp.constraints.ConstrainedProblem({ name: kp.name, ...kp.make(ps) });
  const opt = new cp.optim.Lagrangian(cmp, {
    primal: primal ? primal(ps) : new cp.optim.SGD(ps, { lr: kp.lr }),
    method,
    dualLr: kp.dualLr,
  });
  return { ps, cmp, opt };
}
