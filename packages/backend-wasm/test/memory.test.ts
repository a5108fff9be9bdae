// Storage and memory model of the wasm backend: handles survive memory.grow, the allocator reuses freed
// blocks (a steady loop does not grow memory), out-of-memory and bad handles throw clear errors.
import * as core from '@cp/core';
import { describe, expect, it } from 'vitest';
import { sizeClass } from '../src/allocator.js';
import {
  createWasmBackend,
  supportsRelaxedSimd,
  WasmHandleError,
  WasmOutOfMemoryError,
  WasmUnsupportedError,
} from '../src/index.js';

describe('storage', () => {
  it('round-trips every dtype through write and readSync/read, with an offset', async () => {
    const be = await createWasmBackend();
    const f = be.alloc('float32', 5);
    be.write(f, Float32Array.from([1, 2]), 0);
    be.write(f, Float32Array.from([3, -0, Number.NaN]), 2);
    expect(Array.from(be.readSync(f))).toEqual([1, 2, 3, -0, Number.NaN]);
    const i = be.alloc('int32', 3);
    be.write(i, Int32Array.from([-1, 2147483647, 5]));
    expect(Array.from(await be.read(i))).toEqual([-1, 2147483647, 5]);
    const b = be.alloc('bool', 3);
    be.write(b, Uint8Array.from([1, 0, 1]));
    expect(be.readSync(b)).toBeInstanceOf(Uint8Array);
    expect(be.stats()).toMatchObject({ handles: 3, bytes: 20 + 12 + 3 });
    for (const h of [f, i, b]) be.free(h);
    expect(be.stats()).toMatchObject({ handles: 0, bytes: 0 });
  });

  it('size-0 storage has a handle and reads back empty', async () => {
    const be = await createWasmBackend();
    const h = be.alloc('float32', 0);
    expect(be.readSync(h)).toEqual(new Float32Array(0));
    be.free(h);
  });

  it('double free, unknown handles, dtype-mismatched and out-of-range writes throw', async () => {
    const be = await createWasmBackend();
    const h = be.alloc('float32', 4);
    expect(() => be.write(h, new Int32Array(4))).toThrow(/int32 data into float32/);
    expect(() => be.write(h, new Float32Array(3), 2)).toThrow(/3 elements at 2/);
    be.free(h);
    expect(() => be.free(h)).toThrow(/already freed handle/);
    expect(() => be.readSync(12345)).toThrow(/unknown or freed handle/);
    expect(() => be.kernels.unary({ op: 'exp', dtype: 'float32', x: h, out: h, n: 4 })).toThrow(/unknown or freed/);
  });

  it("every error the backend throws is a CpError of the contract's classes", async () => {
    const be = await createWasmBackend({ maxMemoryBytes: 16 << 20 });
    const h = be.alloc('bool', 2);
    expect(() => be.free(777)).toThrow(core.UnknownHandleError);
    expect(() => be.readSync(777)).toThrow(core.UnknownHandleError);
    expect(() => be.write(h, Float32Array.of(1, 2))).toThrow(WasmHandleError);
    expect(() => be.write(h, Float32Array.of(1, 2))).toThrow(core.CpError);
    expect(() => be.kernels.unary({ op: 'exp', dtype: 'bool', x: h, out: h, n: 2 })).toThrow(WasmUnsupportedError);
    expect(() => be.kernels.unary({ op: 'exp', dtype: 'bool', x: h, out: h, n: 2 })).toThrow(core.UnsupportedError);
    expect(() => be.alloc('float32', 8 << 20)).toThrow(WasmOutOfMemoryError);
    expect(() => be.alloc('float32', 8 << 20)).toThrow(core.OutOfMemoryError);
    expect(() => be.alloc('float32', -1)).toThrow(core.ArgumentError);
    const big = be.alloc('float32', 4);
    expect(() =>
      be.kernels.matmul({
        a: big,
        b: big,
        out: big,
        batch: 1,
        m: 2,
        k: 1,
        n: 2,
        transA: false,
        transB: false,
        aBatchStride: 0,
        bBatchStride: 0,
      }),
    ).toThrow(core.CpError);
    be.dispose();
    expect(() => be.alloc('float32', 1)).toThrow(core.BackendError);
    expect(() => be.readSync(h)).toThrow(/disposed/);
  });

  it('a kernel whose arguments exceed a handle throws instead of writing past it', async () => {
    const be = await createWasmBackend();
    const x = be.alloc('float32', 4);
    const out = be.alloc('float32', 3);
    expect(() => be.kernels.unary({ op: 'neg', dtype: 'float32', x, out, n: 4 })).toThrow(
      /needs 4 elements but holds 3/,
    );
    expect(() =>
      be.kernels.binary({ op: 'add', dtype: 'float32', a: x, b: x, out, shape: [3], aStrides: [2], bStrides: [1] }),
    ).toThrow(/reads elements/);
    expect(() => be.kernels.unary({ op: 'exp', dtype: 'int32', x, out, n: 0 })).toThrow(
      /'exp' is not defined for int32/,
    );
  });
});

describe('memory', () => {
  it('old handles read correctly after allocations grow memory past its current size', async () => {
    const be = await createWasmBackend();
    const keep = be.alloc('float32', 1000);
    const pattern = Float32Array.from({ length: 1000 }, (_, i) => i * 0.5 - 7);
    be.write(keep, pattern);
    const before = be.memory.buffer;
    const big: number[] = [];
    while (be.memory.buffer === before) big.push(be.alloc('float32', 1 << 20));
    expect(be.stats().reservedBytes).toBeGreaterThan(before.byteLength === 0 ? 0 : 4 << 20);
    expect(be.readSync(keep)).toEqual(pattern);
    be.kernels.unary({ op: 'neg', dtype: 'float32', x: keep, out: keep, n: 1000 });
    expect(be.readSync(keep)).toEqual(pattern.map((v) => -v));
    expect(be.view(keep)[3]).toBe(-pattern[3]);
    for (const h of [keep, ...big]) be.free(h);
  });

  it('a loop of alloc/free of the same sizes reuses blocks and does not grow memory', async () => {
    const be = await createWasmBackend();
    const step = () => {
      const hs = [
        be.alloc('float32', 784 * 256),
        be.alloc('float32', 256),
        be.alloc('int32', 128),
        be.alloc('bool', 77),
      ];
      be.kernels.fill({ dtype: 'float32', out: hs[0], offset: 0, n: 784 * 256, value: 1 });
      for (const h of hs) be.free(h);
    };
    step();
    const reserved = be.stats().reservedBytes;
    for (let i = 0; i < 1000; i++) step();
    expect(be.stats().reservedBytes).toBe(reserved);
    expect(be.stats().handles).toBe(0);
  });

  it('running out of memory throws a clear error, not a trap, and the backend keeps working', async () => {
    const be = await createWasmBackend({ maxMemoryBytes: 64 << 20 });
    const small = be.alloc('float32', 16);
    expect(() => be.alloc('float32', 32 << 20)).toThrow(WasmOutOfMemoryError);
    expect(() => be.alloc('float32', 32 << 20)).toThrow(
      /out of memory allocating 134217728 bytes \(live \d+ bytes, limit 67108864\)/,
    );
    be.write(small, new Float32Array(16).fill(2));
    expect(be.readSync(small)[15]).toBe(2);
    be.free(small);
  });

  it('size classes are 16-byte aligned and waste at most 1/8 above 1 KiB', () => {
    for (const bytes of [1, 15, 16, 17, 1000, 1024, 1025, 4096, 5000, 1 << 20, (1 << 20) + 1, 123456789]) {
      const c = sizeClass(bytes);
      expect(c % 16).toBe(0);
      expect(c).toBeGreaterThanOrEqual(bytes);
      if (bytes > 1024) expect(c / bytes).toBeLessThanOrEqual(1.125 + 1e-9);
    }
  });
});

describe('loading', () => {
  it('picks the plain SIMD128 build unless relaxed-simd validates', async () => {
    const be = await createWasmBackend();
    expect(be.variant).toBe(supportsRelaxedSimd() ? 'relaxed-simd' : 'simd128');
    expect(be.capabilities.simd).toBe(be.variant);
    if (!supportsRelaxedSimd()) await expect(createWasmBackend({ relaxedSimd: true })).rejects.toThrow(/unsupported/);
  });

  it('accepts the module as bytes or as a file URL', async () => {
    const { readFile } = await import('node:fs/promises');
    const url = new URL('../dist/cp_kernels.wasm', import.meta.url);
    for (const wasm of [await readFile(url), url, url.href]) {
      const be = await createWasmBackend({
        wasm: wasm instanceof Buffer ? new Uint8Array(wasm) : wasm,
        relaxedSimd: false,
      });
      expect(be.capabilities.simd).toBeUndefined();
      const h = be.alloc('float32', 3);
      be.kernels.fill({ dtype: 'float32', out: h, offset: 0, n: 3, value: 4 });
      expect(Array.from(be.readSync(h))).toEqual([4, 4, 4]);
    }
  });
});
