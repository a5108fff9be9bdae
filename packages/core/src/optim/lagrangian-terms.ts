/**
 * The arithmetic of one Lagrangian evaluation, apart from the solver's state: reading the objective, values
 * and proxies in one host read (checked finite, errors naming the constraint and the problem), the proxies'
 * violations, and the backward pass through f + sum c_i·g_i with the weights c_i held constant.
 */
import { enableGrad } from '../autograd/grad-mode.js';
import { ConstraintError } from '../constraints/constraint.js';
import { type ConstrainedProblem, type Evaluation, violationOf } from '../constraints/lagrangian/problem.js';
import { stack } from '../ops/movement.js';
import { isTensor, type Tensor } from '../tensor/tensor.js';
import type { Command } from './lagrangian-drive.js';

/** The numbers of one evaluation, read in one go. */
export interface Measured {
  loss: number;
  values: number[];
  proxies: number[];
  /** The violation of each proxy: the multipliers' ascent direction. */
  violations: number[];
}

/** Reads scalar tensors (all on the first one's backend) in one host read. */
export function* readScalars(op: string, tensors: readonly Tensor[]): Generator<Command, number[], unknown> {
  const backend = tensors[0].backend;
  return (yield {
    kind: 'read',
    op,
    plan: function* () {
      const d = yield stack(tensors.map((t) => t.detach().to(backend).float().reshape([])));
      return Array.from(d, Number);
    },
  }) as number[];
}

/** Reads the objective, values and proxies of `ev` (one read) and checks that they are finite. */
export function* measure(
  problem: ConstrainedProblem,
  op: string,
  ev: Evaluation,
): Generator<Command, Measured, unknown> {
  const tensors = [ev.objective, ...ev.values, ...ev.proxies.filter(isTensor)];
  const data = yield* readScalars(op, tensors);
  const names = problem.names;
  const where = `${op}: problem '${problem.name}'`;
  const loss = data[0];
  if (!Number.isFinite(loss)) {
    throw new ConstraintError(
      `${where}: the objective is ${loss}; nothing was changed (check the model, the data and the learning rates)`,
    );
  }
  const values = names.map((_, i) => data[1 + i]);
  let k = 1 + names.length;
  const proxies = ev.proxies.map((p) => (isTensor(p) ? data[k++] : p));
  names.forEach((name, i) => {
    const c = problem.constraints[name];
    for (const [what, v] of [
      ['fn()', values[i]],
      ['proxy()', proxies[i]],
    ] as const) {
      if (!Number.isFinite(v)) {
        throw new ConstraintError(
          `${where}: constraint '${name}' (${c.kind} ${c.bound}): ${what} is ${v}; nothing was changed (parameters, multipliers and optimizer state are as before the step)`,
        );
      }
    }
  });
  const violations = names.map((n, i) =>
    violationOf(problem.constraints[n].kind, proxies[i], problem.constraints[n].bound),
  );
  return { loss, values, proxies, violations };
}

/** Backward through f + sum c_i·g_i, each weight c_i (`weights`) a constant, with g_i `fn`'s violation. */
export function backwardLagrangian(problem: ConstrainedProblem, ev: Evaluation, weights: readonly number[]): void {
  const L = enableGrad(() => {
    let total = ev.objective.reshape([]);
    problem.names.forEach((name, i) => {
      const c = problem.constraints[name];
      const v = ev.values[i].reshape([]);
      const g = c.kind === 'ge' ? v.neg().add(c.bound) : v.sub(c.bound);
      total = total.add(g.mul(weights[i]));
    });
    return total;
  });
  L.backward();
}
