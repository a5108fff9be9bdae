/**
 * Error classes. Every message names the op and what was wrong (shapes, dtypes, the bad value), so a user
 * can fix the call without reading cp's source.
 */

/** Base class of every error cp throws on purpose. */
export class CpError extends Error {
  override name = 'CpError';
}

/** Shapes that do not fit the op (broadcasting, matmul inner dims, reshape sizes...). */
export class ShapeError extends CpError {
  override name = 'ShapeError';
}

/** A dtype the op does not take. */
export class DTypeError extends CpError {
  override name = 'DTypeError';
}

/** A bad argument value: an out-of-range dim or index, a negative size, a non-finite bound... */
export class ArgumentError extends CpError {
  override name = 'ArgumentError';
}

/** Use of a tensor after `dispose()` (or after `tidy` disposed it). */
export class DisposedError extends CpError {
  override name = 'DisposedError';
}

/** Autograd misuse: backward on a non-scalar without a gradient, a released graph, a non-leaf grad... */
export class AutogradError extends CpError {
  override name = 'AutogradError';
}

/** Backend selection or registration problems, and tensors on different backends. */
export class BackendError extends CpError {
  override name = 'BackendError';
}

/** Formats a shape the way messages show it: `[2, 3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * The error classes the backend contract defines: every backend throws these (or other `CpError`s) so a
 * user can catch one class whatever the backend. Core also wraps anything else a kernel throws.
 */

/** A backend could not allocate: its limit or its host's memory is exhausted. */
export class OutOfMemoryError extends BackendError {
  override name = 'OutOfMemoryError';
}

/** A handle the backend never allocated, already freed, or freed by the backend's `dispose()`. */
export class UnknownHandleError extends BackendError {
  override name = 'UnknownHandleError';
}

/** A kernel called with a dtype or op the backend does not provide. */
export class UnsupportedError extends BackendError {
  override name = 'UnsupportedError';
}
