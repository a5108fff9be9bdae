/**
 * The undo log of one optimizer step's writes. Before the first write, the step snapshots every tensor it
 * will write in place into one undo buffer per backend, which the optimizer keeps from step to step (an
 * allocation per step costs more than the copies on the js backend; the buffer grows to the largest snapshot
 * needed); as it goes, it records each parameter's state entries as they were (state tensors the update
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

/** The undo buffers of one optimizer, by backend. */
export type UndoBuffers = Map<Backend, Tensor>;

interface Slot {
  target: Tensor;
  buffer: Tensor;
  offset: number;
}

/** Copies `n` float32 elements between two handles of `backend`. */
function copy(backend: Backend, x: Tensor, xOffset: number, out: Tensor, outOffset: number, n: number): void {
  if (n === 0) return;
  backend.kernels.copyStrided({
    dtype: 'float32',
    x: x.storage.handle,
    xOffset,
    xStrides: [1],
    out: out.storage.handle,
    outOffset,
    outStrides: [1],
    shape: [n],
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
  /** Undo buffers grown for this step: they replace the old ones on commit, and are freed on rollback. */
  private readonly grown: { backend: Backend; buffer: Tensor }[] = [];

  /** Snapshots `targets` (float32 tensors the step will write in place); call before the first write. */
  constructor(
    targets: readonly Tensor[],
    private readonly buffers: UndoBuffers,
  ) {
    const byBackend = new Map<Backend, Tensor[]>();
    for (const t of targets) {
      const list = byBackend.get(t.backend);
      if (list) list.push(t);
      else byBackend.set(t.backend, [t]);
    }
    try {
      for (const [backend, list] of byBackend) {
        const need = list.reduce((n, t) => n + t.size, 0);
        let buffer = buffers.get(backend);
        if (!buffer || buffer.isDisposed || buffer.size < need) {
          buffer = keep(empty(backend, [need], 'float32'));
          this.grown.push({ backend, buffer });
        }
        let offset = 0;
        for (const target of list) {
          copy(backend, target, 0, buffer, offset, target.size);
          this.slots.push({ target, buffer, offset });
          offset += target.size;
        }
      }
    } catch (e) {
      for (const { buffer } of this.grown) buffer.dispose();
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
      for (const { target, buffer, offset } of this.slots) copy(target.backend, buffer, offset, target, 0, target.size);
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
    for (const { buffer } of this.grown) buffer.dispose();
  }

  /** Makes the step's state final: keeps the new tensors and frees those they replaced (and outgrown buffers). */
  commit(): void {
    for (const { backend, buffer } of this.grown) {
      this.buffers.get(backend)?.dispose();
      this.buffers.set(backend, buffer);
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
