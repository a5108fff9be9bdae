/**
 * The types around `Module`: hook signatures and handles, traversal options, and `ModuleError`. Kept apart
 * so module.ts holds only the class.
 */
import { CpError } from '../errors.js';
import type { Module } from './module.js';

/** What `register*Hook` returns: call `remove()` to unregister the hook. */
export interface RemovableHandle {
  remove(): void;
}

/** Runs before `forward` with its arguments; returning an argument list replaces them. */
export type ForwardPreHook<In extends unknown[] = unknown[]> = (module: Module, args: In) => In | undefined;

/** Runs after `forward` with its arguments and output; returning a value replaces the output. */
export type ForwardHook<In extends unknown[] = unknown[], Out = unknown> = (
  module: Module,
  args: In,
  output: Out,
) => Out | undefined;

/** A module with any signature, as held by containers. */
export type AnyModule = Module<unknown[], unknown>;

/** Misuse of the Module API: bad names, a missing forward, an unknown submodule or parameter. */
export class ModuleError extends CpError {
  override name = 'ModuleError';
}

/** Options of `namedParameters`/`namedBuffers`. */
export interface NamedOptions {
  /** Prepended to every name (with a dot). */
  prefix?: string;
  /** Include submodules' entries (default true). */
  recurse?: boolean;
  /** Yield a tensor shared by several modules once, under its first name (default true). */
  removeDuplicate?: boolean;
}
