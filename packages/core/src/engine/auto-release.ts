/**
 * Automatic release of what a training step leaves behind, so the obvious loop
 * (`loss = model(x)...; loss.backward(); opt.step()`) keeps backend memory flat even when it never yields
 * to the event loop (FinalizationRegistry callbacks only run when it does).
 *
 * Tensors made outside `tidy` by a recorded op, or computed from such tensors (metrics like
 * `logits.argmax(1)`), are "step tensors". Each top-level `backward()` releases the step tensors of the
 * step before the previous one's backward; so a step's tensors stay usable until the next step's
 * `backward()` returns. Tensors passed to `keep()` (and parameters, gradients, optimizer state) are never
 * released. Only weak references are held, so nothing here keeps a tensor alive.
 */
import { UnknownHandleError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';

let current: WeakRef<Tensor>[] = [];
let pending: WeakRef<Tensor>[] = [];

/** Records a step tensor (called by the engine). */
export function noteStepTensor(t: Tensor): void {
  current.push(new WeakRef(t));
}

/**
 * Called at the end of a top-level backward: releases the previous step's tensors, except those the graph
 * just used (`inUse`) and those kept, then starts a new step.
 */
export function endStep(inUse: ReadonlySet<Tensor>): void {
  for (const ref of pending) {
    const t = ref.deref();
    if (t && !t._persistent && !inUse.has(t)) {
      try {
        t._release('auto');
      } catch (e) {
        // NOTE: a backend disposed since this step has already freed the handle; anything else is a real error.
        if (!(e instanceof UnknownHandleError)) throw e;
      }
    }
  }
  pending = current;
  current = [];
}
