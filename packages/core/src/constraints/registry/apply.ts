/**
 * `applyConstraints`: makes parameters satisfy their constraints now (after values were written by hand), all
 * or nothing: every new value, raw tensor and joint group's projection is computed and checked before any is
 * written.
 */
import { type Held, type ReadPlan, runAsync, runSync } from '../../engine/read.js';
import type { Parameter } from '../../nn/parameter.js';
import type { Tensor } from '../../tensor/tensor.js';
import { forgetDerivative } from './derivatives.js';
import { assertFinite, guarded, rawFor, reparametrization, transformOf } from './enforce.js';
import { projectedGroup, writeGroup } from './joint.js';
import { enforcementOf, type JointGroup, jointGroupOf } from './store.js';

/** Every parameter of a module (`parameters()`) or an iterable of parameters. */
function paramsOf(target: Iterable<Parameter> | { parameters(): Iterable<Parameter> }): Parameter[] {
  const maybe = target as { parameters?: () => Iterable<Parameter> };
  const list = typeof maybe.parameters === 'function' ? maybe.parameters() : (target as Iterable<Parameter>);
  return [...new Set(list)];
}

/**
 * `applyConstraints` as a plan. A joint group is projected as a whole when any of its members is given (so it
 * may change members that were not given). Returns how many parameters were constrained.
 */
function* applyPlan(params: Parameter[], held: Held): ReadPlan<number> {
  const staged: [Parameter, Tensor, Tensor | null][] = [];
  const groups = new Map<JointGroup, Tensor>();
  for (const p of params) {
    const g = jointGroupOf(p);
    if (g) {
      if (!groups.has(g)) groups.set(g, yield* projectedGroup(g, held));
      continue;
    }
    const e = enforcementOf(p);
    if (e.mode === 'none') continue;
    if (e.mode === 'project') {
      const c = e.constraint;
      const value = held.hold(p.detach().clone());
      guarded(c, p, 'project_', () => c.project_(value));
      yield* assertFinite(value, p, c, { tensor: p, what: 'its input' });
      staged.push([p, value, null]);
    } else {
      const raw = yield* rawFor(e.constraint, p, held);
      const value = held.hold(transformOf(e.constraint, p, raw));
      yield* assertFinite(value, p, e.constraint, { tensor: raw, what: 'the raw tensor' });
      staged.push([p, value, raw]);
    }
  }
  for (const [p, value, raw] of staged) {
    p.copy_(value);
    if (raw) {
      forgetDerivative(p);
      reparametrization(p).raw.copy_(raw);
    }
  }
  let count = staged.length;
  for (const [g, flat] of groups) {
    writeGroup(g, flat);
    count += g.params.length;
  }
  return count;
}

/**
 * Makes every given parameter (or every parameter of a module) satisfy its constraints now, e.g. after
 * writing values by hand. All-or-nothing: on an error no parameter changes. Returns how many were constrained.
 */
export function applyConstraints(target: Iterable<Parameter> | { parameters(): Iterable<Parameter> }): number {
  const params = paramsOf(target);
  return runSync('applyConstraints', (held) => applyPlan(params, held), 'await constraints.applyConstraintsAsync(...)');
}

/** Async form of `applyConstraints`, for backends that cannot read synchronously. */
export function applyConstraintsAsync(
  target: Iterable<Parameter> | { parameters(): Iterable<Parameter> },
): Promise<number> {
  const params = paramsOf(target);
  return runAsync('applyConstraintsAsync', (held) => applyPlan(params, held));
}
