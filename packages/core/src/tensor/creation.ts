/**
 * Creating tensors: from data, constant-filled, ranges and identity. Everything goes to the current backend
 * unless `backend` is given.
 */
import type { Backend } from '../backend/backend.js';
import { type DType, dtypeOfArray, type TypedArray } from '../backend/dtype.js';
import { getBackend } from '../backend/registry.js';
import { ArgumentError, DTypeError } from '../errors.js';
import { empty } from '../ops/dispatch.js';
import { flattenNested, type NestedArray, shapeOfNested } from './nested.js';
import { type Shape, sizeOf } from './shape.js';
import type { Tensor } from './tensor.js';

/** Options of the creation functions. */
export interface CreationOptions {
  /** Element type; float32 by default (typed arrays keep theirs). */
  dtype?: DType;
  /** Make a leaf that requires gradients (float32 only). */
  requiresGrad?: boolean;
  /** The backend to allocate on (default: the current one). */
  backend?: Backend;
}

function finish(t: Tensor, options: CreationOptions | undefined): Tensor {
  if (options?.requiresGrad) t.requiresGrad_(true);
  return t;
}

function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new ArgumentError(`${op}: invalid shape [${shape.join(', ')}]: sizes must be integers >= 0`);
  }
}

/**
 * A tensor from nested arrays, a typed array (with `shape` in the options), or a number (0-dim). Numbers
 * default to float32 (JavaScript cannot tell 1 from 1.0); booleans to bool.
 */
export function tensor(data: NestedArray | TypedArray, options?: CreationOptions & { shape?: Shape }): Tensor {
  const backend = options?.backend ?? getBackend();
  let shape: Shape;
  let dtype: DType;
  let flat: TypedArray;
  if (ArrayBuffer.isView(data)) {
    shape = options?.shape ?? [data.length];
    checkShape('tensor', shape);
    if (sizeOf(shape) !== data.length) {
      throw new ArgumentError(
        `tensor: shape [${shape.join(', ')}] needs ${sizeOf(shape)} elements, the typed array has ${data.length}`,
      );
    }
    dtype = options?.dtype ?? dtypeOfArray(data);
    flat = dtypeOfArray(data) === dtype ? data : convertArray(data, dtype);
  } else {
    shape = shapeOfNested(data);
    if (options?.shape && sizeOf(options.shape) === sizeOf(shape)) shape = options.shape;
    dtype = options?.dtype ?? (firstLeaf(data) === 'boolean' ? 'bool' : 'float32');
    flat = flattenNested(data, sizeOf(shape), dtype);
  }
  const t = empty(backend, shape, dtype);
  backend.write(t.storage.handle, flat);
  return finish(t, options);
}

function firstLeaf(data: NestedArray): string {
  let v = data;
  while (Array.isArray(v)) {
    if (v.length === 0) return 'number';
    v = v[0];
  }
  return typeof v;
}

function convertArray(data: TypedArray, dtype: DType): TypedArray {
  if (dtype === 'float32') return Float32Array.from(data);
  if (dtype === 'int32') {
    const out = new Int32Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = saturateInt(data[i]);
    return out;
  }
  return Uint8Array.from(data, (v) => (v !== 0 ? 1 : 0));
}

// NOTE: same rule as the cast kernel: truncate toward zero, saturate, NaN -> 0.
function saturateInt(v: number): number {
  if (Number.isNaN(v)) return 0;
  return Math.max(-2147483648, Math.min(2147483647, Math.trunc(v)));
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: Shape, value: number, options?: CreationOptions): Tensor {
  checkShape('full', shape);
  const backend = options?.backend ?? getBackend();
  const dtype = options?.dtype ?? 'float32';
  const t = empty(backend, shape, dtype);
  backend.kernels.fill({ dtype, out: t.storage.handle, offset: 0, n: t.size, value });
  return finish(t, options);
}

/** A tensor of zeros. */
export function zeros(shape: Shape, options?: CreationOptions): Tensor {
  return full(shape, 0, options);
}

/** A tensor of ones. */
export function ones(shape: Shape, options?: CreationOptions): Tensor {
  return full(shape, 1, options);
}

/** Zeros with the shape, dtype and backend of `t`. */
export function zerosLike(t: Tensor, options?: CreationOptions): Tensor {
  return full(t.shape, 0, { dtype: t.dtype, backend: t.backend, ...options });
}

/** Ones with the shape, dtype and backend of `t`. */
export function onesLike(t: Tensor, options?: CreationOptions): Tensor {
  return full(t.shape, 1, { dtype: t.dtype, backend: t.backend, ...options });
}

/** `value` with the shape, dtype and backend of `t`. */
export function fullLike(t: Tensor, value: number, options?: CreationOptions): Tensor {
  return full(t.shape, value, { dtype: t.dtype, backend: t.backend, ...options });
}

/** `start, start + step, ...` below `end` (`arange(n)` is `0..n-1`). */
export function arange(start: number, end?: number, step = 1, options?: CreationOptions): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (step === 0 || !Number.isFinite(step))
    throw new ArgumentError(`arange: step must be a non-zero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = options?.dtype ?? 'float32';
  const values = dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = start + i * step;
  return tensor(values, { ...options, dtype });
}

/** `steps` evenly spaced values from `start` to `end` inclusive. */
export function linspace(start: number, end: number, steps: number, options?: CreationOptions): Tensor {
  if (!Number.isInteger(steps) || steps < 0)
    throw new ArgumentError(`linspace: steps must be an integer >= 0, got ${steps}`);
  const values = new Float32Array(steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  // NOTE: fill from both ends like PyTorch so the last value is exactly `end`.
  for (let i = 0; i < steps; i++) values[i] = i < steps / 2 ? start + i * step : end - (steps - 1 - i) * step;
  if (options?.dtype && options.dtype !== 'float32') throw new DTypeError('linspace: only float32 is supported');
  return tensor(values, options);
}

/** An `n x m` identity matrix (`m = n` by default). */
export function eye(n: number, m = n, options?: CreationOptions): Tensor {
  const dtype = options?.dtype ?? 'float32';
  const values =
    dtype === 'float32' ? new Float32Array(n * m) : dtype === 'int32' ? new Int32Array(n * m) : new Uint8Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) values[i * m + i] = 1;
  return tensor(values, { ...options, dtype, shape: [n, m] });
}
