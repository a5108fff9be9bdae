/**
 * The one lifetime rule. Every tensor cp computes from a model belongs to an iteration: the current
 * iteration of the model whose top-level `call()` made it (or made its inputs), or, for code without a
 * Module, the current `backward()` step. A model's next iteration begins when it is called after a result
 * of the current one was consumed (read with item()/toArray()/data(), run through backward(), or an op on
 * it failed); then the iteration before the previous one is freed, except tensors passed to `keep()` and
 * what a graph still waiting for backward() needs. Tensors made from plain data (no model, no recorded op)
 * are freed by the garbage collector; `tidy(fn)` frees what `fn` made as soon as it returns, and every op
 * runs in such a scope (engine/dispatch.ts `withOp`), so an op's own temporaries never outlive it.
 *
 * So the loops people write (training, evaluation under noGrad, inference, a forward without backward,
 * two models trained in turn, failed steps, retainGrad) keep memory flat with no tidy or dispose, and a
 * tensor stays usable through the next iteration of its model.
 */
import { UnknownHandleError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { live, type Storage } from './storage.js';

let nextSeq = 0;

/** One iteration of a clock: the tensors made in it, released together. */
export class Iteration {
  /** Global creation order, so "the youngest iteration among the inputs" is well defined. */
  readonly seq = nextSeq++;
  readonly tensors: Tensor[] = [];
  constructor(
    readonly clock: Clock,
    /** 0 for the clock's first iteration. */
    readonly index: number,
  ) {}
}

/** The iterations of one model (or of the backward() steps of Module-free code). */
export class Clock {
  current = new Iteration(this, 0);
  previous: Iteration | null = null;
  /** A result of `current` was consumed: the next top-level call starts a new iteration. */
  consumed = false;
  constructor(
    /** Who iterates, for messages: the model's class name, or 'backward()'. */
    readonly owner: string,
  ) {}
}

/** The clock of Module-free code: it ticks at every top-level backward(). */
const stepClock = new Clock('backward()');
const clocks = new WeakMap<object, Clock>();
/** Every clock that has live iterations, for the out-of-memory census (weakly, so models can be dropped). */
const allClocks = new Set<WeakRef<Clock>>([new WeakRef(stepClock)]);
/** The iteration of the top-level module call running now, if any. */
let activeCall: Iteration | null = null;
let callDepth = 0;

// ---- garbage collection ----------------------------------------------------------------------------

/** Releases a tensor's storage when the tensor object is collected without having been disposed or released. */
export const collector = new FinalizationRegistry<Storage>((s) => {
  if (!live.has(s)) return;
  try {
    s.release();
  } catch {
    // NOTE: a finalizer must never throw (it would surface as an uncaught error). The only way release()
    // fails here is a backend disposed before its tensors were collected, which has freed everything.
    live.delete(s);
  }
});

// ---- tidy scopes ---------------------------------------------------------------------------------

const scopes: Tensor[][] = [];

/** True inside `tidy` (model calls there do not start iterations). */
export function inScope(): boolean {
  return scopes.length > 0;
}

/** The iteration a tensor made now from `inputs` joins: the running call's, else the youngest input's. */
function iterationFor(inputs: readonly Tensor[] | undefined): Iteration | null {
  let it = activeCall;
  if (!it && inputs) {
    for (const i of inputs) {
      const cur = i._iter?.clock.current;
      if (cur && (!it || cur.seq > it.seq)) it = cur;
    }
  }
  return it;
}

/** Places a new tensor: in the innermost tidy scope, and in the iteration it belongs to. */
export function adopt(t: Tensor, inputs: readonly Tensor[] | undefined): void {
  if (scopes.length > 0) scopes[scopes.length - 1].push(t);
  const it = iterationFor(inputs);
  if (it) join(t, it);
}

/**
 * A tensor that just got a graph node over `inputs` joins their iteration, or the current backward() step,
 * unless it already has one.
 */
export function adoptRecorded(t: Tensor, inputs: readonly Tensor[]): void {
  if (!t._iter) join(t, iterationFor(inputs) ?? stepClock.current);
}

/** Puts `t` in the current iteration of `like`'s clock (a retained gradient lives as long as its tensor). */
export function adoptLike(t: Tensor, like: Tensor): void {
  if (like._iter && !t._iter) join(t, like._iter.clock.current);
}

function join(t: Tensor, it: Iteration): void {
  t._iter = it;
  it.tensors.push(t);
}

/** Hands a tensor to the innermost tidy scope (for a kept gradient an op takes over and must free). */
export function track(t: Tensor): void {
  if (scopes.length > 0) scopes[scopes.length - 1].push(t);
}

/**
 * Marks a tensor as kept: the enclosing `tidy` does not dispose it and its iteration never frees it. Returns
 * it.
 */
export function keep<T extends Tensor>(t: T): T {
  t._persistent = true;
  for (const scope of scopes) {
    const i = scope.lastIndexOf(t);
    if (i >= 0) scope.splice(i, 1);
  }
  return t;
}

function collectTensors(value: unknown, out: Set<Tensor>, seen: Set<object>): void {
  if (!value || typeof value !== 'object' || seen.has(value)) return;
  if (isTensorFn!(value)) {
    out.add(value);
    return;
  }
  // NOTE: only arrays and plain objects can hold returned tensors; walking a returned typed array element by
  // element made `tidy(() => t.dataSync())` 200 times slower than the read itself.
  if (ArrayBuffer.isView(value)) return;
  seen.add(value);
  if (Array.isArray(value)) for (const v of value) collectTensors(v, out, seen);
  else if (value instanceof Map) for (const v of value.values()) collectTensors(v, out, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype)
    for (const v of Object.values(value)) collectTensors(v, out, seen);
}

/**
 * The roots plus every tensor in `within` that their graphs still reference (through nodes not yet
 * consumed by backward). Only tensors `within` are entered, so the walk costs their number.
 */
function graphClosure(roots: Iterable<Tensor>, within: (t: Tensor) => boolean): Set<Tensor> {
  const seen = new Set<Tensor>(roots);
  const stack = [...seen];
  while (stack.length > 0) {
    const node = stack.pop()!._node;
    if (!node?.rule) continue;
    for (const list of [node.inputs, node.saved]) {
      for (const t of list) {
        if (!seen.has(t) && within(t)) {
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
  // NOTE: the common case of an op's scope (only its result was made, or nothing) skips the graph walk.
  if (scope.length === 0) return result;
  if (scope.length === 1 && scope[0] === (result as unknown)) {
    if (scopes.length > 0) scopes[scopes.length - 1].push(scope[0]);
    return result;
  }
  const results = new Set<Tensor>();
  collectTensors(result, results, new Set());
  const inScopeSet = new Set(scope);
  const survivors = graphClosure(results, (t) => inScopeSet.has(t));
  const outer = scopes.length > 0 ? scopes[scopes.length - 1] : null;
  // NOTE: what survives only because a returned graph saved it (an op's index table, mask or divisor made
  // from plain data) lives as long as that graph: it joins the youngest returned tensor's iteration.
  const owner = iterationFor([...results]);
  for (const t of scope) {
    if (!survivors.has(t)) t.dispose();
    else {
      outer?.push(t);
      if (owner && !t._iter && !results.has(t)) join(t, owner);
    }
  }
  return result;
}

// ---- iterations ----------------------------------------------------------------------------------

function clockOf(model: object, owner: string): Clock {
  let c = clocks.get(model);
  if (!c) {
    c = new Clock(owner);
    clocks.set(model, c);
    allClocks.add(new WeakRef(c));
  }
  return c;
}

/**
 * Starts a new iteration of `clock`: frees the one before the previous, except kept tensors and what the
 * graphs of the previous and current iterations (and `inUse`) still need, which move to the previous one.
 */
function advance(clock: Clock, inUse: readonly Tensor[] = []): void {
  const old = clock.previous;
  const prev = clock.current;
  clock.previous = prev;
  clock.current = new Iteration(clock, prev.index + 1);
  clock.consumed = false;
  if (!old) return;
  const roots = [...inUse, ...prev.tensors.filter((t) => t._node?.rule)];
  const needed = graphClosure(roots, (t) => t._iter === old || t._iter === prev);
  for (const t of old.tensors) {
    if (t._iter !== old || t._persistent || t.isDisposed) continue;
    if (needed.has(t)) join(t, prev);
    else releaseQuietly(t);
  }
  old.tensors.length = 0;
}

function releaseQuietly(t: Tensor): void {
  try {
    t._release('auto');
  } catch (e) {
    // NOTE: a backend disposed since the iteration has already freed the handle; anything else is a real error.
    if (!(e instanceof UnknownHandleError)) throw e;
  }
}

/**
 * Runs a module's `call` body. A top-level call (not inside another call or a `tidy`) starts the model's
 * next iteration when the current one was consumed, and every tensor made during it joins that iteration.
 */
export function runModuleCall<T>(model: object, owner: string, body: () => T): T {
  if (callDepth > 0 || scopes.length > 0) {
    callDepth++;
    try {
      return body();
    } finally {
      callDepth--;
    }
  }
  const clock = clockOf(model, owner);
  if (clock.consumed) advance(clock);
  activeCall = clock.current;
  callDepth = 1;
  try {
    return body();
  } catch (e) {
    // NOTE: a failed call ends the iteration like a read would, so a loop of failing steps stays flat.
    clock.consumed = true;
    throw e;
  } finally {
    callDepth = 0;
    activeCall = null;
  }
}

/** A result was read: its model's next call starts a new iteration. */
export function noteRead(t: Tensor): void {
  if (t._iter) t._iter.clock.consumed = true;
}

/** An op failed: every model's current iteration counts as consumed, so a loop of failing steps stays flat. */
export function noteFailure(): void {
  for (const ref of allClocks) {
    const c = ref.deref();
    if (c) c.consumed = true;
  }
}

/**
 * Called by a top-level backward() with the tensors of its graph (`order`): their models' iterations are
 * consumed, and the backward() step of Module-free code advances (the graph being run is kept).
 */
export function noteBackward(order: readonly Tensor[]): void {
  for (const t of order) if (t._iter) t._iter.clock.consumed = true;
  advance(stepClock, order);
}

/** A tensor used after its iteration freed it: what happened and what to do, for DisposedError. */
export function releasedMessage(t: Tensor): string {
  const it = t._iter;
  if (!it) return 'was disposed and can no longer be used';
  const when =
    it.clock === stepClock
      ? `the backward() of a later training step (it belonged to step ${it.index})`
      : `${it.clock.owner}'s iteration ${it.index + 2} began (it was made in iteration ${it.index}; an iteration ends when the model is called again after a result was read or backpropagated)`;
  return `was released automatically when ${when}; read it with .item()/.toArray() before then, or call keep(t) to hold it longer`;
}

// ---- census ----------------------------------------------------------------------------------------

/** What holds live storage, for the out-of-memory message and `memory()`. */
export interface LifetimeCensus {
  /** Live tensors waiting for their iteration to end, per owner ('MLP', 'backward()', ...). */
  iterations: Record<string, number>;
  /** Live tensors in open tidy scopes (and ops in progress) that no iteration holds. */
  tidy: number;
}

/** Counts the live tensors each part of the rule holds. */
export function census(): LifetimeCensus {
  const out: LifetimeCensus = { iterations: {}, tidy: 0 };
  for (const ref of allClocks) {
    const c = ref.deref();
    if (!c) {
      allClocks.delete(ref);
      continue;
    }
    let n = 0;
    for (const it of [c.previous, c.current])
      for (const t of it?.tensors ?? []) if (!t.isDisposed && !t._persistent) n++;
    if (n > 0) out.iterations[c.owner] = (out.iterations[c.owner] ?? 0) + n;
  }
  // NOTE: a tensor in both an iteration and a scope (an op in progress inside a model call) counts once.
  for (const s of scopes) for (const t of s) if (!t.isDisposed && !t._iter) out.tidy++;
  return out;
}
