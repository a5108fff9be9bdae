/** `memory()`: live tensors' storage per backend, as core counts it and as the backend reports it. */
import type { StorageStats } from '../backend/backend.js';
import { BYTES_PER_ELEMENT } from '../backend/dtype.js';
import { live } from './storage.js';

/** What `memory()` reports. */
export interface MemoryInfo {
  /** Storage blocks alive (tensors that share storage through views count once). */
  storages: number;
  /** Bytes those blocks hold. */
  bytes: number;
  /** The same, per backend name, with the backend's own stats. */
  byBackend: Record<string, { storages: number; bytes: number; backend: StorageStats }>;
}

/** Counts live storage, per backend. */
export function memory(): MemoryInfo {
  const info: MemoryInfo = { storages: 0, bytes: 0, byBackend: {} };
  for (const s of live) {
    const bytes = s.size * BYTES_PER_ELEMENT[s.dtype];
    info.storages++;
    info.bytes += bytes;
    info.byBackend[s.backend.name] ??= { storages: 0, bytes: 0, backend: s.backend.stats() };
    const entry = info.byBackend[s.backend.name];
    entry.storages++;
    entry.bytes += bytes;
  }
  return info;
}
