/**
 * The state a `Lagrangian` keeps besides its primal optimizer's: the multipliers, the augmented method's
 * penalties and their schedule, as a JSON-able `LagrangianDualState` (its check names the constraint and the
 * entry at fault), and the snapshots a step takes so that a failure restores parameters, multipliers and
 * optimizer state exactly as they were.
 */
import { noGrad } from '../autograd/grad-mode.js';
import type { ConstraintKind } from '../constraints/lagrangian/problem.js';
import { forgetDerivative } from '../constraints/registry/derivatives.js';
import { rawOf } from '../constraints/registry/store.js';
import { keep } from '../engine/lifetime.js';
import { ArgumentError } from '../errors.js';
import type { Parameter } from '../nn/parameter.js';
import { isTensor, type Tensor } from '../tensor/tensor.js';
import type { Optimizer } from './optimizer.js';
import type { ParamState } from './types.js';

/** The penalty schedule's running window for one constraint (augmented method). */
export interface PenaltyWindow {
  /** Sum of the excess violation over the current window. */
  sum: number;
  /** Steps in the current window. */
  count: number;
  /** The previous window's mean excess violation (null before the first full window). */
  previous: number | null;
}

/** The dual half of `Lagrangian.stateDict()`: plain numbers, so it serializes as JSON (and in checkpoints). */
export interface LagrangianDualState {
  method: 'gda' | 'extragradient' | 'augmented';
  /** Steps taken. */
  steps: number;
  /** Each constraint's multiplier (>= 0 for 'le'/'ge'). */
  multipliers: Record<string, number>;
  /** Each constraint's penalty rho (augmented method; the initial rho otherwise). */
  penalties: Record<string, number>;
  /** Each constraint's penalty-schedule window. */
  schedule: Record<string, PenaltyWindow>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Throws an `ArgumentError` (naming the problem, the constraint and the entry) unless `s` fits these constraints. */
export function validateDualState(
  where: string,
  s: unknown,
  kinds: Record<string, ConstraintKind>,
  method: string,
): asserts s is LagrangianDualState {
  if (!isRecord(s)) throw new ArgumentError(`${where}: the dual state must be an object, got ${String(s)}`);
  if (s.method !== method) {
    throw new ArgumentError(`${where}: the state is of method '${String(s.method)}', this Lagrangian's is '${method}'`);
  }
  if (!Number.isInteger(s.steps) || (s.steps as number) < 0) {
    throw new ArgumentError(`${where}: 'steps' must be an integer >= 0, got ${String(s.steps)}`);
  }
  const names = Object.keys(kinds);
  for (const part of ['multipliers', 'penalties', 'schedule'] as const) {
    const entry = s[part];
    if (!isRecord(entry)) throw new ArgumentError(`${where}: '${part}' must be an object keyed by constraint name`);
    const keys = Object.keys(entry);
    const missing = names.filter((n) => !keys.includes(n));
    const extra = keys.filter((k) => !names.includes(k));
    if (missing.length > 0 || extra.length > 0) {
      throw new ArgumentError(
        `${where}: '${part}' has constraints [${keys.join(', ')}], the problem [${names.join(', ')}]${missing.length ? `; missing '${missing[0]}'` : `; unknown '${extra[0]}'`}`,
      );
    }
  }
  const m = s.multipliers as Record<string, unknown>;
  const rho = s.penalties as Record<string, unknown>;
  const w = s.schedule as Record<string, unknown>;
  for (const name of names) {
    const at = `${where}: constraint '${name}'`;
    const v = m[name];
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new ArgumentError(`${at}: the multiplier must be a finite number, got ${String(v)}`);
    if (kinds[name] !== 'eq' && v < 0) {
      throw new ArgumentError(
        `${at}: the multiplier is ${v}, but a '${kinds[name]}' constraint's multiplier is never negative`,
      );
    }
    const r = rho[name];
    if (typeof r !== 'number' || !Number.isFinite(r) || r <= 0)
      throw new ArgumentError(`${at}: the penalty must be a finite number > 0, got ${String(r)}`);
    const win = w[name];
    const ok =
      isRecord(win) &&
      typeof win.sum === 'number' &&
      Number.isFinite(win.sum) &&
      win.sum >= 0 &&
      Number.isInteger(win.count) &&
      (win.count as number) >= 0 &&
      (win.previous === null ||
        (typeof win.previous === 'number' && Number.isFinite(win.previous) && win.previous >= 0));
    if (!ok)
      throw new ArgumentError(
        `${at}: the schedule window must be { sum >= 0, count: integer >= 0, previous: number >= 0 | null }`,
      );
  }
}

/** A copy of a parameter's optimizer state (tensors cloned and kept). */
function copyState(s: ParamState): ParamState {
  const out: ParamState = {};
  for (const [k, v] of Object.entries(s)) out[k] = isTensor(v) ? keep(noGrad(() => v.clone())) : v;
  return out;
}

/** Parameters (with their raw tensors) and an optimizer's state as they were, to put back on a failure. */
export class Snapshot {
  private readonly values: { target: Tensor; copy: Tensor; param: Parameter }[] = [];
  private readonly state = new Map<Parameter, ParamState>();

  /** Copies `params`' values (and raw tensors) and `opt`'s state. */
  constructor(
    private readonly opt: Optimizer,
    params: Iterable<Parameter>,
  ) {
    for (const p of params) {
      for (const t of [p, rawOf(p)])
        if (t) this.values.push({ target: t, copy: keep(noGrad(() => t.clone())), param: p });
    }
    for (const [p, s] of opt.state) this.state.set(p, copyState(s));
  }

  /** Puts the values and the state back (it may be called more than once). */
  restore(): void {
    noGrad(() => {
      for (const { target, copy, param } of this.values) {
        forgetDerivative(param);
        target.copy_(copy);
      }
    });
    for (const s of this.opt.state.values()) for (const v of Object.values(s)) if (isTensor(v)) v.dispose();
    this.opt.state.clear();
    for (const [p, s] of this.state) this.opt.state.set(p, copyState(s));
  }

  /** Frees the copies. */
  dispose(): void {
    for (const { copy } of this.values) copy.dispose();
    for (const s of this.state.values()) for (const v of Object.values(s)) if (isTensor(v)) v.dispose();
  }
}
