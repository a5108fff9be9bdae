/**
 * Errors the js backend throws. Core validates kernel arguments before a kernel runs, so these mark
 * misuse of storage (unknown handles, mismatched writes) or a dtype a kernel does not take.
 */

/** A handle that this backend never allocated, already freed, or freed by `dispose()`. */
export class UnknownHandleError extends Error {
  /** The offending handle. */
  readonly handle: number;
  constructor(op: string, handle: number) {
    super(`js backend: ${op}: handle ${handle} is unknown or already freed`);
    this.name = 'UnknownHandleError';
    this.handle = handle;
  }
}

/** A storage call with arguments that do not fit the storage (dtype, length, offset, size). */
export class StorageError extends Error {
  constructor(message: string) {
    super(`js backend: ${message}`);
    this.name = 'StorageError';
  }
}

/** A kernel called with a dtype (or op/dtype pair) that its contract does not allow. */
export class UnsupportedDTypeError extends Error {
  constructor(kernel: string, op: string, dtype: string) {
    super(`js backend: ${kernel} '${op}' does not take dtype ${dtype}`);
    this.name = 'UnsupportedDTypeError';
  }
}
