/**
 * The undo log of one optimizer step's writes. Before a parameter is written, the step records what it will
 * change: a snapshot (clone) of each tensor written in place, and the parameter's state entries as they were
 * (state tensors the update replaces stay alive until the commit). On a failure `rollback()` copies the
 * snapshots back and restores the entries, so parameters and state are bit-identical to before the step;
 * `commit()` keeps the new state tensors and frees the replaced ones. Snapshots and new tensors live in the
 * step's `tidy` scope, which frees them either way.
 */
import { keep } from '../engine/scope.js';
import { BackendError } from '../errors.js';
import type { Parameter } from '../nn/parameter.js';
import { isTensor, type Tensor } from '../tensor/tensor.js';
import type { ParamState } from './optimizer.js';

interface StateRecord {
  param: Parameter;
  state: ParamState;
  before: ParamState;
  existed: boolean;
}

/** The writes of one step, undoable until `commit()`. */
export class Journal {
  private readonly snapshots: { target: Tensor; copy: Tensor }[] = [];
  private readonly states: StateRecord[] = [];

  /** Snapshots `t` before it is written in place. */
  save(t: Tensor): void {
    this.snapshots.push({ target: t, copy: t.clone() });
  }

  /**
   * Records `param`'s state entries before the step changes them, and returns the state object to change
   * (registered in `map` at once, removed again on rollback when it is new).
   */
  open(map: Map<Parameter, ParamState>, param: Parameter): ParamState {
    const existing = map.get(param);
    const state = existing ?? {};
    this.states.push({ param, state, before: { ...state }, existed: existing !== undefined });
    if (!existing) map.set(param, state);
    return state;
  }

  /** Undoes every recorded write (newest first); `map` is the optimizer's state map. */
  rollback(map: Map<Parameter, ParamState>, cause: unknown): void {
    try {
      for (let i = this.snapshots.length - 1; i >= 0; i--) {
        const { target, copy } = this.snapshots[i];
        target.copy_(copy);
      }
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      const first = cause instanceof Error ? cause.message : String(cause);
      throw new BackendError(
        `step: the step failed (${first}) and restoring the parameters failed too (${why}); parameters may be partly updated`,
      );
    }
    for (const { param, state, before, existed } of this.states) {
      for (const k of Object.keys(state)) if (!(k in before)) delete state[k];
      Object.assign(state, before);
      if (!existed) map.delete(param);
    }
  }

  /** Makes the step's state final: keeps the new tensors and frees those they replaced. */
  commit(): void {
    for (const { state, before } of this.states) {
      for (const [k, v] of Object.entries(state)) {
        if (isTensor(v) && v !== before[k]) keep(v);
      }
    }
    for (const { state, before } of this.states) {
      for (const [k, old] of Object.entries(before)) {
        if (isTensor(old) && state[k] !== old) old.dispose();
      }
    }
  }
}
