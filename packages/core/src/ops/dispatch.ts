/**
 * What every op does around its kernel: pick the backend that holds the inputs, allocate the output, and
 * record the autograd node when an input needs a gradient. Ops stay a few lines each.
 */

import { anomalyState, checkForward } from '../autograd/anomaly.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import type { GradRule } from '../autograd/node.js';
import type { Backend } from '../backend/backend.js';
import { type DType, isDType } from '../backend/dtype.js';
import { getBackend } from '../backend/registry.js';
import { adoptRecorded } from '../engine/lifetime.js';
import { outOfMemoryAdvice } from '../engine/memory.js';
import { allocStorage, type Storage } from '../engine/storage.js';
import { BackendError, DTypeError, fmtShape, OutOfMemoryError, ShapeError } from '../errors.js';
import { type Shape, sizeOf } from '../tensor/shape.js';
import { fromStorage, type Tensor } from '../tensor/tensor.js';

/** The backend holding `tensors` (all must agree), or the current backend when there are none. */
export function backendOf(op: string, ...tensors: Tensor[]): Backend {
  if (tensors.length === 0) return getBackend();
  const b = tensors[0].storage.backend;
  for (const t of tensors) {
    if (t.storage.backend !== b) {
      throw new BackendError(
        `${op}: tensors are on different backends ('${b.name}' and '${t.storage.backend.name}'); move one with .to(backend)`,
      );
    }
  }
  return b;
}

/**
 * A new tensor with uninitialized storage, for the output of an op on `inputs` (they decide whether the
 * iteration the output joins, see engine/lifetime.ts).
 */
export function empty(backend: Backend, shape: Shape, dtype: DType, inputs?: readonly Tensor[]): Tensor {
  // NOTE: the last line of defence; public entry points check dtypes and shapes with the op's name first.
  if (!isDType(dtype)) throw new DTypeError(`cannot allocate a tensor of unknown dtype ${String(dtype)}`);
  const size = sizeOf(shape);
  if (!Number.isSafeInteger(size) || size < 0 || !shape.every((d) => Number.isInteger(d) && d >= 0))
    throw new ShapeError(`cannot allocate a tensor of shape ${fmtShape(shape)}`);
  let storage: Storage;
  try {
    storage = allocStorage(backend, dtype, size);
  } catch (e) {
    if (e instanceof OutOfMemoryError) e.message += ` ${outOfMemoryAdvice()}`;
    throw e;
  }
  return fromStorage(storage, shape, dtype, inputs);
}

/** Disposes op-internal temporaries (casts, scalar operands) that are not one of the op's `args`. */
export function disposeTemps(temps: readonly Tensor[], args: readonly unknown[]): void {
  for (const t of temps) if (!args.includes(t)) t.dispose();
}

/** True when recording `inputs` would need a graph node. */
export function needsGrad(...inputs: Tensor[]): boolean {
  if (!isGradEnabled()) return false;
  for (const t of inputs) if (t.requiresGrad) return true;
  return false;
}

/**
 * Attaches a graph node to `out` when an input needs a gradient. `rule` maps the output gradient to one
 * gradient per input (null where not needed); `saved` lists tensors the rule reads besides `inputs`.
 */
export function record(out: Tensor, op: string, inputs: Tensor[], rule: GradRule, saved: Tensor[] = []): Tensor {
  if (anomalyState.on) checkForward(op, inputs, out);
  if (needsGrad(...inputs)) {
    out.requiresGrad = true;
    out._node = { op, inputs, saved, rule };
    adoptRecorded(out, inputs);
  }
  return out;
}
