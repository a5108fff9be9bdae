/**
 * One implementation for `Lagrangian.step()` and `stepAsync()`: the step is a generator that yields the three
 * things that differ between the sync and async forms (a read plan, an optimizer step, a constraint
 * registration); `driveSync` answers them with `runSync`/`step()`/`registerConstraint`, `driveAsync` with their
 * awaited forms. A command that fails is thrown into the generator at its `yield`, so the step's own
 * `try`/`catch` undoes what it had done, in either form.
 */
import type { Constraint } from '../constraints/constraint.js';
import { registerConstraint, registerConstraintAsync } from '../constraints/registry/register.js';
import { type Held, type ReadPlan, runAsync, runSync } from '../engine/read.js';
import type { Parameter } from '../nn/parameter.js';
import type { Optimizer } from './optimizer.js';

/** What a step asks its driver to do. */
export type Command =
  | { kind: 'read'; op: string; plan: (held: Held) => ReadPlan<number[]> }
  | { kind: 'step'; opt: Optimizer }
  | { kind: 'register'; param: Parameter; constraint: Constraint };

/** A step written once: it yields commands and receives their results (`number[]` for a read). */
export type StepProgram<T> = Generator<Command, T, unknown>;

/** Runs `program`, answering every command synchronously. */
export function driveSync<T>(program: StepProgram<T>, asyncForm: string): T {
  let r = program.next();
  while (!r.done) {
    const c = r.value;
    let value: unknown;
    try {
      if (c.kind === 'read') value = runSync(c.op, c.plan, asyncForm);
      else if (c.kind === 'step') c.opt.step();
      else registerConstraint(c.param, c.constraint);
    } catch (e) {
      r = program.throw(e);
      continue;
    }
    r = program.next(value);
  }
  return r.value;
}

/** Runs `program`, awaiting every command (works on backends without synchronous reads). */
export async function driveAsync<T>(program: StepProgram<T>): Promise<T> {
  let r = program.next();
  while (!r.done) {
    const c = r.value;
    let value: unknown;
    try {
      if (c.kind === 'read') value = await runAsync(c.op, c.plan);
      else if (c.kind === 'step') await c.opt.stepAsync();
      else await registerConstraintAsync(c.param, c.constraint);
    } catch (e) {
      r = program.throw(e);
      continue;
    }
    r = program.next(value);
  }
  return r.value;
}
