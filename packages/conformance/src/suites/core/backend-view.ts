/**
 * `backendView(base, changes)`: a backend that is `base` except for the kernels (required or fused) and
 * the allocator given in `changes`, for tests of what core does when a backend misbehaves or is slow.
 * Storage calls go to `base`, so tensors made on the view are ordinary tensors of `base`'s memory.
 */
import type * as cp from '@cp/core';

/** What a view replaces; `null` removes a kernel. */
export interface ViewChanges {
  name?: string;
  kernels?: { [K in keyof cp.Kernels]?: cp.Kernels[K] | null };
  fused?: { [K in keyof cp.FusedKernels]?: cp.FusedKernels[K] | null };
  alloc?: cp.Backend['alloc'];
}

function merge<T extends object>(table: T, changes: object | undefined): T {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(table)) {
    const f = (table as Record<string, unknown>)[key];
    out[key] = typeof f === 'function' ? (args: unknown) => f.call(table, args) : f;
  }
  for (const [key, f] of Object.entries(changes ?? {})) {
    if (f === null) delete out[key];
    else out[key] = f;
  }
  return out as T;
}

/** A view of `base` with `changes` applied; disposing the view leaves `base` alone. */
export function backendView(base: cp.Backend, changes: ViewChanges): cp.Backend {
  return {
    name: changes.name ?? `${base.name}-view`,
    capabilities: base.capabilities,
    alloc: changes.alloc ?? ((dtype, size) => base.alloc(dtype, size)),
    free: (h) => base.free(h),
    write: (h, data, offset) => base.write(h, data, offset),
    readSync: (h) => base.readSync(h),
    read: (h) => base.read(h),
    stats: () => base.stats(),
    kernels: merge(base.kernels, changes.kernels),
    fused: merge(base.fused, changes.fused),
    dispose: () => {},
  };
}

/** The error `fn` throws (the test fails when it returns). */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}
