// The storage half of the backend: handles, copies, stats, dispose, and the errors for misuse.
import * as core from '@cp/core';
import { describe, expect, it } from 'vitest';
import { createJsBackend, StorageError, UnknownHandleError, UnsupportedDTypeError } from '../src/index.js';
import { backend, download, upload } from './helpers.js';

describe('storage', () => {
  it('allocates increasing handles that hold zeros', () => {
    const be = backend();
    const a = be.alloc('float32', 3);
    const b = be.alloc('int32', 2);
    expect(b).toBeGreaterThan(a);
    expect(download(be, a)).toEqual([0, 0, 0]);
  });

  it('allocates a size-0 buffer', () => {
    const be = backend();
    const h = be.alloc('bool', 0);
    expect(be.readSync(h)).toEqual(new Uint8Array(0));
  });

  it('stores each dtype in its typed array', () => {
    const be = backend();
    expect(be.readSync(be.alloc('float32', 1))).toBeInstanceOf(Float32Array);
    expect(be.readSync(be.alloc('int32', 1))).toBeInstanceOf(Int32Array);
    expect(be.readSync(be.alloc('bool', 1))).toBeInstanceOf(Uint8Array);
  });

  it('writes at an offset', () => {
    const be = backend();
    const h = be.alloc('int32', 4);
    be.write(h, Int32Array.of(7, 8), 1);
    expect(download(be, h)).toEqual([0, 7, 8, 0]);
  });

  it('returns a copy from readSync that does not alias storage', () => {
    const be = backend();
    const h = upload(be, 'float32', [1, 2]);
    const copy = be.readSync(h);
    copy[0] = 99;
    expect(download(be, h)).toEqual([1, 2]);
  });

  it('reads asynchronously', async () => {
    const be = backend();
    const h = upload(be, 'float32', [1.5]);
    expect(Array.from(await be.read(h))).toEqual([1.5]);
  });

  it('rejects an async read of an unknown handle', async () => {
    await expect(backend().read(12345)).rejects.toBeInstanceOf(UnknownHandleError);
  });

  it('throws an error naming the handle on double free', () => {
    const be = backend();
    const h = be.alloc('float32', 1);
    be.free(h);
    expect(() => be.free(h)).toThrow(UnknownHandleError);
    expect(() => be.free(h)).toThrow(new RegExp(`handle ${h}\\b`));
  });

  it('throws on freeing a handle it never made', () => {
    expect(() => backend().free(42)).toThrow(/handle 42/);
  });

  it('throws a clear error when writing data of the wrong dtype', () => {
    const be = backend();
    const h = be.alloc('float32', 2);
    expect(() => be.write(h, Int32Array.of(1, 2))).toThrow(StorageError);
    expect(() => be.write(h, Int32Array.of(1, 2))).toThrow(/holds float32, but the data is int32/);
  });

  it('throws when the written data does not fit', () => {
    const be = backend();
    const h = be.alloc('float32', 2);
    expect(() => be.write(h, Float32Array.of(1, 2), 1)).toThrow(/do not fit/);
  });

  it('reports handles and bytes, with reservedBytes equal to bytes', () => {
    const be = backend();
    const a = be.alloc('float32', 3);
    be.alloc('bool', 5);
    expect(be.stats()).toEqual({ handles: 2, bytes: 17, reservedBytes: 17 });
    be.free(a);
    expect(be.stats()).toEqual({ handles: 1, bytes: 5, reservedBytes: 5 });
  });

  it('frees everything on dispose and invalidates handles', () => {
    const be = backend();
    const h = be.alloc('float32', 3);
    be.dispose();
    expect(be.stats()).toEqual({ handles: 0, bytes: 0, reservedBytes: 0 });
    expect(() => be.readSync(h)).toThrow(UnknownHandleError);
  });

  it('makes independent instances', () => {
    const a = createJsBackend();
    const b = createJsBackend();
    a.alloc('float32', 4);
    expect(b.stats().handles).toBe(0);
  });

  it('declares itself as a sync, in-place capable backend named js with every fused kernel', () => {
    const be = backend();
    expect(be.name).toBe('js');
    expect(be.capabilities).toEqual({ sync: true, inPlace: true });
    expect(Object.keys(be.fused).sort()).toEqual([
      'adamUpdate',
      'boxTransform',
      'clamp',
      'l1BallProject',
      'logSoftmax',
      'lstmCell',
      'lstmCellBackward',
      'reluBackward',
      'renormSlices',
      'sgdUpdate',
      'simplexProject',
      'softmax',
      'softmaxCrossEntropy',
      'softmaxCrossEntropyBackward',
      'syrk',
    ]);
  });

  it("every error the backend throws is a CpError of the contract's classes", () => {
    const be = backend();
    const h = be.alloc('bool', 2);
    const unknown = (() => {
      try {
        be.free(777);
      } catch (e) {
        return e;
      }
    })();
    expect(unknown).toBeInstanceOf(core.UnknownHandleError);
    expect(unknown).toMatchObject({ name: 'UnknownHandleError', handle: 777 });
    expect(() => be.write(h, Float32Array.of(1, 2))).toThrow(core.ArgumentError);
    expect(() => be.write(h, Float32Array.of(1, 2))).toThrow(StorageError);
    expect(() => be.kernels.unary({ op: 'exp', dtype: 'bool', x: h, out: h, n: 2 })).toThrow(core.UnsupportedError);
    expect(() => be.kernels.unary({ op: 'exp', dtype: 'bool', x: h, out: h, n: 2 })).toThrow(UnsupportedDTypeError);
    for (const err of [
      new StorageError('x'),
      new UnknownHandleError('free', 1),
      new UnsupportedDTypeError('a', 'b', 'c'),
    ]) {
      expect(err).toBeInstanceOf(core.CpError);
    }
  });

  it('throws when a kernel gets a handle of the wrong dtype', () => {
    const be = backend();
    const x = upload(be, 'int32', [1]);
    const out = be.alloc('float32', 1);
    expect(() => be.kernels.unary({ op: 'exp', dtype: 'float32', x, out, n: 1 })).toThrow(/expected float32/);
  });
});
