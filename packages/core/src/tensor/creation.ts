/**
 * Creating tensors: from data, constant-filled, ranges and identity. Everything goes to the current backend
 * unless `backend` is given. Every argument is checked before anything is allocated, and data is stored by
 * the creation rules of docs/numerics.md: bool is "non-zero is true" (stored 0 or 1), int32 truncates
 * toward zero and rejects a value that does not fit.
 */
import type { Backend } from '../backend/backend.js';
import { type DType, type TypedArray, typedArrayFor } from '../backend/dtype.js';
import { getBackend } from '../backend/registry.js';
import { empty, runKernel, withOp } from '../engine/dispatch.js';
import { ArgumentError, DTypeError, fmtShape, ShapeError } from '../errors.js';
import { flattenNested, type NestedArray, shapeOfNested } from './nested.js';
import { type Shape, sizeOf } from './shape.js';
import type { Tensor } from './tensor.js';
import {
  checkDType,
  checkInt,
  checkNumber,
  checkOptions,
  checkShape,
  checkTensor,
  describe,
  storedValue,
  toBoolByte,
  toInt32Exact,
} from './validate.js';

/** Options of the creation functions. */
export interface CreationOptions {
  /** Element type; float32 by default (typed arrays keep theirs). */
  dtype?: DType;
  /** Make a leaf that requires gradients (float32 only). */
  requiresGrad?: boolean;
  /** The backend to allocate on (default: the current one). */
  backend?: Backend;
}

/** The keys of `CreationOptions`, for the unknown-option check. */
export const CREATION_OPTION_KEYS: readonly string[] = ['dtype', 'requiresGrad', 'backend'];

/**
 * Any typed array `tensor()` takes. Float64Array becomes float32; Int8/Int16/Uint16/Uint32/Uint8Clamped
 * arrays become int32 (Uint32 values above 2^31 - 1 are an error); Uint8Array is bool.
 */
export type TypedArrayData =
  | TypedArray
  | Float64Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Uint32Array
  | Uint8ClampedArray;

/** @internal The checked dtype, backend and gradient flag of a creation call, resolved before allocation. */
export interface Resolved {
  /** The creation function, for messages (an out-of-memory error names it). */
  op: string;
  dtype: DType;
  backend: Backend;
  requiresGrad: boolean;
}

/** @internal Checks `options` of `op` (with `extraKeys` allowed) and resolves dtype and backend. */
export function resolveOptions(
  op: string,
  options: CreationOptions | undefined,
  defaultDType: DType,
  extraKeys: readonly string[] = [],
): Resolved {
  checkOptions(op, options, [...CREATION_OPTION_KEYS, ...extraKeys]);
  const dtype = options?.dtype === undefined ? defaultDType : checkDType(op, options.dtype);
  const requiresGrad = options?.requiresGrad ?? false;
  if (typeof requiresGrad !== 'boolean')
    throw new ArgumentError(`${op}: requiresGrad must be a boolean, got ${describe(requiresGrad)}`);
  if (requiresGrad && dtype !== 'float32')
    throw new DTypeError(`${op}: only float32 tensors can require gradients; the dtype is ${dtype}`);
  const backend = options?.backend ?? getBackend();
  if (typeof backend !== 'object' || backend === null || typeof backend.alloc !== 'function')
    throw new ArgumentError(`${op}: backend must be a Backend, got ${describe(backend)}`);
  return { op, dtype, backend, requiresGrad };
}

/** A new tensor for creation function `r.op`; an allocation failure names that function. */
function allocFor(r: Resolved, shape: Shape): Tensor {
  return withOp(r.op, () => empty(r.backend, shape, r.dtype));
}

function finish(t: Tensor, r: Resolved): Tensor {
  if (r.requiresGrad) t.requiresGrad_(true);
  return t;
}

// NOTE: generated tensors are written in chunks of this many elements (even, so Box-Muller pairs never
// straddle a chunk), so no host array as large as the tensor is ever made.
const CHUNK = 65536;

/**
 * @internal Allocates a tensor on the backend first (so its allocation limit is hit before any work), then
 * fills it chunk by chunk: `fill(chunk, start)` writes elements `start .. start + chunk.length - 1`.
 */
export function generate(
  shape: Shape,
  r: Resolved,
  fill: (chunk: TypedArray, start: number) => void,
  chunkSize = CHUNK,
): Tensor {
  return withOp(r.op, () => {
    const t = allocFor(r, shape);
    try {
      const n = t.size;
      const buf = typedArrayFor(r.dtype, Math.min(n, chunkSize));
      for (let start = 0; start < n; start += buf.length) {
        const chunk = n - start < buf.length ? buf.subarray(0, n - start) : buf;
        fill(chunk, start);
        r.backend.write(t.storage.handle, chunk, start);
      }
    } catch (e) {
      t.dispose();
      throw e;
    }
    return finish(t, r);
  });
}

/**
 * A tensor from nested arrays, a typed array (with `shape` in the options), or a number (0-dim). Numbers
 * default to float32 (JavaScript cannot tell 1 from 1.0); booleans to bool.
 */
export function tensor(data: NestedArray | TypedArrayData, options?: CreationOptions & { shape?: Shape }): Tensor {
  return withOp('tensor', () => {
    if (ArrayBuffer.isView(data)) {
      const natural = naturalDType(data);
      const r = resolveOptions('tensor', options, natural, ['shape']);
      const shape = options?.shape === undefined ? [data.length] : checkShape('tensor', options.shape);
      checkDataSize(shape, data.length);
      const flat = convertArray(data, r.dtype);
      const t = allocFor(r, shape);
      r.backend.write(t.storage.handle, flat);
      return finish(t, r);
    }
    const inferred = shapeOfNested(data);
    const r = resolveOptions('tensor', options, firstLeaf(data) === 'boolean' ? 'bool' : 'float32', ['shape']);
    let shape = inferred;
    if (options?.shape !== undefined) {
      shape = checkShape('tensor', options.shape);
      checkDataSize(shape, sizeOf(inferred));
    }
    const flat = flattenNested('tensor', data, sizeOf(shape), r.dtype);
    const t = allocFor(r, shape);
    r.backend.write(t.storage.handle, flat);
    return finish(t, r);
  });
}

function checkDataSize(shape: Shape, n: number): void {
  if (sizeOf(shape) !== n) {
    throw new ShapeError(`tensor: shape ${fmtShape(shape)} needs ${sizeOf(shape)} elements, the data has ${n}`);
  }
}

function firstLeaf(data: NestedArray): string {
  let v = data;
  while (Array.isArray(v)) {
    if (v.length === 0) return 'number';
    v = v[0];
  }
  return typeof v;
}

/** The dtype a typed array becomes when no dtype is asked for. */
function naturalDType(data: ArrayBufferView): DType {
  if (data instanceof Float32Array || data instanceof Float64Array) return 'float32';
  if (data instanceof Uint8Array && !(data instanceof Uint8ClampedArray)) return 'bool';
  if (
    data instanceof Int32Array ||
    data instanceof Int8Array ||
    data instanceof Int16Array ||
    data instanceof Uint16Array ||
    data instanceof Uint32Array ||
    data instanceof Uint8ClampedArray
  )
    return 'int32';
  if (typeof BigInt64Array !== 'undefined' && (data instanceof BigInt64Array || data instanceof BigUint64Array)) {
    throw new DTypeError(
      `tensor: ${data.constructor.name} is not supported (cp has no 64-bit integers); convert to an Int32Array`,
    );
  }
  if (data.constructor.name === 'Float16Array') return 'float32';
  throw new ArgumentError(`tensor: expected nested arrays, a number or a typed array, got ${describe(data)}`);
}

/** `data` as the storage array of `dtype`, by the creation rules. */
function convertArray(data: ArrayBufferView, dtype: DType): TypedArray {
  const src = data as unknown as ArrayLike<number>;
  if (dtype === 'float32') return data instanceof Float32Array ? data : Float32Array.from(src);
  if (dtype === 'int32') {
    if (data instanceof Int32Array) return data;
    const out = new Int32Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = toInt32Exact('tensor', src[i], ` (at flat position ${i})`);
    return out;
  }
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = toBoolByte(src[i]);
  return out;
}

/** The stored element for a fill value: a number, or a boolean (0 or 1). */
export function fillValue(op: string, value: unknown, dtype: DType): number {
  if (typeof value !== 'number' && typeof value !== 'boolean')
    throw new ArgumentError(`${op}: fill value must be a number or a boolean, got ${describe(value)}`);
  return storedValue(op, Number(value), dtype);
}

function fullOf(op: string, shape: Shape, value: number | boolean, options: CreationOptions | undefined): Tensor {
  return withOp(op, () => {
    const s = checkShape(op, shape);
    const r = resolveOptions(op, options, typeof value === 'boolean' ? 'bool' : 'float32');
    const v = fillValue(op, value, r.dtype);
    const t = allocFor(r, s);
    runKernel(r.backend, 'fill', { dtype: r.dtype, out: t.storage.handle, offset: 0, n: t.size, value: v }, op, []);
    return finish(t, r);
  });
}

/**
 * A tensor of `shape` filled with `value`. A boolean fills a bool tensor unless a dtype is given; an
 * int32 fill truncates toward zero and must fit int32.
 */
export function full(shape: Shape, value: number | boolean, options?: CreationOptions): Tensor {
  return fullOf('full', shape, value, options);
}

/** A tensor of zeros. */
export function zeros(shape: Shape, options?: CreationOptions): Tensor {
  return fullOf('zeros', shape, 0, options);
}

/** A tensor of ones. */
export function ones(shape: Shape, options?: CreationOptions): Tensor {
  return fullOf('ones', shape, 1, options);
}

function like(op: string, t: Tensor, value: number | boolean, options: CreationOptions | undefined): Tensor {
  checkTensor(op, t);
  checkOptions(op, options, CREATION_OPTION_KEYS);
  return fullOf(op, t.shape, value, { dtype: t.dtype, backend: t.backend, ...options });
}

/** Zeros with the shape, dtype and backend of `t`. */
export function zerosLike(t: Tensor, options?: CreationOptions): Tensor {
  return like('zerosLike', t, 0, options);
}

/** Ones with the shape, dtype and backend of `t`. */
export function onesLike(t: Tensor, options?: CreationOptions): Tensor {
  return like('onesLike', t, 1, options);
}

/** `value` with the shape, dtype and backend of `t`. */
export function fullLike(t: Tensor, value: number | boolean, options?: CreationOptions): Tensor {
  return like('fullLike', t, value, options);
}

/**
 * `start, start + step, ...` below `end` (`arange(n)` is `0..n-1`). float32 or int32; every value must fit
 * the dtype (int32 values are truncated toward zero and must fit int32).
 */
export function arange(start: number, end?: number, step = 1, options?: CreationOptions): Tensor {
  checkNumber('arange', 'start', start, true);
  if (end !== undefined) checkNumber('arange', 'end', end, true);
  checkNumber('arange', 'step', step, true);
  if (step === 0) throw new ArgumentError('arange: step must be a non-zero finite number, got 0');
  if (end === undefined) [start, end] = [0, start];
  const r = resolveOptions('arange', options, 'float32');
  if (r.dtype === 'bool') throw new DTypeError('arange: bool is not supported; use float32 or int32');
  const n = Math.max(0, Math.ceil((end - start) / step));
  if (!Number.isSafeInteger(n))
    throw new ArgumentError(`arange: the range ${start} to ${end} by ${step} has ${n} elements, too many`);
  if (r.dtype === 'int32' && n > 0) {
    // NOTE: the values are monotonic, so checking both ends checks them all.
    toInt32Exact('arange', start);
    toInt32Exact('arange', start + (n - 1) * step);
  }
  return generate([n], r, (chunk, first) => {
    for (let i = 0; i < chunk.length; i++) chunk[i] = start + (first + i) * step;
  });
}

/** `steps` evenly spaced values from `start` to `end` inclusive (float32). */
export function linspace(start: number, end: number, steps: number, options?: CreationOptions): Tensor {
  checkNumber('linspace', 'start', start);
  checkNumber('linspace', 'end', end);
  checkInt('linspace', 'steps', steps, 0);
  const r = resolveOptions('linspace', options, 'float32');
  if (r.dtype !== 'float32') throw new DTypeError(`linspace: only float32 is supported, got ${r.dtype}`);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  return generate([steps], r, (chunk, first) => {
    for (let j = 0; j < chunk.length; j++) {
      const i = first + j;
      // NOTE: fill from both ends like PyTorch so the last value is exactly `end`.
      chunk[j] = i < steps / 2 ? start + i * step : end - (steps - 1 - i) * step;
    }
  });
}

/** An `n x m` identity matrix (`m = n` by default). */
export function eye(n: number, m = n, options?: CreationOptions): Tensor {
  checkInt('eye', 'n', n, 0);
  checkInt('eye', 'm', m, 0);
  const shape = checkShape('eye', [n, m]);
  const r = resolveOptions('eye', options, 'float32');
  return generate(shape, r, (chunk, first) => {
    chunk.fill(0);
    // The diagonal entry of row i sits at i·(m + 1); visit only the rows this chunk holds.
    const end = first + chunk.length;
    for (let i = Math.floor(first / m); i < Math.min(n, m) && i * (m + 1) < end; i++) {
      const k = i * (m + 1);
      if (k >= first) chunk[k - first] = 1;
    }
  });
}
