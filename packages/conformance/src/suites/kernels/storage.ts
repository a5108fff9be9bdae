/**
 * Storage behind handles: alloc/write/readSync/read/free round trips for every dtype, size 0, partial
 * writes at an offset, copies that the caller owns, double and unknown frees, and the live counts in
 * `stats()` that core's `memory()` and every leak check rely on.
 */
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

    test('the capabilities say the backend can read synchronously', () => {
      // NOTE: cp v1 compute is synchronous; every test here reads with readSync.
      expect(ctx.backend().capabilities.sync).toBe(true);
    });
  });
};
