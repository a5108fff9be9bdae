/**
 * The wasm Backend: storage handles over the allocator, zero-copy reads and writes through heap views, and
 * the kernel tables. Tensor data stays in linear memory from alloc to free; only pointers and sizes cross
 * into Rust. With more than one thread it runs the shared-memory build and a worker pool (pool.ts) that
 * the kernels split their work over.
 */
import { ArgumentError, BackendError, UnknownHandleError } from '@cp/core';
import type { Backend, DType, Handle, StorageStats, TypedArray } from '@cp/core/backend';
import { Allocator } from './allocator.js';
import { Ctx, SCRATCH_BYTES } from './context.js';
import { makeFused } from './fused.js';
import { Heap } from './heap.js';
import { makeKernels } from './kernels.js';
import { type LoadOptions, loadKernels } from './load.js';
import { WorkerPool } from './pool.js';
import { Storage, WasmHandleError } from './storage.js';
import { chooseThreads, detectHost, type ThreadingInfo } from './threading.js';

/** Options of `createWasmBackend`. */
export interface WasmBackendOptions extends LoadOptions {
  /**
   * Upper bound on linear memory in bytes (default 4 GiB, the wasm32 maximum); beyond it `alloc` throws
   * `WasmOutOfMemoryError` (an `OutOfMemoryError`).
   */
  maxMemoryBytes?: number;
  /**
   * Threads that run kernels, this one included: a positive integer, or 'auto' (default) = the number of
   * cores, at most 8, where shared memory is available (Node; a cross-origin isolated page), else 1. More
   * than 1 loads the shared-memory build and starts `threads - 1` workers before the backend resolves. Results
   * are bit-identical for every count. See `backend.threading` for what was chosen and why.
   */
  threads?: number | 'auto';
  /**
   * Testing aid: split every splittable call into the smallest chunks (16 elements, 1 row, 4-row matmul
   * bands), so that small inputs take the threaded paths. Results are the same bits either way.
   */
  tinyChunks?: boolean;
}

/** The wasm backend, with a few extras for tests and diagnostics. */
export interface WasmBackend extends Backend {
  /** Which build is running. */
  readonly variant: 'simd128' | 'relaxed-simd' | 'custom';
  /** The instance's linear memory (a shared one when threaded). */
  readonly memory: WebAssembly.Memory;
  /** How many threads run kernels, and why. */
  readonly threading: ThreadingInfo;
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

/** Wraps every function of a kernel table so that it first checks that the pool is healthy. */
function guarded<T extends object>(table: T, pool: WorkerPool): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(table)) {
    out[name] = (args: unknown) => {
      pool.check(name);
      return (fn as (a: unknown) => unknown)(args);
    };
  }
  return out as T;
}

/** Instantiates the kernels and returns a ready backend. */
export async function createWasmBackend(opts: WasmBackendOptions = {}): Promise<WasmBackend> {
  const limit = memoryLimit(opts.maxMemoryBytes);
  const host = await detectHost();
  const [threads, reason] = chooseThreads(opts.threads, host, opts.wasm !== undefined);
  const { exports: k, variant, memory, module } = await loadKernels(opts, threads > 1, limit);
  const allocator = new Allocator(memory, k.__heap_base.value as number, limit);
  const heap = new Heap(memory);
  const storage = new Storage(allocator);
  const pool =
    module !== null && host.spawn !== null
      ? new WorkerPool(
          { module, memory, exports: k as unknown as Record<string, unknown>, allocator },
          threads,
          host.spawn,
        )
      : null;
  const scratch = allocator.alloc(SCRATCH_BYTES, 'the kernel scratch block');
  await pool?.start();
  const ctx = new Ctx(k, heap, storage, allocator, scratch, pool, opts.tinyChunks === true);
  let disposed = false;
  const live = (op: string) => {
    if (!disposed) return;
    if (op === 'alloc') throw new BackendError('wasm backend: alloc: the backend is disposed; create a new one');
    throw new UnknownHandleError(`wasm backend: ${op}: the backend is disposed, its handles are freed`);
  };
  const kernels = pool ? guarded(makeKernels(ctx), pool) : makeKernels(ctx);
  const fused = pool ? guarded(makeFused(ctx), pool) : makeFused(ctx);
  const requested = opts.threads ?? 'auto';

  const readSync = (h: Handle): TypedArray => {
    live('readSync');
    const e = storage.get(h, 'readSync');
    return heap.view(e.dtype, e.ptr, e.size).slice();
  };

  return {
    name: 'wasm',
    variant,
    memory,
    get threading(): ThreadingInfo {
      return { threads, requested, reason, ready: pool?.ready ?? 0, workerTasks: pool?.workerTasks ?? 0 };
    },
    capabilities: {
      sync: true,
      inPlace: true,
      threads: { count: threads, reason },
      // NOTE: a custom module's instruction set is unknown, so it reports none.
      ...(variant === 'custom' ? {} : { simd: variant }),
    },
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
      pool?.dispose();
      storage.clear();
      disposed = true;
    },
  };
}
