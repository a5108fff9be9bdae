/** Converting between nested JS arrays and flat typed arrays, with a clear error for ragged input. */
import { type DType, type TypedArray, typedArrayFor } from '../backend/dtype.js';
import { ArgumentError } from '../errors.js';
import type { Shape } from './shape.js';
import { storedValue } from './validate.js';

/** Nested arrays of numbers or booleans, or a single one. */
export type NestedArray = number | boolean | NestedArray[];

/** The shape of a nested array; throws on ragged or non-numeric input. */
export function shapeOfNested(data: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  checkNested(data, shape, 0, []);
  return shape;
}

function checkNested(data: NestedArray, shape: number[], depth: number, path: number[]): void {
  const where = path.length ? ` at [${path.join('][')}]` : '';
  if (depth === shape.length) {
    if (typeof data !== 'number' && typeof data !== 'boolean') {
      throw new ArgumentError(
        `tensor: expected a number or boolean${where}, got ${Array.isArray(data) ? 'an array' : typeof data}`,
      );
    }
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[depth]) {
    throw new ArgumentError(
      `tensor: ragged nested array${where}: expected length ${shape[depth]}, got ${Array.isArray(data) ? data.length : typeof data}`,
    );
  }
  for (let i = 0; i < data.length; i++) checkNested(data[i], shape, depth + 1, [...path, i]);
}

/**
 * Flattens a (checked) nested array into a typed array of `dtype`, converting each element by the
 * creation rules (`storedValue`: bool is non-zero, int32 truncates and rejects overflow).
 */
export function flattenNested(op: string, data: NestedArray, size: number, dtype: DType): TypedArray {
  const out = typedArrayFor(dtype, size);
  let i = 0;
  const stack: NestedArray[] = [data];
  // Iterative depth-first walk in order; arrays are pushed reversed so the first child pops first.
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (Array.isArray(v)) for (let j = v.length - 1; j >= 0; j--) stack.push(v[j]);
    else {
      const n = typeof v === 'boolean' ? Number(v) : v;
      out[i] = dtype === 'float32' ? n : storedValue(op, n, dtype, size > 1 ? ` (at flat position ${i})` : '');
      i++;
    }
  }
  return out;
}

/** Builds nested arrays from flat data. bool becomes true/false. */
export function toNested(data: TypedArray, shape: Shape, dtype: DType): NestedArray {
  const conv = dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
  if (shape.length === 0) return conv(data[0]);
  const build = (depth: number, offset: number, stride: number): NestedArray[] => {
    const n = shape[depth];
    const inner = stride / Math.max(n, 1);
    const out: NestedArray[] = new Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = depth === shape.length - 1 ? conv(data[offset + i]) : build(depth + 1, offset + i * inner, inner);
    }
    return out;
  };
  let size = 1;
  for (const d of shape) size *= d;
  return build(0, 0, size);
}
