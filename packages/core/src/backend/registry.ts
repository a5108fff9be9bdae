/**
 * Which backend new tensors go to. Backends are registered by name with a factory (sync or async) and a
 * priority; nothing registers itself on import. With nothing chosen, the highest-priority registered
 * backend that can be made synchronously is used.
 */
import { BackendError } from '../errors.js';
import type { Backend, BackendFactory } from './backend.js';

interface Entry {
  factory: BackendFactory;
  priority: number;
  instance: Backend | null;
}

const entries = new Map<string, Entry>();
let current: Backend | null = null;

/** Registers a backend factory under `name`. A higher `priority` wins when no backend was set. */
export function registerBackend(name: string, factory: BackendFactory, priority = 0): void {
  if (entries.has(name)) throw new BackendError(`registerBackend: a backend named '${name}' is already registered`);
  entries.set(name, { factory, priority, instance: null });
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

async function instantiate(name: string): Promise<Backend> {
  const e = entries.get(name);
  if (!e) {
    throw new BackendError(
      `setBackend: no backend named '${name}' (registered: ${backendNames().join(', ') || 'none'})`,
    );
  }
  e.instance ??= await e.factory();
  return e.instance;
}

/**
 * Makes a backend current: an instance, or the name of a registered one (made on first use, which may be
 * async). Returns the backend.
 */
export async function setBackend(backend: Backend | string): Promise<Backend> {
  current = typeof backend === 'string' ? await instantiate(backend) : backend;
  return current;
}

/** Synchronous `setBackend` for an instance, or a registered backend whose factory is synchronous. */
export function setBackendSync(backend: Backend | string): Backend {
  if (typeof backend !== 'string') {
    current = backend;
    return current;
  }
  const e = entries.get(backend);
  if (!e) throw new BackendError(`setBackendSync: no backend named '${backend}'`);
  if (!e.instance) {
    const made = e.factory();
    if (made instanceof Promise) {
      throw new BackendError(
        `setBackendSync: backend '${backend}' is created asynchronously; use await setBackend('${backend}')`,
      );
    }
    e.instance = made;
  }
  current = e.instance;
  return current;
}

/** The current backend. Throws a clear error when none is set or registered. */
export function getBackend(): Backend {
  if (current) return current;
  for (const name of backendNames()) {
    const e = entries.get(name)!;
    const made = e.instance ?? e.factory();
    if (!(made instanceof Promise)) {
      e.instance = made;
      current = made;
      return made;
    }
  }
  throw new BackendError(
    "no backend: call setBackend(createJsBackend()) from '@cp/backend-js' (or await setBackend(await createWasmBackend()))",
  );
}
