/**
 * Errors the js backend throws, all `CpError`s from @cp/core. Core validates kernel arguments before a
 * kernel runs, so these mark misuse of storage (unknown handles, mismatched writes), a dtype a kernel does
 * not take, or an allocation over the limit (core's `OutOfMemoryError`, thrown by storage.ts).
 */
import { ArgumentError, UnknownHandleError as CoreUnknownHandleError, UnsupportedError } from '@cp/core';

/** A handle that this backend never allocated, already freed, or freed by `dispose()`. */
export class UnknownHandleError extends CoreUnknownHandleError {
  /** The offending handle. */
  readonly handle: number;
  constructor(op: string, handle: number) {
    super(`js backend: ${op}: handle ${handle} is unknown or already freed`);
    this.handle = handle;
  }
}

/** A storage call with arguments that do not fit the storage (dtype, length, offset, size). */
export class StorageError extends ArgumentError {
  override name = 'StorageError';
  constructor(message: string) {
    super(`js backend: ${message}`);
  }
}

/** A kernel called with a dtype (or op/dtype pair) that its contract does not allow. */
export class UnsupportedDTypeError extends UnsupportedError {
  override name = 'UnsupportedDTypeError';
  constructor(kernel: string, op: string, dtype: string) {
    super(`js backend: ${kernel} '${op}' does not take dtype ${dtype}`);
  }
}
