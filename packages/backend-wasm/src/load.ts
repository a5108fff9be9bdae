/**
 * Instantiates cp_kernels.wasm in Node (reads the file next to this module with node:fs, imported lazily)
 * and in browsers and bundlers (`instantiateStreaming(fetch(new URL(..., import.meta.url)))`). Picks the
 * relaxed-simd build when the engine validates a relaxed-simd instruction; on Node (20 ships relaxed SIMD
 * behind a V8 flag) it first sets that flag, before any kernel module is compiled. With `shared`, loads the
 * atomics build instead (cp_kernels_threads*.wasm), which imports a shared memory that this loader
 * creates, and keeps the compiled module so that workers can instantiate it over the same memory.
 */
import { BackendError, UnsupportedError } from '@cp/core';
import type { KernelExports } from './abi.js';

/** Where the wasm bytes come from and which build to use. */
export interface LoadOptions {
  /** The module bytes, or a URL / path of the .wasm file; default: the file shipped next to this module. */
  wasm?: BufferSource | URL | string;
  /** Use the relaxed-simd build (FMA in matmul): true, false, or 'auto' (default) = if the engine supports it. */
  relaxedSimd?: boolean | 'auto';
}

/** The instantiated kernels and which build they are. */
export interface LoadedKernels {
  exports: KernelExports;
  variant: 'simd128' | 'relaxed-simd' | 'custom';
  /** The instance's memory (exported by the single-thread builds, imported by the shared one). */
  memory: WebAssembly.Memory;
  /** The compiled module, when the memory is shared (workers instantiate it). */
  module: WebAssembly.Module | null;
}

const PAGE = 65536;

/** The minimum pages of the memory the module imports (its import section), or 0 when it imports none. */
export function importedMemoryPages(bytes: Uint8Array): number {
  let p = 8;
  const leb = (): number => {
    let r = 0;
    let shift = 0;
    let b: number;
    do {
      b = bytes[p++];
      r += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return r;
  };
  const name = () => {
    const n = leb();
    p += n;
  };
  while (p < bytes.length) {
    const id = bytes[p++];
    const len = leb();
    const end = p + len;
    if (id === 2) {
      for (let n = leb(); n > 0; n--) {
        name();
        name();
        const kind = bytes[p++];
        if (kind === 2) {
          p++;
          return leb();
        }
        // NOTE: skip the other import kinds: function (type index), table (ref type + limits), global.
        if (kind === 0) leb();
        else if (kind === 1) {
          p++;
          const flags = bytes[p++];
          leb();
          if (flags & 1) leb();
        } else p += 2;
      }
    }
    p = end;
  }
  return 0;
}

/** A shared memory of at least `initial` pages and at most `limit` bytes (less if the host refuses). */
function sharedMemory(initial: number, limit: number): WebAssembly.Memory {
  let max = Math.floor(limit / PAGE);
  for (;;) {
    try {
      return new WebAssembly.Memory({ initial, maximum: max, shared: true } as WebAssembly.MemoryDescriptor);
    } catch (e) {
      // NOTE: a host may refuse to reserve 4 GiB of address space up front; retry with half down to 256 MiB.
      if (max / 2 < Math.max(initial, 4096)) throw e;
      max = Math.floor(max / 2);
    }
  }
}

/** A module with one function `() -> v128` of `consts` v128.const 0 operands and one SIMD instruction. */
function probeModule(consts: number, op: number[]): Uint8Array<ArrayBuffer> {
  const body = [0x00];
  for (let i = 0; i < consts; i++) body.push(0xfd, 0x0c, ...new Array<number>(16).fill(0));
  body.push(...op, 0x0b);
  const code = [0x01, body.length, ...body];
  // biome-ignore format: module bytes
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,
    0x03, 0x02, 0x01, 0x00,
    0x0a, code.length, ...code,
  ]);
}

/** Whether the engine supports fixed-width SIMD (f32x4.add). */
export function supportsSimd128(): boolean {
  return WebAssembly.validate(probeModule(2, [0xfd, 0xe4, 0x01]));
}

/** Whether the engine supports relaxed SIMD (f32x4.relaxed_madd); Node 20 needs --experimental-wasm-relaxed-simd. */
export function supportsRelaxedSimd(): boolean {
  return WebAssembly.validate(probeModule(3, [0xfd, 0x85, 0x02]));
}

/**
 * On Node, turns on V8's `--experimental-wasm-relaxed-simd` (off in Node 20, on in 22) unless the engine
 * already validates relaxed SIMD. NOTE: Node calls flag changes after start unsupported and refuses this
 * one in NODE_OPTIONS; it does work for the whole process (workers included) when set before the module
 * is compiled, and the probe that follows decides, so an engine that ignores it keeps the plain build.
 */
async function enableRelaxedSimdOnNode(): Promise<void> {
  if (isNode() && !supportsRelaxedSimd()) await setV8Flag('--experimental-wasm-relaxed-simd');
}

/** Sets a V8 flag on Node; a no-op where there is no node:v8 (the callers' probes or fallbacks decide). */
async function setV8Flag(flag: string): Promise<void> {
  try {
    const specifier = 'node:v8';
    const v8 = (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as {
      setFlagsFromString(flags: string): void;
    };
    v8.setFlagsFromString(flag);
  } catch {
    // NOTE: no node:v8 (a Node-like runtime): nothing to set.
  }
}

/** The part of node:fs/promises the loader uses (typed here so the package needs no Node types). */
interface NodeFs {
  readFile(path: URL | string): Promise<Uint8Array>;
}

const isNode = (): boolean =>
  typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === 'string';

/** node:fs/promises, imported only on Node; the specifier is hidden from bundlers targeting browsers. */
async function nodeFs(): Promise<NodeFs> {
  const specifier = 'node:fs/promises';
  return (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as NodeFs;
}

async function readNodeFile(url: URL | string): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await (await nodeFs()).readFile(url));
}

/** The URL of a shipped build (literal URLs, so that bundlers pick up exactly these four files). */
function shippedUrl(relaxed: boolean, shared: boolean): URL {
  if (shared) {
    return relaxed
      ? new URL('./cp_kernels_threads_relaxed.wasm', import.meta.url)
      : new URL('./cp_kernels_threads.wasm', import.meta.url);
  }
  return relaxed
    ? new URL('./cp_kernels_relaxed.wasm', import.meta.url)
    : new URL('./cp_kernels.wasm', import.meta.url);
}

/** The shipped module: dist/ next to the compiled loader, or ../dist/ when running from src/ (tests). */
async function defaultSource(relaxed: boolean, shared: boolean): Promise<BufferSource | Response> {
  const url = shippedUrl(relaxed, shared);
  if (!isNode()) return fetch(url);
  try {
    return await readNodeFile(url);
  } catch {
    const name = url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
    try {
      // NOTE: a computed path on purpose (and vite-ignored): bundlers must only pick up the files above.
      return await readNodeFile(new URL(/* @vite-ignore */ `../dist/${name}`, import.meta.url));
    } catch {
      throw new BackendError(
        `wasm backend: ${name} not found next to ${import.meta.url} nor in ../dist; run the package build`,
      );
    }
  }
}

async function sourceOf(wasm: URL | string): Promise<BufferSource | Response> {
  const url = typeof wasm === 'string' && !/^[a-z]+:/i.test(wasm) ? null : new URL(wasm);
  if (isNode() && (url === null || url.protocol === 'file:')) return readNodeFile(url ?? (wasm as string));
  return fetch(url ?? wasm);
}

async function instantiate(src: BufferSource | Response): Promise<WebAssembly.Instance> {
  if (!(src instanceof Response)) return (await WebAssembly.instantiate(src, {})).instance;
  if (!src.ok) throw new BackendError(`wasm backend: fetching ${src.url} failed with ${src.status}`);
  try {
    return (await WebAssembly.instantiateStreaming(src.clone(), {})).instance;
  } catch {
    // NOTE: servers without the application/wasm content type break streaming; fall back to bytes.
    return (await WebAssembly.instantiate(await src.arrayBuffer(), {})).instance;
  }
}

/** Compiles the shared-memory build and instantiates it over a new shared memory of at most `limit` bytes. */
async function instantiateShared(src: BufferSource | Response, limit: number) {
  if (src instanceof Response && !src.ok) {
    throw new BackendError(`wasm backend: fetching ${src.url} failed with ${src.status}`);
  }
  const buf = src instanceof Response ? await src.arrayBuffer() : src;
  const bytes = ArrayBuffer.isView(buf)
    ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
    : new Uint8Array(buf as ArrayBuffer);
  const pages = importedMemoryPages(bytes);
  // NOTE: V8 first runs wasm in baseline code and optimizes hot functions in the background; measured here,
  // a worker's kernels stayed in baseline code for many jobs on a busy machine (a 2-thread exp ran no faster
  // than 1 thread). Compiling the shared build fully optimized up front costs about 15 ms once.
  if (isNode()) await setV8Flag('--no-wasm-dynamic-tiering');
  if (pages === 0) throw new BackendError('wasm backend: the threaded build must import its memory; this one does not');
  const module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  const memory = sharedMemory(pages, limit);
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  return { instance, module, memory };
}

/**
 * Loads and instantiates the kernel module; with `shared`, the atomics build over a shared memory of at
 * most `limit` bytes.
 */
export async function loadKernels(opts: LoadOptions = {}, shared = false, limit = 2 ** 32): Promise<LoadedKernels> {
  if (!supportsSimd128()) throw new UnsupportedError('wasm backend: this engine does not support WebAssembly SIMD128');
  const mode = opts.relaxedSimd ?? 'auto';
  if (mode !== false) await enableRelaxedSimdOnNode();
  const relaxed = mode === 'auto' ? supportsRelaxedSimd() : mode;
  if (relaxed && !supportsRelaxedSimd())
    throw new UnsupportedError('wasm backend: relaxedSimd requested but unsupported here');
  let instance: WebAssembly.Instance;
  let module: WebAssembly.Module | null = null;
  let memory: WebAssembly.Memory | null = null;
  try {
    let src: BufferSource | Response;
    if (opts.wasm === undefined) src = await defaultSource(relaxed, shared);
    else if (typeof opts.wasm === 'string' || opts.wasm instanceof URL) src = await sourceOf(opts.wasm);
    else src = opts.wasm;
    if (shared) ({ instance, module, memory } = await instantiateShared(src, limit));
    else instance = await instantiate(src);
  } catch (e) {
    if (e instanceof BackendError) throw e;
    // A missing file, a failed fetch or bytes that are not a valid module: one CpError that says which.
    const why = e instanceof Error ? e.message : String(e);
    throw new BackendError(`wasm backend: could not load the kernel module: ${why}`, { cause: e });
  }
  const variant = opts.wasm !== undefined ? 'custom' : relaxed ? 'relaxed-simd' : 'simd128';
  const exports = instance.exports as unknown as KernelExports;
  return { exports, variant, memory: memory ?? exports.memory, module };
}
