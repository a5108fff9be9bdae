/**
 * Instantiates cp_kernels.wasm in Node (reads the file next to this module with node:fs, imported lazily)
 * and in browsers and bundlers (`instantiateStreaming(fetch(new URL(..., import.meta.url)))`). Picks the
 * relaxed-simd build when the engine validates a relaxed-simd instruction.
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

/** The shipped module: dist/ next to the compiled loader, or ../dist/ when running from src/ (tests). */
async function defaultSource(relaxed: boolean): Promise<BufferSource | Response> {
  const url = relaxed
    ? new URL('./cp_kernels_relaxed.wasm', import.meta.url)
    : new URL('./cp_kernels.wasm', import.meta.url);
  if (!isNode()) return fetch(url);
  try {
    return await readNodeFile(url);
  } catch {
    const name = relaxed ? 'cp_kernels_relaxed.wasm' : 'cp_kernels.wasm';
    try {
      // NOTE: a computed path on purpose (and vite-ignored): bundlers must only pick up the two files above.
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

/** Loads and instantiates the kernel module. */
export async function loadKernels(opts: LoadOptions = {}): Promise<LoadedKernels> {
  if (!supportsSimd128()) throw new UnsupportedError('wasm backend: this engine does not support WebAssembly SIMD128');
  const mode = opts.relaxedSimd ?? 'auto';
  const relaxed = mode === 'auto' ? supportsRelaxedSimd() : mode;
  if (relaxed && !supportsRelaxedSimd())
    throw new UnsupportedError('wasm backend: relaxedSimd requested but unsupported here');
  let instance: WebAssembly.Instance;
  try {
    let src: BufferSource | Response;
    if (opts.wasm === undefined) src = await defaultSource(relaxed);
    else if (typeof opts.wasm === 'string' || opts.wasm instanceof URL) src = await sourceOf(opts.wasm);
    else src = opts.wasm;
    instance = await instantiate(src);
  } catch (e) {
    if (e instanceof BackendError) throw e;
    // A missing file, a failed fetch or bytes that are not a valid module: one CpError that says which.
    const why = e instanceof Error ? e.message : String(e);
    throw new BackendError(`wasm backend: could not load the kernel module: ${why}`, { cause: e });
  }
  const variant = opts.wasm !== undefined ? 'custom' : relaxed ? 'relaxed-simd' : 'simd128';
  return { exports: instance.exports as unknown as KernelExports, variant };
}
