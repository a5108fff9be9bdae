/**
 * The one place core reads tensor data back from a backend. `readSync` checks that the backend can read
 * synchronously (`capabilities.sync`) and otherwise throws an `UnsupportedError` naming the op and its async
 * form; `readAsync` works on every backend.
 *
 * Code that reads in the middle of a computation (an optimizer step, gradient clipping, a constraint's
 * feasibility check) is written once, as a `ReadPlan`: a generator that yields each tensor whose data it needs
 * and receives the data back. `runSync` answers the reads at once, `runAsync` awaits them, so a sync API and its
 * async form (`step`/`stepAsync`) are one implementation. Between two reads a plan runs synchronously under
 * `noGrad`, in a `tidy` of its own (so no scope stays open across an `await`); a tensor the plan makes and still
 * needs after a read, it holds with the `Held` list the runner gives it, which the runner frees at the end.
 */
import { noGrad } from '../autograd/grad-mode.js';
import type { TypedArray } from '../backend/dtype.js';
import { UnsupportedError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { keep, tidy } from './lifetime.js';

/** The async plan running now (between two of its reads), for the message of a synchronous read inside it. */
let runningAsync: string | null = null;

/**
 * A copy of `t`'s data, read synchronously. `op` names the caller in the error a backend without synchronous
 * reads gets, and `asyncForm` the call to use instead.
 */
export function readSync(t: Tensor, op: string, asyncForm = 'await t.data()'): TypedArray {
  const storage = t.storage;
  const backend = storage.backend;
  if (!backend.capabilities.sync) {
    const during = runningAsync
      ? ` (inside ${runningAsync}: a constraint or an update rule read tensor data synchronously, which this backend cannot do)`
      : '';
    throw new UnsupportedError(
      `${op}: backend '${backend.name}' cannot read tensor data synchronously (capabilities.sync is false)${during}; use the async form: ${asyncForm}`,
    );
  }
  return backend.readSync(storage.handle);
}

/** A copy of `t`'s data, read asynchronously (every backend). */
export function readAsync(t: Tensor): Promise<TypedArray> {
  const storage = t.storage;
  return storage.backend.read(storage.handle);
}

/**
 * A computation that reads tensor data: it yields each tensor to read and receives that tensor's data. The
 * runner frees a yielded tensor once read (unless it is kept), so yield only tensors the plan made for the read.
 * A plan's result must not contain tensors it held.
 */
export type ReadPlan<T> = Generator<Tensor, T, TypedArray>;

/** Tensors a plan made and needs after one of its reads; the runner frees them when the plan ends. */
export class Held {
  private readonly list: Tensor[] = [];

  /** Keeps `t`, a tensor the plan made (never one it was given), alive until the plan ends. */
  hold<T extends Tensor>(t: T): T {
    this.list.push(keep(t));
    return t;
  }

  /** Hands `t` on: it is no longer freed with the plan and stays kept (the new owner disposes it). */
  release<T extends Tensor>(t: T): T {
    const i = this.list.indexOf(t);
    if (i >= 0) this.list.splice(i, 1);
    return t;
  }

  /** @internal Frees every held tensor (the runner calls it). */
  dispose(): void {
    for (const t of this.list) t.dispose();
    this.list.length = 0;
  }
}

/** The answer to a plan's read: the data, or why reading failed (thrown into the plan, so it can undo). */
type Answer = { data: TypedArray } | { error: unknown };

/** Runs the plan up to its next read (or its end) under noGrad, in a tidy of its own. */
function advance<T>(plan: ReadPlan<T>, answer: Answer | null, asyncOp: string | null): IteratorResult<Tensor, T> {
  const outer = runningAsync;
  // NOTE: a sync plan run from inside an async one (a constraint calling clipGradNorm) keeps the outer name.
  runningAsync = asyncOp ?? outer;
  try {
    return noGrad(() =>
      tidy(() =>
        answer === null ? plan.next() : 'error' in answer ? plan.throw(answer.error) : plan.next(answer.data),
      ),
    );
  } finally {
    runningAsync = outer;
  }
}

/** Frees a tensor the plan yielded, now that it has been read. */
function release(t: Tensor): void {
  if (!t._persistent) t.dispose();
}

/**
 * Runs a plan, reading synchronously; `op` and `asyncForm` go into the error of a backend without synchronous
 * reads. `make` receives the list in which the plan holds tensors across reads.
 */
export function runSync<T>(op: string, make: (held: Held) => ReadPlan<T>, asyncForm: string): T {
  const held = new Held();
  try {
    const plan = make(held);
    let step = advance(plan, null, null);
    while (!step.done) {
      const t = step.value;
      let answer: Answer;
      try {
        answer = { data: readSync(t, op, asyncForm) };
      } catch (error) {
        answer = { error };
      }
      release(t);
      step = advance(plan, answer, null);
    }
    return step.value;
  } finally {
    held.dispose();
  }
}

/** Runs a plan, awaiting every read (works on backends without synchronous reads). `op` names it in errors. */
export async function runAsync<T>(op: string, make: (held: Held) => ReadPlan<T>): Promise<T> {
  const held = new Held();
  try {
    const plan = make(held);
    let step = advance(plan, null, op);
    while (!step.done) {
      const t = step.value;
      let answer: Answer;
      try {
        answer = { data: await readAsync(t) };
      } catch (error) {
        answer = { error };
      }
      release(t);
      step = advance(plan, answer, op);
    }
    return step.value;
  } finally {
    held.dispose();
  }
}

/** A plan step that reads a one-element tensor (which it frees) and returns its value. */
export function* readNumber(t: Tensor): ReadPlan<number> {
  const data = yield t;
  return data[0];
}
