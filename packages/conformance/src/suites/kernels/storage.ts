/**
 * Storage behind handles: alloc/write/readSync/read/free round trips for every dtype, size 0, partial
 * writes at an offset, copies that the caller owns, double and unknown frees, and the live counts in
 * `stats()` that core's `memory()` and every leak check rely on. Failures throw the contract's classes:
 * `UnknownHandleError` for a handle that is not live, `OutOfMemoryError` for an allocation that cannot fit,
 * `UnsupportedError` for a dtype outside the contract, each a `CpError`, and the backend keeps working.
 */
import { CpError, OutOfMemoryError, UnknownHandleError, UnsupportedError } from '@cp/core';
import { BYTES_PER_ELEMENT, DTYPES, type DType } from '@cp/core/backend';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { data } from '../../arbitraries.js';
import type { Suite } from '../../context.js';
import { arrayOf, propTest } from './harness.js';

const ARRAY_TYPE: Readonly<Record<DType, string>> = {
  float32: 'Float32Array',
  int32: 'Int32Array',
  bool: 'Uint8Array',
};

/** Bit patterns of every element, so NaN and -0 round trips are checked exactly. */
function bits(a: ArrayLike<number>): string[] {
  return Array.from(a, (v) => (Object.is(v, -0) ? '-0' : String(v)));
}

/** Storage: alloc, write, read, free and stats. */
export const kernelStorageSuite: Suite = (ctx) => {
  describe('kernel storage', () => {
    for (const dtype of DTYPES) {
      propTest(
        ctx,
        `${dtype}: readSync returns exactly what write stored, for any data`,
        fc.integer({ min: 0, max: 40 }).chain((n) => data(dtype, n)),
        (values, s) => {
          const h = s.input(values);
          const got = s.got(h);
          expect(got.constructor.name).toBe(ARRAY_TYPE[dtype]);
          expect(bits(got)).toEqual(bits(values));
        },
      );

      test(`${dtype}: read resolves to the same contents as readSync`, async () => {
        const be = ctx.backend();
        const values = arrayOf(dtype, dtype === 'bool' ? [1, 0, 1] : [3, -0, 5]);
        const h = be.alloc(dtype, 3);
        try {
          be.write(h, values);
          const got = await be.read(h);
          expect(got.constructor.name).toBe(ARRAY_TYPE[dtype]);
          expect(bits(got)).toEqual(bits(values));
        } finally {
          be.free(h);
        }
      });

      propTest(
        ctx,
        `${dtype}: a write at an offset changes only the elements it covers`,
        fc.record({ n: fc.integer({ min: 1, max: 20 }), start: fc.nat(), len: fc.nat() }).chain(({ n, start, len }) => {
          const offset = start % (n + 1);
          const count = len % (n - offset + 1);
          return fc.tuple(data(dtype, n), data(dtype, count), fc.constant(offset));
        }),
        ([base, part, offset], s) => {
          const h = s.input(base);
          s.backend.write(h, part, offset);
          const want = base.slice();
          want.set(part, offset);
          expect(bits(s.got(h))).toEqual(bits(want));
        },
      );

      test(`${dtype}: the array readSync returns is a copy the caller owns`, () => {
        const be = ctx.backend();
        const h = be.alloc(dtype, 2);
        try {
          be.write(h, arrayOf(dtype, [1, 0]));
          const first = be.readSync(h);
          first[0] = 0;
          first[1] = 1;
          expect(Array.from(be.readSync(h))).toEqual([1, 0]);
        } finally {
          be.free(h);
        }
      });

      test(`${dtype}: a size-0 allocation can be written, read and freed`, async () => {
        const be = ctx.backend();
        const h = be.alloc(dtype, 0);
        try {
          be.write(h, arrayOf(dtype, []));
          expect(be.readSync(h).length).toBe(0);
          expect((await be.read(h)).length).toBe(0);
        } finally {
          be.free(h);
        }
      });

      test(`${dtype}: stats count the handle and its requested bytes until it is freed`, () => {
        const be = ctx.backend();
        const before = be.stats();
        const h = be.alloc(dtype, 10);
        const during = be.stats();
        be.free(h);
        const after = be.stats();
        expect(during.handles).toBe(before.handles + 1);
        expect(during.bytes).toBe(before.bytes + 10 * BYTES_PER_ELEMENT[dtype]);
        expect(during.reservedBytes).toBeGreaterThanOrEqual(during.bytes);
        expect(after.handles).toBe(before.handles);
        expect(after.bytes).toBe(before.bytes);
      });
    }

    test('every live allocation gets a distinct handle', () => {
      const be = ctx.backend();
      const hs = DTYPES.flatMap((d) => [be.alloc(d, 0), be.alloc(d, 3)]);
      try {
        expect(new Set(hs).size).toBe(hs.length);
      } finally {
        for (const h of hs) be.free(h);
      }
    });

    test('freeing a handle twice throws', () => {
      const be = ctx.backend();
      const h = be.alloc('float32', 4);
      be.free(h);
      expect(() => be.free(h)).toThrow();
    });

    test('freeing a handle the backend never made throws', () => {
      const be = ctx.backend();
      expect(() => be.free(987654321)).toThrow();
    });

    test('a freed or never-made handle throws UnknownHandleError from free, write, readSync and read', async () => {
      const be = ctx.backend();
      const freed = be.alloc('float32', 2);
      be.free(freed);
      for (const h of [freed, 987654321]) {
        expect(() => be.free(h)).toThrow(UnknownHandleError);
        expect(() => be.write(h, new Float32Array(1))).toThrow(UnknownHandleError);
        expect(() => be.readSync(h)).toThrow(UnknownHandleError);
        await expect(Promise.resolve().then(() => be.read(h))).rejects.toThrow(UnknownHandleError);
        expect(() => be.free(h)).toThrow(new RegExp(`\\b${h}\\b`));
      }
    });

    test('an allocation no backend can hold throws OutOfMemoryError naming its size, and changes nothing', () => {
      const be = ctx.backend();
      const keep = be.alloc('float32', 3);
      be.write(keep, Float32Array.of(1, 2, 3));
      const before = be.stats();
      // NOTE: 2^40 float32 elements are 4 TiB, beyond wasm32's 4 GiB and any js limit.
      const huge = 2 ** 40;
      expect(() => be.alloc('float32', huge)).toThrow(OutOfMemoryError);
      expect(() => be.alloc('float32', huge)).toThrow(CpError);
      expect(() => be.alloc('float32', huge)).toThrow(new RegExp(`out of memory allocating ${huge * 4} bytes`));
      expect(be.stats()).toEqual(before);
      const after = be.alloc('int32', 4);
      be.write(after, Int32Array.of(5, 6, 7, 8));
      expect(Array.from(be.readSync(keep))).toEqual([1, 2, 3]);
      expect(Array.from(be.readSync(after))).toEqual([5, 6, 7, 8]);
      be.free(after);
      be.free(keep);
    });

    test('an unknown dtype throws UnsupportedError and later allocations do not share storage', () => {
      const be = ctx.backend();
      const before = be.stats();
      for (const bad of ['int64', 'float64', undefined]) {
        expect(() => be.alloc(bad as unknown as DType, 2)).toThrow(UnsupportedError);
      }
      expect(be.stats()).toEqual(before);
      const a = be.alloc('float32', 2);
      const b = be.alloc('float32', 2);
      be.write(a, Float32Array.of(1, 2));
      be.write(b, Float32Array.of(3, 4));
      expect(Array.from(be.readSync(a))).toEqual([1, 2]);
      expect(Array.from(be.readSync(b))).toEqual([3, 4]);
      be.free(a);
      be.free(b);
    });

    test('the capabilities say the backend can read synchronously', () => {
      // NOTE: cp v1 compute is synchronous; every test here reads with readSync.
      expect(ctx.backend().capabilities.sync).toBe(true);
    });
  });
};
