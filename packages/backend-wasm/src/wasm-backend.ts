/**
 * The wasm Backend: storage handles over the allocator, zero-copy reads and writes through heap views, and
 * the kernel tables. Tensor data stays in linear memory from alloc to free; only pointers and sizes cross
 * into Rust.
 */
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
  /** Upper bound on linear memory in bytes (default 4 GiB, the wasm32 maximum). */
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

/** Instantiates the kernels and returns a ready backend. */
export async function createWasmBackend(opts: WasmBackendOptions = {}): Promise<WasmBackend> {
  const { exports: k, variant } = await loadKernels(opts);
  const memory = k.memory;
  const limit = Math.min(opts.maxMemoryBytes ?? 2 ** 32, 2 ** 32);
  const allocator = new Allocator(memory, k.__heap_base.value as number, limit);
  const heap = new Heap(memory);
  const storage = new Storage(allocator);
  const ctx = new Ctx(k, heap, storage, allocator, allocator.alloc(SCRATCH_BYTES));
  let disposed = false;
  const live = () => {
    if (disposed) throw new WasmHandleError('backend is disposed');
  };
  const kernels = makeKernels(ctx);
  const fused = makeFused(ctx);

  const readSync = (h: Handle): TypedArray => {
    live();
    const e = storage.get(h);
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
      live();
      return storage.alloc(dtype, size);
    },
    free(h: Handle): void {
      live();
      storage.free(h);
    },
    write(h: Handle, data: TypedArray, offset = 0): void {
      live();
      const e = storage.get(h);
      if (arrayDtype(data) !== e.dtype)
        throw new WasmHandleError(`write of ${arrayDtype(data)} data into ${e.dtype} storage`);
      if (offset < 0 || offset + data.length > e.size) {
        throw new WasmHandleError(`write of ${data.length} elements at ${offset} into storage of ${e.size}`);
      }
      heap.view(e.dtype, e.ptr, e.size).set(data, offset);
    },
    readSync,
    read: async (h: Handle) => readSync(h),
    view(h: Handle): TypedArray {
      live();
      const e = storage.get(h);
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
