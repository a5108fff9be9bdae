/**
 * Storage of the js backend: each handle maps to one typed array (Float32Array, Int32Array, or a
 * Uint8Array of 0/1 for bool). Handles are increasing integers and are never reused. Live bytes are kept
 * under a limit (see memory-limit.ts); an allocation over it, or one the engine refuses, throws core's
 * `OutOfMemoryError` with the figures and what to do.
 */
import { OutOfMemoryError, UnsupportedError } from '@cp/core';
import {
  BYTES_PER_ELEMENT,
  DTYPES,
  type DType,
  type Handle,
  type StorageStats,
  type TypedArray,
} from '@cp/core/backend';
import { StorageError, UnknownHandleError } from './errors.js';

/** The dtype a typed array stores. */
export function dtypeOf(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}

function unknownDtype(dtype: unknown): UnsupportedError {
  return new UnsupportedError(`js backend: alloc: dtype '${String(dtype)}' is not one of ${DTYPES.join(', ')}`);
}

/** Allocates a zeroed typed array for `dtype`. */
export function allocArray(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
    default:
      throw unknownDtype(dtype);
  }
}

/** A byte count in MiB, for error messages. */
const mib = (n: number): string => `${Number((n / 2 ** 20).toFixed(2))} MiB`;

/** A handle table over typed arrays, holding at most `maxBytes` live bytes. */
export class Storage {
  private readonly arrays = new Map<Handle, TypedArray>();
  private nextHandle = 1;
  private liveBytes = 0;

  constructor(
    /** The most bytes the live arrays may hold together. */
    readonly maxBytes: number,
  ) {}

  /** Allocates `size` zeroed elements of `dtype` and returns the new handle. */
  alloc(dtype: DType, size: number): Handle {
    if (!Object.hasOwn(BYTES_PER_ELEMENT, dtype)) throw unknownDtype(dtype);
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new StorageError(`alloc: size must be a non-negative integer, got ${size}`);
    }
    const bytes = size * BYTES_PER_ELEMENT[dtype];
    if (this.liveBytes + bytes > this.maxBytes) throw this.outOfMemory(bytes, size, dtype, '');
    let array: TypedArray;
    try {
      array = allocArray(dtype, size);
    } catch (e) {
      // NOTE: the engine may refuse below the limit (its own maximum typed array length, or no memory left).
      if (!(e instanceof RangeError)) throw e;
      throw this.outOfMemory(bytes, size, dtype, ` The engine refused the typed array (${e.message}).`);
    }
    const handle = this.nextHandle++;
    this.arrays.set(handle, array);
    this.liveBytes += array.byteLength;
    return handle;
  }

  /** Frees a handle; throws when it is unknown or already freed. */
  free(handle: Handle): void {
    const array = this.arrays.get(handle);
    if (array === undefined) throw new UnknownHandleError('free', handle);
    this.arrays.delete(handle);
    this.liveBytes -= array.byteLength;
  }

  /** The typed array behind a handle (not a copy). */
  get(handle: Handle, op = 'kernel'): TypedArray {
    const array = this.arrays.get(handle);
    if (array === undefined) throw new UnknownHandleError(op, handle);
    return array;
  }

  /** The Float32Array behind a handle; throws when the handle holds another dtype. */
  f32(handle: Handle, op: string): Float32Array {
    const array = this.get(handle, op);
    if (!(array instanceof Float32Array)) {
      throw new StorageError(`${op}: handle ${handle} holds ${dtypeOf(array)}, expected float32`);
    }
    return array;
  }

  /** The Int32Array behind a handle; throws when the handle holds another dtype. */
  i32(handle: Handle, op: string): Int32Array {
    const array = this.get(handle, op);
    if (!(array instanceof Int32Array)) {
      throw new StorageError(`${op}: handle ${handle} holds ${dtypeOf(array)}, expected int32`);
    }
    return array;
  }

  /** The bool (Uint8Array) storage behind a handle; throws when the handle holds another dtype. */
  bool(handle: Handle, op: string): Uint8Array {
    const array = this.get(handle, op);
    if (!(array instanceof Uint8Array)) {
      throw new StorageError(`${op}: handle ${handle} holds ${dtypeOf(array)}, expected bool`);
    }
    return array;
  }

  /** Copies `data` into the storage at element `offset`, checking dtype and bounds. */
  write(handle: Handle, data: TypedArray, offset = 0): void {
    const array = this.get(handle, 'write');
    const want = dtypeOf(array);
    const got = dtypeOf(data);
    if (want !== got) {
      throw new StorageError(`write: handle ${handle} holds ${want}, but the data is ${got}`);
    }
    if (!Number.isInteger(offset) || offset < 0 || offset + data.length > array.length) {
      throw new StorageError(
        `write: ${data.length} elements at offset ${offset} do not fit handle ${handle} of ${array.length} elements`,
      );
    }
    array.set(data, offset);
  }

  /** A copy of the storage's contents. */
  read(handle: Handle): TypedArray {
    return this.get(handle, 'read').slice();
  }

  /** Live handle and byte counts. */
  stats(): StorageStats {
    return { handles: this.arrays.size, bytes: this.liveBytes, reservedBytes: this.liveBytes };
  }

  private outOfMemory(bytes: number, size: number, dtype: DType, extra: string): OutOfMemoryError {
    const live = this.liveBytes;
    const free = Math.max(0, this.maxBytes - live);
    return new OutOfMemoryError(
      `js backend: out of memory allocating ${bytes} bytes (live ${live} bytes, limit ${this.maxBytes}) for ` +
        `${size} ${dtype}: the largest free block is ${free} bytes (request ${mib(bytes)}, live ${mib(live)}, ` +
        `largest free ${mib(free)}, limit ${mib(this.maxBytes)}).${extra} Dispose tensors you no longer need ` +
        '(dispose(), or run temporary work inside tidy(); wrap code that needs no gradients in noGrad()), or ' +
        'raise the limit with createJsBackend({ maxBytes }).',
    );
  }

  /** Drops every handle. */
  clear(): void {
    this.arrays.clear();
    this.liveBytes = 0;
  }
}
