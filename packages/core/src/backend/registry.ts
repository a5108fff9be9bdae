/**
 * Which backend new tensors go to. Backends are registered by name with a factory (sync or async) and a
 * priority; nothing registers itself on import. With nothing chosen, the highest-priority registered
 * backend that can be made synchronously is used. Each registered factory runs at most once at a time: its
 * pending promise is shared by concurrent `setBackend(name)` calls, so they all get the same instance.
 * Anything made current is checked to be a Backend first (a forgotten `await` is named as such).
 */
import { BackendError } from '../errors.js';
import type { Backend, BackendFactory } from './backend.js';

interface Entry {
  factory: BackendFactory;
  priority: number;
  instance: Backend | null;
  /** The instance being made by an async factory. */
  pending: Promise<Backend> | null;
  /** The factory returned a promise once (or is an `async` function): `getBackend` never calls it. */
  async: boolean;
}

const entries = new Map<string, Entry>();
let current: Backend | null = null;
/** Bumped by every call that chooses a backend, so a slow `setBackend` does not override a later choice. */
let choice = 0;

const MEMBERS = ['alloc', 'free', 'write', 'readSync', 'read', 'stats', 'dispose'] as const;

const isThenable = (x: unknown): x is PromiseLike<unknown> =>
  (typeof x === 'object' || typeof x === 'function') &&
  x !== null &&
  typeof (x as PromiseLike<unknown>).then === 'function';

const isAsyncFunction = (f: unknown): boolean => typeof f === 'function' && f.constructor?.name === 'AsyncFunction';

function describe(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'object') return `an object without ${missing(x).join(', ')}`;
  if (typeof x === 'function') return `a function${x.name ? ` (${x.name})` : ''}; call it to make the backend`;
  return `${typeof x} ${String(x)}`;
}

function missing(x: object): string[] {
  const o = x as Record<string, unknown>;
  const gone: string[] = MEMBERS.filter((m) => typeof o[m] !== 'function');
  for (const m of ['kernels', 'fused', 'capabilities']) if (typeof o[m] !== 'object' || o[m] === null) gone.push(m);
  if (typeof o.name !== 'string') gone.push('name');
  return gone;
}

/**
 * `x` as a Backend, or a BackendError saying what it is instead. `op` names the caller, `fix` is how to
 * write the call with the backend awaited.
 */
function asBackend(x: unknown, op: string, fix: string): Backend {
  if (isThenable(x)) throw new BackendError(`${op}: got a Promise, not a Backend: write ${fix}`);
  if (typeof x === 'object' && x !== null && missing(x).length === 0) return x as Backend;
  throw new BackendError(
    `${op}: expected a Backend (an object with alloc, free, write, readSync, read, stats, kernels, fused, ` +
      `dispose) or the name of a registered backend, got ${describe(x)}`,
  );
}

/** Registers a backend factory under `name`. A higher `priority` wins when no backend was set. */
export function registerBackend(name: string, factory: BackendFactory, priority = 0): void {
  if (typeof name !== 'string' || name === '') {
    throw new BackendError(`registerBackend: the name must be a non-empty string, got ${String(name)}`);
  }
  if (typeof factory !== 'function') {
    throw new BackendError(`registerBackend: the factory of '${name}' must be a function, got ${describe(factory)}`);
  }
  if (entries.has(name)) throw new BackendError(`registerBackend: a backend named '${name}' is already registered`);
  entries.set(name, { factory, priority, instance: null, pending: null, async: isAsyncFunction(factory) });
}

/** Removes a registered backend (and makes it not current). */
export function removeBackend(name: string): void {
  const e = entries.get(name);
  if (e?.instance && e.instance === current) current = null;
  entries.delete(name);
}

/** Names of the registered backends, highest priority first. */
export function backendNames(): string[] {
  return [...entries.entries()].sort((a, b) => b[1].priority - a[1].priority).map(([n]) => n);
}

function entryOf(name: string, op: string): Entry {
  const e = entries.get(name);
  if (!e) {
    throw new BackendError(`${op}: no backend named '${name}' (registered: ${backendNames().join(', ') || 'none'})`);
  }
  return e;
}

/**
 * Calls the factory of `e` unless an instance exists or is being made. An async result is kept in
 * `e.pending` (so the work is never started twice nor dropped) and observed, so a failure surfaces only to
 * whoever awaits it and the next call tries again.
 */
function start(name: string, e: Entry): Backend | Promise<Backend> {
  if (e.instance) return e.instance;
  if (e.pending) return e.pending;
  const op = `backend '${name}': its factory`;
  const made: unknown = e.factory();
  if (!isThenable(made)) {
    e.instance = asBackend(made, op, 'a factory that returns a Backend');
    return e.instance;
  }
  e.async = true;
  // NOTE: Promise.resolve flattens nested thenables, so `b` is never a Promise here.
  const pending = Promise.resolve(made).then(
    (b) => {
      const backend = asBackend(b, op, 'a factory that resolves to a Backend');
      if (e.pending === pending) {
        e.instance = backend;
        e.pending = null;
      }
      return backend;
    },
    (err: unknown) => {
      if (e.pending === pending) e.pending = null;
      throw err;
    },
  );
  e.pending = pending;
  pending.catch(() => {});
  return pending;
}

/**
 * Makes a backend current: an instance, or the name of a registered one (made on first use, which may be
 * async; concurrent calls share one instance). Returns the backend. When calls overlap, the one made last
 * stays current. A Promise (a forgotten inner `await`) is rejected with a BackendError saying so.
 */
export async function setBackend(backend: Backend | string): Promise<Backend> {
  const ticket = ++choice;
  let made: Backend;
  if (typeof backend === 'string') made = await start(backend, entryOf(backend, 'setBackend'));
  else made = asBackend(backend, 'setBackend', 'setBackend(await createWasmBackend())');
  if (ticket === choice) current = made;
  return made;
}

/** Synchronous `setBackend` for an instance, or a registered backend whose factory is synchronous. */
export function setBackendSync(backend: Backend | string): Backend {
  choice++;
  if (typeof backend !== 'string') {
    current = asBackend(backend, 'setBackendSync', 'setBackendSync(await createWasmBackend()), or await setBackend');
    return current;
  }
  const e = entryOf(backend, 'setBackendSync');
  const made = e.instance ?? (e.async || e.pending ? null : start(backend, e));
  if (made === null || made instanceof Promise) {
    throw new BackendError(
      `setBackendSync: backend '${backend}' is created asynchronously; use await setBackend('${backend}')`,
    );
  }
  current = made;
  return current;
}

/**
 * The current backend. With none set, the highest-priority registered backend that can be made
 * synchronously becomes current; async factories are skipped (and named in the error when none is left).
 */
export function getBackend(): Backend {
  if (current) return current;
  const skipped: string[] = [];
  for (const name of backendNames()) {
    const e = entries.get(name)!;
    if (!e.instance && (e.async || e.pending)) {
      skipped.push(name);
      continue;
    }
    const made = start(name, e);
    if (made instanceof Promise) {
      skipped.push(name);
      continue;
    }
    current = made;
    return made;
  }
  if (skipped.length > 0) {
    const names = skipped.map((n) => `'${n}'`).join(', ');
    throw new BackendError(
      `no backend: the registered backends ${names} are created asynchronously; call await setBackend('${skipped[0]}') first`,
    );
  }
  throw new BackendError(
    "no backend: call setBackend(createJsBackend()) from '@cp/backend-js' (or await setBackend(await createWasmBackend()))",
  );
}
