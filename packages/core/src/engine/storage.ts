/**
 * Storage: one backend handle shared by every tensor that views it (reshape shares, it does not copy).
 * The reference count lives here, once; the backend only allocates and frees. When storage is
 * released is decided in engine/lifetime.ts.
 */
import type { Backend } from '../backend/backend.js';
import type { DType } from '../backend/dtype.js';
import type { Handle } from '../backend/kernels.js';

/** A block of backend storage and the number of live tensors that view it. */
export class Storage {
  refs = 1;
  constructor(
    readonly backend: Backend,
    readonly handle: Handle,
    readonly dtype: DType,
    readonly size: number,
  ) {
    live.add(this);
  }

  /** Drops one reference; frees the handle when none are left. */
  release(): void {
    if (--this.refs === 0) {
      live.delete(this);
      this.backend.free(this.handle);
    }
  }
}

/** Every storage not yet freed, for `memory()`. */
export const live = new Set<Storage>();

/** Allocates storage on `backend`. */
export function allocStorage(backend: Backend, dtype: DType, size: number): Storage {
  return new Storage(backend, backend.alloc(dtype, size), dtype, size);
}
