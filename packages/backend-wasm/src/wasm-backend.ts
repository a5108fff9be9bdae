/**
 * The wasm Backend: storage handles over the allocator, zero-copy reads and writes through heap views, and
 * the kernel tables. Tensor data stays in linear memory from alloc to free; only pointers and sizes cross
 * into Rust.
 */
import { ArgumentError, BackendError, UnknownHandleError } from '@cp/core';
import type { Backend, DType, Handle, StorageStats, TypedArray } from '@cp/core/backend';
import { Allocator } from './allocator.js';
import { Ctx, SCRATCH_BYTES } from './context.js';
import { makeFused } from './fused.js';
import { Heap } from './heap.js';
import { makeKernels } from './kernels.js';
import { type LoadOptions, loadKernels } from './load.js';
import { Storage, WasmHandleError } from './storage.js';

/** Options of `createWasmBackend`. */
export interface WasmBackendOptions extends LoadOptions {
  /**
   * Upper bound on linear memory in bytes (default 4 GiB, the wasm32 maximum); beyond it `alloc` throws
   * `WasmOutOfMemoryError` (an `OutOfMemoryError`).
   */
  maxMemoryBytes?: number;
}

/** The wasm backend, with a few extras for tests and diagnostics. */
export interface WasmBackend extends Backend {
  /** Which build is running. */
  readonly variant: 'simd128' | 'relaxed-simd' | 'custom';
  /** The instance's linear memory. */
  readonly memory: WebAssembly.Memory;
  /** A zero-copy view of a handle's storage, valid until the next alloc or kernel call. */
  view(handle: Handle): TypedArray;
}

const arrayDtype = (a: TypedArray): DType =>
  a instanceof Float32Array ? 'float32' : a instanceof Int32Array ? 'int32' : 'bool';

/** The validated memory limit: a positive number of bytes, capped at the wasm32 maximum of 4 GiB. */
function memoryLimit(maxMemoryBytes: number | undefined): number {
  if (maxMemoryBytes === undefined) return 2 ** 32;
  if (typeof maxMemoryBytes !== 'number' || !(maxMemoryBytes > 0)) {
    throw new ArgumentError(
      `createWasmBackend: maxMemoryBytes must be a positive number of bytes, got ${String(maxMemoryBytes)}`,
    );
  }
  return Math.min(Math.floor(maxMemoryBytes), 2 ** 32);
}

/** Instantiates the kernels and returns a ready backend. */
export async function createWasmBackend(opts: WasmBackendOptions = {}): Promise<WasmBackend> {
  const { exports: k, variant } = await loadKernels(opts);
  const memory = k.memory;
  const limit = memoryLimit(opts.maxMemoryBytes);
  const allocator = new Allocator(memory, k.__heap_base.value as number, limit);
  const heap = new Heap(memory);
  const storage = new Storage(allocator);
  const ctx = new Ctx(k, heap, storage, allocator, allocator.alloc(SCRATCH_BYTES, 'the kernel scratch block'));
  let disposed = false;
  const live = (op: string) => {
    if (!disposed) return;
    if (op === 'alloc') throw new BackendError('wasm backend: alloc: the backend is disposed; create a new one');
    throw new UnknownHandleError(`wasm backend: ${op}: the backend is disposed, its handles are freed`);
  };
  const kernels = makeKernels(ctx);
  const fused = makeFused(ctx);

  const readSync = (h: Handle): TypedArray => {
    live('readSync');
    const e = storage.get(h, 'readSync');
    return heap.view(e.dtype, e.ptr, e.size).slice();
  };

  return {
    name: 'wasm',
    variant,
    memory,
    capabilities: { sync: true, inPlace: true },
    kernels,
    fused,
    alloc(dtype: DType, size: number): Handle {
      live('alloc');
      return storage.alloc(dtype, size);
    },
    free(h: Handle): void {
      live('free');
      storage.free(h);
    },
    write(h: Handle, data: TypedArray, offset = 0): void {
      live('write');
      const e = storage.get(h, 'write');
      if (arrayDtype(data) !== e.dtype)
        throw new WasmHandleError(`write of ${arrayDtype(data)} data into ${e.dtype} storage`);
      if (!Number.isInteger(offset) || offset < 0 || offset + data.length > e.size) {
        throw new WasmHandleError(`write of ${data.length} elements at ${offset} into storage of ${e.size}`);
      }
      heap.view(e.dtype, e.ptr, e.size).set(data, offset);
    },
    readSync,
    read: async (h: Handle) => readSync(h),
    view(h: Handle): TypedArray {
      live('view');
      const e = storage.get(h, 'view');
      return heap.view(e.dtype, e.ptr, e.size);
    },
    stats(): StorageStats {
      return { handles: storage.handles, bytes: storage.liveBytes, reservedBytes: memory.buffer.byteLength };
    },
    dispose(): void {
      storage.clear();
      disposed = true;
    },
  };
}
