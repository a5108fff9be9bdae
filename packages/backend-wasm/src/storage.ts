/**
 * Handles of the wasm backend: each maps to a block of linear memory (pointer, element count, dtype).
 * The handle table lives in TypeScript; Rust never stores tensors, so there is no second refcount.
 * Size-0 tensors get a handle but no block. An unknown or freed handle throws core's `UnknownHandleError`.
 */
import { ArgumentError, UnknownHandleError, UnsupportedError } from '@cp/core';
import { DTYPES, type DType, type Handle } from '@cp/core/backend';
import { WIDTH } from './abi.js';
import type { Allocator } from './allocator.js';

/** Thrown for a handle that does not fit its use: another dtype, or fewer elements than a kernel or write needs. */
export class WasmHandleError extends ArgumentError {
  override name = 'WasmHandleError';
  constructor(message: string) {
    super(`wasm backend: ${message}`);
  }
}

/** What a handle refers to. */
export interface Entry {
  /** Byte offset in linear memory (0 for size-0 storage). */
  readonly ptr: number;
  /** Element count. */
  readonly size: number;
  readonly dtype: DType;
}

/** The handle table. */
export class Storage {
  private readonly entries = new Map<Handle, Entry>();
  private next = 1;
  private bytes = 0;

  constructor(private readonly allocator: Allocator) {}

  /** Live handles. */
  get handles(): number {
    return this.entries.size;
  }

  /** Requested bytes of the live handles. */
  get liveBytes(): number {
    return this.bytes;
  }

  /** Allocates storage for `size` elements. */
  alloc(dtype: DType, size: number): Handle {
    if (!Object.hasOwn(WIDTH, dtype)) {
      throw new UnsupportedError(`wasm backend: alloc: dtype '${String(dtype)}' is not one of ${DTYPES.join(', ')}`);
    }
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new ArgumentError(`wasm backend: alloc: size must be a non-negative integer, got ${size}`);
    }
    const bytes = size * WIDTH[dtype];
    const ptr = bytes === 0 ? 0 : this.allocator.alloc(bytes, `${size} ${dtype}`);
    const h = this.next++;
    this.entries.set(h, { ptr, size, dtype });
    this.bytes += bytes;
    return h;
  }

  /** Frees a handle; throws if it is unknown or already freed. */
  free(h: Handle): void {
    const e = this.entries.get(h);
    if (e === undefined) throw new UnknownHandleError(`wasm backend: free of unknown or already freed handle ${h}`);
    this.entries.delete(h);
    this.bytes -= e.size * WIDTH[e.dtype];
    if (e.ptr !== 0) this.allocator.release(e.ptr);
  }

  /** The entry of a live handle; `op` names the caller in the error. */
  get(h: Handle, op = 'kernel'): Entry {
    const e = this.entries.get(h);
    if (e === undefined) throw new UnknownHandleError(`wasm backend: ${op}: unknown or freed handle ${h}`);
    return e;
  }

  /** Drops every handle (the memory itself goes with the instance). */
  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}
