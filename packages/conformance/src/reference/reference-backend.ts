/**
 * The reference kernels wrapped into a complete `Backend` ('reference'), so a whole op (and its gradient)
 * can run on the reference and on the backend under test with the same inputs and be compared. It is slow
 * on purpose: every kernel is a naive loop in float64. It provides every fused kernel. Its storage throws
 * the contract's errors like any backend: `UnknownHandleError`, `OutOfMemoryError` (over 4 GiB live),
 * `UnsupportedError` (an unknown dtype), and `ReferenceStorageError` for writes that do not fit.
 */
import { ArgumentError, OutOfMemoryError, UnknownHandleError, UnsupportedError } from '@cp/core';
import {
  type Backend,
  BYTES_PER_ELEMENT,
  DTYPES,
  type DType,
  dtypeOfArray,
  type FusedKernelName,
  type FusedKernels,
  type Handle,
  type KernelName,
  type Kernels,
  type TypedArray,
  typedArrayFor,
} from '@cp/core/backend';
import { referenceFused } from './fused.js';
import { referenceKernels } from './kernels.js';

/** Misuse of the reference backend's storage (a bad size, a write of another dtype or past the end). */
export class ReferenceStorageError extends ArgumentError {
  override name = 'ReferenceStorageError';
}

/** The most bytes the reference backend's live storage may hold. */
const MAX_BYTES = 2 ** 32;

/** Makes a fresh reference backend with its own storage. */
export function createReferenceBackend(): Backend {
  const arrays = new Map<Handle, TypedArray>();
  let next = 1;
  let bytes = 0;
  const get = (h: Handle): TypedArray => {
    const a = arrays.get(h);
    if (!a) throw new UnknownHandleError(`reference backend: handle ${h} is unknown or already freed`);
    return a;
  };
  const kernels = Object.fromEntries(
    (Object.keys(referenceKernels) as KernelName[]).map((name) => [
      name,
      (args: never) => (referenceKernels[name] as (a: never, m: typeof get) => void)(args, get),
    ]),
  ) as unknown as Kernels;
  const fused = Object.fromEntries(
    (Object.keys(referenceFused) as FusedKernelName[]).map((name) => [
      name,
      (args: never) => (referenceFused[name] as (a: never, m: typeof get) => void)(args, get),
    ]),
  ) as FusedKernels;
  return {
    name: 'reference',
    capabilities: { sync: true, inPlace: true },
    alloc(dtype: DType, size: number): Handle {
      if (!DTYPES.includes(dtype)) {
        throw new UnsupportedError(
          `reference backend: alloc: dtype '${String(dtype)}' is not one of ${DTYPES.join(', ')}`,
        );
      }
      if (!Number.isSafeInteger(size) || size < 0)
        throw new ReferenceStorageError(`reference backend: bad size ${size}`);
      const want = size * BYTES_PER_ELEMENT[dtype];
      if (bytes + want > MAX_BYTES) {
        throw new OutOfMemoryError(
          `reference backend: out of memory allocating ${want} bytes for ${size} ${dtype}: live ${bytes} bytes, ` +
            `largest free block ${MAX_BYTES - bytes} bytes, limit ${MAX_BYTES} bytes. Dispose tensors you no longer need.`,
        );
      }
      const a = typedArrayFor(dtype, size);
      const h = next++;
      arrays.set(h, a);
      bytes += a.byteLength;
      return h;
    },
    free(h: Handle): void {
      const a = get(h);
      arrays.delete(h);
      bytes -= a.byteLength;
    },
    write(h: Handle, data: TypedArray, offset = 0): void {
      const a = get(h);
      if (dtypeOfArray(a) !== dtypeOfArray(data) || offset < 0 || offset + data.length > a.length) {
        throw new ReferenceStorageError(
          `reference backend: cannot write ${data.length} ${dtypeOfArray(data)} at ${offset} into handle ${h}`,
        );
      }
      a.set(data, offset);
    },
    readSync: (h: Handle) => get(h).slice(),
    read: async (h: Handle) => get(h).slice(),
    stats: () => ({ handles: arrays.size, bytes, reservedBytes: bytes }),
    kernels,
    fused,
    dispose(): void {
      arrays.clear();
      bytes = 0;
    },
  };
}
