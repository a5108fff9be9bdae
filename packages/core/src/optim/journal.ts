/**
 * The undo log of one optimizer step's writes. Before the first write, the step snapshots every tensor it
 * will write in place into an undo buffer of its own, which the optimizer keeps from step to step (an
 * allocation per step costs more than the copies on the js backend); as it goes, it records each parameter's state entries as they were (state tensors the update
 * replaces stay alive until the commit). On a failure `rollback()` copies the snapshots back and restores the
 * entries, so parameters, state and the undo buffers are exactly as before the step; `commit()` keeps the new
 * state tensors and frees the replaced ones. New tensors live in the step's `tidy` scope until kept.
 */
import type { Backend } from '../backend/backend.js';
import { keep } from '../engine/scope.js';
import { BackendError } from '../errors.js';
import type { Parameter } from '../nn/parameter.js';
import { empty } from '../ops/dispatch.js';
import { isTensor, type Tensor } from '../tensor/tensor.js';
import type { ParamState } from './optimizer.js';

/**
 * The undo buffers of one optimizer: one per tensor a step writes in place, kept from step to step. One
 * buffer per tensor (not one for all) keeps every request as small as the largest tensor, so a fragmented
 * heap can still hold them.
 */
export type UndoBuffers = Map<Tensor, Tensor>;

interface Slot {
  target: Tensor;
  buffer: Tensor;
}

/** Copies every float32 element of `x` into `out` (same size, same backend). */
function copy(backend: Backend, x: Tensor, out: Tensor): void {
  if (x.size === 0) return;
  backend.kernels.copyStrided({
    dtype: 'float32',
    x: x.storage.handle,
    xOffset: 0,
    xStrides: [1],
    out: out.storage.handle,
    outOffset: 0,
    outStrides: [1],
    shape: [x.size],
  });
}

interface StateRecord {
  param: Parameter;
  state: ParamState;
  before: ParamState;
  existed: boolean;
}

/** The writes of one step, undoable until `commit()`. */
export class Journal {
  private readonly slots: Slot[] = [];
  private readonly states: StateRecord[] = [];
  /** Undo buffers made for this step: kept on commit, freed on rollback. */
  private readonly fresh: Slot[] = [];

  /** Snapshots `targets` (float32 tensors the step will write in place); call before the first write. */
  constructor(
    targets: readonly Tensor[],
    private readonly buffers: UndoBuffers,
  ) {
    try {
      for (const target of targets) {
        let buffer = buffers.get(target);
        if (!buffer || buffer.isDisposed || buffer.size !== target.size) {
          buffer = keep(empty(target.backend, [target.size], 'float32'));
          this.fresh.push({ target, buffer });
        }
        copy(target.backend, target, buffer);
        this.slots.push({ target, buffer });
      }
    } catch (e) {
      for (const { buffer } of this.fresh) buffer.dispose();
      throw e;
    }
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
      for (const { target, buffer } of this.slots) copy(target.backend, buffer, target);
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
    for (const { buffer } of this.fresh) buffer.dispose();
  }

  /**
   * Makes the step's state final: keeps the new tensors and frees those they replaced, keeps this step's
   * undo buffers and frees those of tensors this step did not write (so the buffers never outgrow one step).
   */
  commit(): void {
    for (const { target, buffer } of this.fresh) {
      this.buffers.get(target)?.dispose();
      this.buffers.set(target, buffer);
    }
    const written = new Set(this.slots.map((s) => s.target));
    for (const [target, buffer] of this.buffers) {
      if (!written.has(target)) {
        buffer.dispose();
        this.buffers.delete(target);
      }
    }
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
