/**
 * The one interface a backend implements: storage behind opaque handles, the required kernels, and
 * optionally fused kernels. Compute is synchronous; reads also have an async form so that a GPU backend
 * can come later. Backends import this file's types and never the engine.
 */
import type { DType, TypedArray } from './dtype.js';
import type { FusedKernels } from './fused-kernels.js';
import type { Handle, Kernels } from './kernels.js';

/** What a backend declares about itself. */
export interface Capabilities {
  /** `readSync` works (every CPU backend). */
  readonly sync: boolean;
  /** Elementwise kernels and fused updates may write their output over an input (see each kernel's args). */
  readonly inPlace: boolean;
  /**
   * Threads the kernels run on, the calling one included, and why that many (for example
   * "auto: 2 cores" or "1: not cross-origin isolated"). Absent means one thread with nothing to choose.
   * Results never depend on it (see docs/backends.md, Threads).
   */
  readonly threads?: ThreadsCapability;
  /** The instruction set the kernels were built for, e.g. 'simd128' or 'relaxed-simd'; absent for plain JS. */
  readonly simd?: string;
}

/** What a multi-threaded backend chose: `capabilities.threads`. */
export interface ThreadsCapability {
  readonly count: number;
  readonly reason: string;
}

/** Live storage of one backend. */
export interface StorageStats {
  /** Handles allocated and not yet freed. */
  handles: number;
  /** Bytes those handles hold (requested sizes, not allocator overhead). */
  bytes: number;
  /** Bytes the backend has reserved from its host (wasm linear memory size; for js, same as `bytes`). */
  reservedBytes: number;
}

/** A compute backend. */
export interface Backend {
  /** A short name: 'js', 'wasm', ... */
  readonly name: string;
  readonly capabilities: Capabilities;
  /** Allocates storage for `size` elements of `dtype`; contents are unspecified. `size` may be 0. */
  alloc(dtype: DType, size: number): Handle;
  /** Frees storage. Freeing an unknown or already freed handle throws. */
  free(handle: Handle): void;
  /** Copies `data` into the storage, starting at element `offset` (default 0). */
  write(handle: Handle, data: TypedArray, offset?: number): void;
  /** Returns a copy of the storage's contents that the caller owns. */
  readSync(handle: Handle): TypedArray;
  /** Async form of `readSync`. */
  read(handle: Handle): Promise<TypedArray>;
  /** Live storage counts, for `memory()` and leak checks. */
  stats(): StorageStats;
  /** Every required kernel. */
  readonly kernels: Kernels;
  /** Whichever optional fused kernels this backend provides. */
  readonly fused: FusedKernels;
  /** Releases everything the backend holds. Handles are invalid afterwards. */
  dispose(): void;
}

/** Makes a backend; may be async (wasm instantiation). */
export type BackendFactory = () => Backend | Promise<Backend>;
