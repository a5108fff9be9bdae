/**
 * `tidy(fn)`: tensors made inside `fn` are disposed when it returns, except those it returns, those passed
 * to `keep()`, and those the returned tensors' autograd graph still needs (so `tidy(() => loss).backward()`
 * works). Survivors move to the enclosing scope.
 */
import type { Tensor } from '../tensor/tensor.js';
import { noteStepTensor } from './auto-release.js';

const scopes: Tensor[][] = [];

/** Called by the engine for every new tensor, and again for step tensors when they get a graph node. */
export function track(t: Tensor, toScope = true): void {
  if (scopes.length > 0) {
    if (toScope) scopes[scopes.length - 1].push(t);
  } else if (t._stepTensor) noteStepTensor(t);
}

/** True inside `tidy` (top-level bookkeeping such as automatic release is off there). */
export function inScope(): boolean {
  return scopes.length > 0;
}

/**
 * Marks a tensor as kept: the enclosing `tidy` does not dispose it and it is never released
 * automatically (see engine/auto-release.ts). Returns it.
 */
export function keep<T extends Tensor>(t: T): T {
  t._persistent = true;
  for (const scope of scopes) {
    const i = scope.lastIndexOf(t);
    if (i >= 0) scope.splice(i, 1);
  }
  return t;
}

function collectTensors(value: unknown, out: Set<Tensor>, isTensor: (v: unknown) => v is Tensor): void {
  if (isTensor(value)) out.add(value);
  else if (Array.isArray(value)) for (const v of value) collectTensors(v, out, isTensor);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) collectTensors(v, out, isTensor);
}

/**
 * The roots plus every tensor of `scope` their graphs still reference. The walk stops at tensors made
 * outside the scope, so it costs the size of the scope, not of the whole graph.
 */
function graphClosure(roots: Set<Tensor>, scope: ReadonlySet<Tensor>): Set<Tensor> {
  const seen = new Set<Tensor>(roots);
  const stack = [...roots];
  while (stack.length > 0) {
    const node = stack.pop()!._node;
    if (!node) continue;
    for (const list of [node.inputs, node.saved]) {
      for (const t of list) {
        if (!seen.has(t) && scope.has(t)) {
          seen.add(t);
          stack.push(t);
        }
      }
    }
  }
  return seen;
}

let isTensorFn: ((v: unknown) => v is Tensor) | null = null;

/** Set once by tensor.ts (avoids an import cycle at module load). */
export function setTensorCheck(fn: (v: unknown) => v is Tensor): void {
  isTensorFn = fn;
}

/**
 * Runs `fn`, then disposes every tensor it made that is not returned, kept, or needed by a returned graph; if
 * `fn` throws, every tensor it made and did not keep.
 */
export function tidy<T>(fn: () => T): T {
  const scope: Tensor[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    // A throwing fn returns nothing, so nothing it made survives (kept tensors are no longer in the scope).
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  const results = new Set<Tensor>();
  collectTensors(result, results, isTensorFn!);
  const survivors = graphClosure(results, new Set(scope));
  for (const t of scope) {
    if (survivors.has(t)) track(t);
    else t.dispose();
  }
  return result;
}
