// Shared test helpers: a fresh backend per test and one-line upload/download of typed arrays.
import type { Backend, DType, Handle } from '@cp/core/backend';
import { createJsBackend } from '../src/index.js';

/** A fresh backend (each test gets its own storage). */
export function backend(): Backend {
  return createJsBackend();
}

/** Uploads `values` as a new handle of `dtype`. */
export function upload(be: Backend, dtype: DType, values: ArrayLike<number>): Handle {
  const data =
    dtype === 'float32'
      ? Float32Array.from(values)
      : dtype === 'int32'
        ? Int32Array.from(values)
        : Uint8Array.from(values);
  const h = be.alloc(dtype, data.length);
  be.write(h, data);
  return h;
}

/** Reads a handle back as a plain number array. */
export function download(be: Backend, h: Handle): number[] {
  return Array.from(be.readSync(h));
}

/** Float32 rounding of each value, for expectations. */
export function f32(values: number[]): number[] {
  return values.map((v) => Math.fround(v));
}
