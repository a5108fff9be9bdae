/**
 * Handles of the wasm backend: each maps to a block of linear memory (pointer, element count, dtype).
 * The handle table lives in TypeScript; Rust never stores tensors, so there is no second refcount.
 * Size-0 tensors get a handle but no block.
 */
import type { DType, Handle } from '@cp/core/backend';
import { WIDTH } from './abi.js';
import type { Allocator } from './allocator.js';

/** Thrown for an unknown, freed or too small handle. */
export class WasmHandleError extends Error {
  constructor(message: string) {
    super(`wasm backend: ${message}`);
    this.name = 'WasmHandleError';
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
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`wasm backend: alloc of invalid size ${size}`);
    const bytes = size * WIDTH[dtype];
    const ptr = bytes === 0 ? 0 : this.allocator.alloc(bytes);
    const h = this.next++;
    this.entries.set(h, { ptr, size, dtype });
    this.bytes += bytes;
    return h;
  }

  /** Frees a handle; throws if it is unknown or already freed. */
  free(h: Handle): void {
    const e = this.entries.get(h);
    if (e === undefined) throw new WasmHandleError(`free of unknown or already freed handle ${h}`);
    this.entries.delete(h);
    this.bytes -= e.size * WIDTH[e.dtype];
    if (e.ptr !== 0) this.allocator.release(e.ptr);
  }

  /** The entry of a live handle. */
  get(h: Handle): Entry {
    const e = this.entries.get(h);
    if (e === undefined) throw new WasmHandleError(`unknown or freed handle ${h}`);
    return e;
  }

  /** Drops every handle (the memory itself goes with the instance). */
  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}
