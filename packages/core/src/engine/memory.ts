/**
 * `memory()`: live tensors' storage per backend, as core counts it and as the backend reports it; and the
 * advice an out-of-memory error carries (what holds memory, by the lifetime rule's parts, and what to do).
 */
import type { Backend, StorageStats } from '../backend/backend.js';
import { BYTES_PER_ELEMENT } from '../backend/dtype.js';
import { census } from './lifetime.js';
import { live } from './storage.js';

/** What `memory()` reports. */
export interface MemoryInfo {
  /** Storage blocks alive (tensors that share storage through views count once). */
  storages: number;
  /** Bytes those blocks hold. */
  bytes: number;
  /**
   * The same, per backend, with the backend's own stats; keyed by backend name, and a second live backend with
   * a name already taken gets `name#2` (then `#3`, ...), in the order their storage is met.
   */
  byBackend: Record<string, { storages: number; bytes: number; backend: StorageStats }>;
  /** Live tensors the lifetime rule holds: per model (last two iterations) and in open tidy scopes. */
  held: { iterations: Record<string, number>; tidy: number };
}

/** Counts live storage, per backend. */
export function memory(): MemoryInfo {
  const c = census();
  const info: MemoryInfo = { storages: 0, bytes: 0, byBackend: {}, held: { iterations: c.iterations, tidy: c.tidy } };
  const keys = new Map<Backend, string>();
  for (const s of live) {
    const bytes = s.size * BYTES_PER_ELEMENT[s.dtype];
    info.storages++;
    info.bytes += bytes;
    let key = keys.get(s.backend);
    if (key === undefined) {
      key = s.backend.name;
      for (let k = 2; Object.hasOwn(info.byBackend, key); k++) key = `${s.backend.name}#${k}`;
      keys.set(s.backend, key);
      info.byBackend[key] = { storages: 0, bytes: 0, backend: s.backend.stats() };
    }
    const entry = info.byBackend[key];
    entry.storages++;
    entry.bytes += bytes;
  }
  return info;
}

/** What an out-of-memory error adds to the backend's message: what is live, of which kinds, and what to do. */
export function outOfMemoryAdvice(): string {
  const m = memory();
  const iterations = Object.entries(m.held.iterations).map(
    ([owner, n]) => `${n} held by ${owner}'s last two iterations`,
  );
  const held = Object.values(m.held.iterations).reduce((a, b) => a + b, 0) + m.held.tidy;
  const parts = [...iterations, `${m.held.tidy} in open tidy() scopes and ops in progress`];
  return (
    `cp has ${m.storages} live storages (${(m.bytes / 2 ** 20).toFixed(1)} MiB) and ${held} tensors held: ${parts.join(', ')}; ` +
    'the rest are parameters, buffers, gradients, optimizer state, keep()-ed tensors, and tensors made from plain data, ' +
    'which only dispose(), tidy() or the garbage collector free. To free memory: read or backpropagate each ' +
    "iteration's result so the model's next call frees older iterations; in a loop that never awaits, tidy() or " +
    'dispose() the tensors it makes from data; keep() only what you need; or raise the backend memory limit.'
  );
}
