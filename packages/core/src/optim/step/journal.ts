/**
 * The undo log of one optimizer step's writes. Before the first write, the step snapshots every tensor it
 * will write in place into an undo buffer of its own (one per tensor, so each request is no larger than the
 * largest tensor and fits a fragmented heap; freed when the step ends, so an optimizer holds nothing
 * between steps); as it goes, it records each parameter's state entries as they were (state tensors the update
 * replaces stay alive until the commit). On a failure `rollback()` copies the snapshots back and restores the
 * entries, so parameters and state are exactly as before the step; `commit()` keeps the new
 * state tensors and frees the replaced ones. New tensors live in the step's `tidy` scope until kept, or, when
 * the step reads data before committing, until `holdNewState()` keeps them for the commit (or the rollback).
 */
import type { Backend } from '../../backend/backend.js';
import { empty, runKernel } from '../../engine/dispatch.js';
import { keep } from '../../engine/lifetime.js';
import { BackendError } from '../../errors.js';
import type { Parameter } from '../../nn/parameter.js';
import { isTensor, type Tensor } from '../../tensor/tensor.js';
import type { ParamState } from '../types.js';

interface Slot {
  target: Tensor;
  buffer: Tensor;
}

/** Copies every float32 element of `x` into `out` (same size, same backend). */
function copy(backend: Backend, x: Tensor, out: Tensor): void {
  if (x.size === 0) return;
  runKernel(
    backend,
    'copyStrided',
    {
      dtype: 'float32',
      x: x.storage.handle,
      xOffset: 0,
      xStrides: [1],
      out: out.storage.handle,
      outOffset: 0,
      outStrides: [1],
      shape: [x.size],
    },
    'step',
    [x],
  );
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
  /** New state tensors kept across a read (`holdNewState`), freed on rollback. */
  private readonly held: Tensor[] = [];

  /**
   * Snapshots `targets` (float32 tensors the step will write in place), each into an undo buffer of its own
   * that lives until the step ends; call before the first write.
   */
  constructor(targets: readonly Tensor[]) {
    try {
      for (const target of targets) {
        const buffer = keep(empty(target.backend, [target.size], 'float32'));
        this.slots.push({ target, buffer });
        copy(target.backend, target, buffer);
      }
    } catch (e) {
      this.freeBuffers();
      throw e;
    }
  }

  private freeBuffers(): void {
    for (const { buffer } of this.slots) buffer.dispose();
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

  /**
   * Keeps the tensors the updates so far put into their states, so they outlive the step's next read (each
   * stretch between reads runs in a `tidy` of its own); a rollback frees them, the commit keeps them.
   */
  holdNewState(): void {
    for (const { state, before } of this.states) {
      for (const [k, v] of Object.entries(state)) {
        if (isTensor(v) && v !== before[k] && !v._persistent) this.held.push(keep(v));
      }
    }
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
    for (const t of this.held) t.dispose();
    this.freeBuffers();
  }

  /** Makes the step's state final: keeps the new tensors, frees those they replaced and the undo buffers. */
  commit(): void {
    this.freeBuffers();
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
