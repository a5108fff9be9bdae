/**
 * The default allocation limit of the js backend. Typed arrays are reserved lazily by the engine, so
 * without a limit a huge allocation "succeeds" and the process is killed by the OS once the pages are
 * touched. The default is the smaller of 4 GiB and half of the host's memory where the host says how much
 * it has (Node's `os.totalmem()`, a browser's `navigator.deviceMemory`), else 4 GiB.
 */

/** The cap of the default limit: 4 GiB. */
export const DEFAULT_MAX_BYTES = 2 ** 32;

interface HostGlobals {
  process?: { getBuiltinModule?: (id: string) => { totalmem?: () => number } | undefined };
  navigator?: { deviceMemory?: number };
}

/** Total memory of the host in bytes, or undefined when the host does not say. */
export function hostMemoryBytes(): number | undefined {
  const g = globalThis as HostGlobals;
  try {
    // NOTE: getBuiltinModule (Node >= 20.16) loads node:os synchronously without a static import, so the
    // package still loads in browsers.
    const total = g.process?.getBuiltinModule?.('node:os')?.totalmem?.();
    if (typeof total === 'number' && total > 0) return total;
  } catch {
    // An engine without node:os: fall through to the browser hint.
  }
  const gib = g.navigator?.deviceMemory;
  return typeof gib === 'number' && gib > 0 ? gib * 2 ** 30 : undefined;
}

/** The default `maxBytes`: min(4 GiB, half the host's memory). */
export function defaultMaxBytes(): number {
  const host = hostMemoryBytes();
  return host === undefined ? DEFAULT_MAX_BYTES : Math.min(DEFAULT_MAX_BYTES, Math.floor(host / 2));
}
