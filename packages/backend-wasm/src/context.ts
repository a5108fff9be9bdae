/**
 * What every kernel wrapper needs: the exports, the heap, handle -> pointer lookups that check the storage
 * is large enough (so a bad argument throws instead of corrupting another tensor), and the preallocated
 * i32 scratch block through which shapes and strides reach Rust, and `par`, which splits a kernel call into
 * tasks for the worker pool of a threaded backend.
 */
import { UnsupportedError } from '@cp/core';
import type { DType, Handle } from '@cp/core/backend';
import { type KernelExports, MAX_RANK } from './abi.js';
import type { Allocator } from './allocator.js';
import type { Heap } from './heap.js';
import type { TaskFunction, WorkerPool } from './pool.js';
import type { Storage } from './storage.js';
import { WasmHandleError } from './storage.js';
import { MAX_TASKS } from './worker-source.js';

/** Bytes of the scratch block: a shape and up to three stride arrays of MAX_RANK i32 each. */
export const SCRATCH_BYTES = 4 * 4 * MAX_RANK;

/** The product of a shape. */
export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Kernel-call helpers over one instance. */
export class Ctx {
  constructor(
    readonly k: KernelExports,
    readonly heap: Heap,
    readonly storage: Storage,
    private readonly allocator: Allocator,
    private readonly scratch: number,
    /** The worker pool of a threaded backend, or null. */
    readonly pool: WorkerPool | null = null,
    /** Split into the smallest chunks (a testing aid: exercises the split paths on small inputs). */
    private readonly tiny = false,
  ) {}

  /** The chunk (or matmul band, or flop threshold) to use: `normal`, or `small` under `tinyChunks`. */
  grain(normal: number, small: number): number {
    return this.tiny ? small : normal;
  }

  /**
   * Runs task export `fn` over `units` units in chunks of `chunk` (args, then the chunk, then the task index)
   * on the pool, and returns true; returns false, having run nothing, when there is no pool or the call
   * makes fewer than 2 chunks (the caller then runs the whole-call kernel). NOTE: the chunk depends on the
   * shape only (raised to a multiple of 16 only when there would be more than MAX_TASKS), never on the
   * thread count, and each task computes its units exactly as the whole call would: same bits on any pool.
   * Element chunks are multiples of 4 so that SIMD groups fall where the whole call puts them.
   */
  par(op: string, fn: TaskFunction, args: readonly number[], units: number, chunk: number): boolean {
    if (this.pool === null) return false;
    const size = units > chunk * MAX_TASKS ? Math.ceil(units / MAX_TASKS / 16) * 16 : chunk;
    const tasks = Math.ceil(units / size);
    if (tasks < 2) return false;
    this.pool.run(op, fn, [...args, size], tasks);
    return true;
  }

  /** Runs `tasks` tasks of `fn` (args, then the task index) on the pool; false when there is no pool or < 2 tasks. */
  parTasks(op: string, fn: TaskFunction, args: readonly number[], tasks: number): boolean {
    if (this.pool === null || tasks < 2 || tasks > MAX_TASKS) return false;
    this.pool.run(op, fn, args, tasks);
    return true;
  }

  /** Pointer of `h`, checking its dtype (when given) and that it holds at least `need` elements. */
  ptr(h: Handle, need: number, what: string, dtype?: DType): number {
    const e = this.storage.get(h);
    if (dtype !== undefined && e.dtype !== dtype) throw new WasmHandleError(`${what} is ${e.dtype}, expected ${dtype}`);
    if (need > e.size) throw new WasmHandleError(`${what} needs ${need} elements but holds ${e.size}`);
    return e.ptr;
  }

  /** Pointer of `h`, checking that every element `offset + i·strides` of `shape` lies inside it. */
  span(
    h: Handle,
    offset: number,
    shape: readonly number[],
    strides: readonly number[],
    what: string,
    dtype?: DType,
  ): number {
    const e = this.storage.get(h);
    if (dtype !== undefined && e.dtype !== dtype) throw new WasmHandleError(`${what} is ${e.dtype}, expected ${dtype}`);
    if (numel(shape) === 0) return e.ptr;
    let lo = offset;
    let hi = offset;
    for (let d = 0; d < shape.length; d++) {
      const reach = (shape[d] - 1) * strides[d];
      if (reach < 0) lo += reach;
      else hi += reach;
    }
    if (lo < 0 || hi >= e.size) throw new WasmHandleError(`${what} reads elements [${lo}, ${hi}] but holds ${e.size}`);
    return e.ptr;
  }

  /**
   * Writes `shape` and the stride arrays into the scratch block and returns [rank, shapePtr, ...stridePtrs].
   * Rank 0 becomes rank 1 of one element.
   */
  dims(shape: readonly number[], ...strides: (readonly number[])[]): number[] {
    if (shape.length > MAX_RANK) throw new UnsupportedError(`wasm backend: rank ${shape.length} exceeds ${MAX_RANK}`);
    const rank0 = shape.length === 0;
    const i32 = this.heap.i32;
    const base = this.scratch >>> 2;
    const put = (slot: number, values: readonly number[]) => {
      for (let d = 0; d < values.length; d++) i32[base + slot * MAX_RANK + d] = values[d];
      if (rank0) i32[base + slot * MAX_RANK] = slot === 0 ? 1 : 0;
    };
    put(0, shape);
    for (const [i, s] of strides.entries()) put(i + 1, s);
    return [rank0 ? 1 : shape.length, this.scratch, ...strides.map((_, i) => this.scratch + 4 * MAX_RANK * (i + 1))];
  }

  /** Writes a few ints at the start of the scratch block and returns its pointer. */
  ints(values: readonly number[]): number {
    this.heap.i32.set(values, this.scratch >>> 2);
    return this.scratch;
  }

  /** Runs `fn` with a temporary block of `bytes` bytes. */
  withTemp<T>(bytes: number, fn: (ptr: number) => T): T {
    if (bytes === 0) return fn(0);
    const ptr = this.allocator.alloc(bytes, 'a kernel temporary');
    try {
      return fn(ptr);
    } finally {
      this.allocator.release(ptr);
    }
  }
}
