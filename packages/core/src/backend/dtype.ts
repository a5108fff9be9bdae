/**
 * Element types. float32 is the compute type; int32 carries indices and labels; bool carries masks
 * (stored one byte per element, 0 or 1).
 */

/** The element type of a tensor. */
export type DType = 'float32' | 'int32' | 'bool';

/** The typed array that stores each dtype. */
export interface TypedArrayFor {
  float32: Float32Array;
  int32: Int32Array;
  bool: Uint8Array;
}

/** Any storage array. */
export type TypedArray = Float32Array | Int32Array | Uint8Array;

/** All dtypes, in a fixed order (for iteration in tests and docs). */
export const DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];

/** True for the name of a dtype cp supports. */
export function isDType(v: unknown): v is DType {
  return v === 'float32' || v === 'int32' || v === 'bool';
}

/** Bytes per element of each dtype. */
export const BYTES_PER_ELEMENT: Readonly<Record<DType, number>> = { float32: 4, int32: 4, bool: 1 };

/** Allocates a zeroed typed array for `dtype`. */
export function typedArrayFor(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

/** The dtype a typed array stores. */
export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}
