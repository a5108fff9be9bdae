/**
 * How many threads the wasm backend runs, and why: the `threads` option against what the host offers
 * (shared memory, cross-origin isolation, cores), and the worker spawners for Node (worker_threads,
 * unref'd) and browsers (Web Workers from a Blob URL). Imported node modules are loaded lazily, so the
 * package stays free of Node types and bundlers see no node: import.
 */
import { ArgumentError } from '@cp/core';
import type { SpawnWorker } from './pool.js';

/** The thread count a backend runs with, and the reason, as reported by `backend.threading`. */
export interface ThreadingInfo {
  /** Threads that run kernels, the calling one included (1 = no workers, the single-thread build). */
  readonly threads: number;
  /** What was asked for: a number, or 'auto' (the default). */
  readonly requested: number | 'auto';
  /** Why this count, e.g. "auto: 2 cores" or "1: not cross-origin isolated (no SharedArrayBuffer)". */
  readonly reason: string;
  /** Workers up and serving jobs (threads - 1 once the backend has resolved, unless one failed). */
  readonly ready: number;
  /** Tasks the workers have run so far (0 on one thread): shows that they take part. */
  readonly workerTasks: number;
}

/** The most threads 'auto' picks: beyond it memory bandwidth, not cores, bounds the kernels. */
export const AUTO_THREAD_CAP = 8;

/** What the host offers for threads. */
export interface HostThreads {
  /** null when shared wasm memory is available, else why not. */
  unavailable: string | null;
  /** Logical cores. */
  cores: number;
  /** Starts a worker, or null when the host has no workers. */
  spawn: SpawnWorker | null;
}

const isNode = (): boolean =>
  typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === 'string';

/** node:worker_threads and node:os, only the parts used here. */
interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'exit', fn: (code: number) => void): void;
  on(event: 'error', fn: (e: unknown) => void): void;
  postMessage(m: unknown): void;
}
interface NodeThreads {
  Worker: new (src: string, o: { eval: true }) => NodeWorker;
}
interface NodeOs {
  availableParallelism?: () => number;
  cpus(): unknown[];
}

async function nodeImport<T>(name: string): Promise<T> {
  return (await import(/* webpackIgnore: true */ /* @vite-ignore */ name)) as T;
}

/** Why shared wasm memory is not available here, or null when it is. */
function sharedMemoryUnavailable(): string | null {
  const g = globalThis as { crossOriginIsolated?: boolean; SharedArrayBuffer?: unknown };
  if (g.crossOriginIsolated === false) return 'not cross-origin isolated (no SharedArrayBuffer)';
  if (typeof g.SharedArrayBuffer !== 'function') return 'this engine has no SharedArrayBuffer';
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor);
  } catch {
    return 'this engine has no shared WebAssembly.Memory (wasm threads)';
  }
  return null;
}

/** Detects what this host offers. */
export async function detectHost(): Promise<HostThreads> {
  const unavailable = sharedMemoryUnavailable();
  if (isNode()) {
    const os = await nodeImport<NodeOs>('node:os');
    const cores = os.availableParallelism?.() ?? os.cpus().length;
    const { Worker } = await nodeImport<NodeThreads>('node:worker_threads');
    const spawn: SpawnWorker = (source, init, onExit) => {
      const w = new Worker(source, { eval: true });
      // NOTE: an unref'd worker never keeps the process alive; it dies with the process.
      w.unref();
      w.on('error', (e) => onExit(`failed: ${e instanceof Error ? e.message : String(e)}`));
      w.on('exit', (code) => onExit(`exited with code ${code}`));
      w.postMessage(init);
      return { terminate: () => void w.terminate() };
    };
    return { unavailable, cores, spawn };
  }
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  const cores = nav?.hardwareConcurrency ?? 1;
  if (typeof Worker !== 'function') return { unavailable, cores, spawn: null };
  const spawn: SpawnWorker = (source, init, onExit) => {
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    const w = new Worker(url);
    URL.revokeObjectURL(url);
    w.onerror = (e) => onExit(`failed: ${e.message}`);
    w.postMessage(init);
    return { terminate: () => w.terminate() };
  };
  return { unavailable, cores, spawn };
}

/**
 * The thread count for `requested` on `host`, with the reason. `custom` (the caller gave its own module
 * bytes) makes 'auto' mean 1: only an explicit count asks for a custom module built with shared memory.
 */
export function chooseThreads(
  requested: number | 'auto' | undefined,
  host: HostThreads,
  custom = false,
): [number, string] {
  const want = requested ?? 'auto';
  if (want !== 'auto' && !(Number.isInteger(want) && want >= 1)) {
    throw new ArgumentError(`createWasmBackend: threads must be a positive integer or 'auto', got ${String(want)}`);
  }
  if (want === 1) return [1, '1: requested'];
  if (want === 'auto' && custom) return [1, '1: auto with a custom module (the wasm option)'];
  const why = host.unavailable ?? (host.spawn === null ? 'this host has no workers' : null);
  if (why !== null) return [1, want === 'auto' ? `1: ${why}` : `1 (requested ${want}): ${why}`];
  if (want !== 'auto') return [want, `${want}: requested`];
  const n = Math.max(1, Math.min(host.cores, AUTO_THREAD_CAP));
  if (n === 1) return [1, '1: auto, one core'];
  return [n, `${n}: auto, ${host.cores} cores${host.cores > AUTO_THREAD_CAP ? ` (capped at ${AUTO_THREAD_CAP})` : ''}`];
}
