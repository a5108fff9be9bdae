// The coalescing allocator on its own (a real WebAssembly.Memory, no kernels): blocks never overlap and
// stay inside the limit, freed neighbours merge whatever the order of frees, a free block at the top lowers
// it, and a loop of same-size blocks reuses memory. Then the same through the backend, with its errors.
import { CpError, OutOfMemoryError } from '@cp/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Allocator, sizeClass } from '../src/allocator.js';
import { createWasmBackend, WasmOutOfMemoryError } from '../src/index.js';

const MiB = 1 << 20;
const BASE = 1024;

function allocator(limit: number): Allocator {
  return new Allocator(new WebAssembly.Memory({ initial: 1, maximum: 65536 }), BASE, limit);
}

/** Allocates `bytes`-byte blocks until the limit is reached. */
function fill(a: Allocator, bytes: number): number[] {
  const ptrs: number[] = [];
  for (;;) {
    try {
      ptrs.push(a.alloc(bytes));
    } catch (e) {
      if (e instanceof OutOfMemoryError) return ptrs;
      throw e;
    }
  }
}

describe('allocator', () => {
  it('after freeing everything, in any order, the whole region is one free block again', () => {
    for (const order of ['forward', 'backward', 'interleaved'] as const) {
      const a = allocator(64 * MiB);
      const ptrs = fill(a, MiB);
      expect(ptrs.length).toBeGreaterThan(60);
      const evens = ptrs.filter((_, i) => i % 2 === 0);
      const odds = ptrs.filter((_, i) => i % 2 === 1);
      const sequence =
        order === 'forward' ? ptrs : order === 'backward' ? [...ptrs].reverse() : [...evens, ...odds.reverse()];
      for (const p of sequence) a.release(p);
      expect(a.stats()).toEqual({ live: 0, largestFree: 64 * MiB - BASE, freeBelowTop: 0, top: BASE });
      expect(a.alloc(1.5 * MiB)).toBe(BASE);
      expect(a.alloc(60 * MiB)).toBe(BASE + 1.5 * MiB);
    }
  });

  it('a block freed between two free blocks merges with both, and a split keeps the rest free', () => {
    const a = allocator(64 * MiB);
    const [p, q, r, s] = [a.alloc(4096), a.alloc(4096), a.alloc(4096), a.alloc(16)];
    a.release(p);
    a.release(r);
    expect(a.stats().freeBelowTop).toBe(8192);
    a.release(q);
    expect(a.stats().freeBelowTop).toBe(3 * 4096);
    expect(a.stats().largestFree).toBe(64 * MiB - (BASE + 3 * 4096 + 16));
    expect(a.alloc(8000)).toBe(p);
    expect(a.stats().freeBelowTop).toBe(3 * 4096 - sizeClass(8000));
    a.release(s);
    expect(a.stats().top).toBe(BASE + sizeClass(8000));
  });

  it('a steady loop of same-size blocks neither grows memory nor raises the top', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
    const a = new Allocator(memory, BASE, 256 * MiB);
    const sizes = [784 * 64 * 4, 64 * 4, 32 * 64 * 4, 32 * 10 * 4, 128, 32 * 4, 4];
    const step = () => {
      const ptrs = sizes.map((b) => a.alloc(b));
      for (const [i, p] of ptrs.entries()) if (i % 2 === 0) a.release(p);
      for (const [i, p] of ptrs.entries()) if (i % 2 === 1) a.release(p);
    };
    step();
    const top = a.stats().top;
    const reserved = memory.buffer.byteLength;
    for (let i = 0; i < 2000; i++) step();
    expect(a.stats()).toEqual({ live: 0, largestFree: 256 * MiB - BASE, freeBelowTop: 0, top: BASE });
    expect(top).toBe(BASE);
    expect(memory.buffer.byteLength).toBe(reserved);
  });

  it('property: live blocks never overlap, stay under the limit, and freeing all leaves one free region', () => {
    const limit = 8 * MiB;
    const op = fc.oneof(
      fc.record({ alloc: fc.oneof(fc.integer({ min: 1, max: 2048 }), fc.integer({ min: 1, max: MiB })) }),
      fc.record({ free: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const a = allocator(limit);
        const live = new Map<number, number>();
        for (const o of ops) {
          if ('alloc' in o) {
            let p: number;
            try {
              p = a.alloc(o.alloc);
            } catch (e) {
              expect(e).toBeInstanceOf(WasmOutOfMemoryError);
              expect(a.stats().largestFree).toBeLessThan(sizeClass(o.alloc));
              continue;
            }
            expect(p % 16).toBe(0);
            expect(p).toBeGreaterThanOrEqual(BASE);
            expect(p + o.alloc).toBeLessThanOrEqual(limit);
            for (const [q, n] of live) expect(p + o.alloc <= q || q + n <= p).toBe(true);
            live.set(p, o.alloc);
          } else if (live.size > 0) {
            const p = [...live.keys()][o.free % live.size];
            a.release(p);
            live.delete(p);
          }
          const liveBytes = [...live.values()].reduce((s, n) => s + sizeClass(n), 0);
          expect(a.stats().live).toBe(liveBytes);
        }
        for (const p of live.keys()) a.release(p);
        expect(a.stats()).toEqual({ live: 0, largestFree: limit - BASE, freeBelowTop: 0, top: BASE });
      }),
      { numRuns: 200, seed: 42 },
    );
  });

  it('releasing a pointer that is not a live block throws a CpError', () => {
    const a = allocator(MiB);
    const p = a.alloc(64);
    a.release(p);
    expect(() => a.release(p)).toThrow(CpError);
    expect(() => a.release(p + 16)).toThrow(/not live/);
  });
});

describe('backend out of memory', () => {
  it('after freeing every tensor, a 1.5 MiB tensor fits under a 64 MiB limit', async () => {
    const be = await createWasmBackend({ maxMemoryBytes: 64 * MiB });
    const hs: number[] = [];
    expect(() => {
      for (;;) hs.push(be.alloc('float32', MiB / 4));
    }).toThrow(WasmOutOfMemoryError);
    for (const h of hs) be.free(h);
    const h = be.alloc('float32', (1.5 * MiB) / 4);
    be.kernels.fill({ dtype: 'float32', out: h, offset: 0, n: (1.5 * MiB) / 4, value: 3 });
    expect(be.readSync(h)[(1.5 * MiB) / 4 - 1]).toBe(3);
    be.free(h);
    expect(be.stats()).toMatchObject({ handles: 0, bytes: 0 });
  });

  it('the error is an OutOfMemoryError with the request, live bytes, largest free block and limit, and what to do', async () => {
    // One thread: a threaded backend's worker stacks and buffers would add to the exact live bytes below.
    const be = await createWasmBackend({ maxMemoryBytes: 64 * MiB, threads: 1 });
    const a = be.alloc('float32', (8 * MiB) / 4);
    const b = be.alloc('float32', (8 * MiB) / 4);
    be.alloc('float32', (40 * MiB) / 4);
    be.free(a);
    const err = (() => {
      try {
        be.alloc('float32', (12 * MiB) / 4);
      } catch (e) {
        return e;
      }
    })() as Error;
    expect(err).toBeInstanceOf(WasmOutOfMemoryError);
    expect(err).toBeInstanceOf(OutOfMemoryError);
    expect(err).toBeInstanceOf(CpError);
    const live = 48 * MiB + 256;
    expect(err.message).toContain(
      `out of memory allocating ${12 * MiB} bytes (live ${live} bytes, limit ${64 * MiB}) for ${3 * MiB} float32: ` +
        `the largest free block is ${8 * MiB} bytes (request 12 MiB, live 48 MiB, largest free 8 MiB, limit 64 MiB)`,
    );
    expect(err.message).toMatch(/dispose\(\).*tidy\(\).*noGrad\(\).*createWasmBackend\(\{ maxMemoryBytes \}\)/);
    be.free(b);
    expect(be.alloc('float32', (12 * MiB) / 4)).toBeGreaterThan(0);
  });
});
