/**
 * What every kernel test uses: a `Scratch` that uploads the same data to the backend under test and to host
 * copies for the reference, runs a kernel on both through the raw interface, and frees everything it made,
 * checking that the backend's live handle count is back where it started. The check runs synchronously
 * inside the test, so no garbage-collection finalizer of another suite can interleave with it.
 */
import type {
  Backend,
  DType,
  FusedKernelArgs,
  FusedKernelName,
  Handle,
  KernelArgs,
  KernelName,
  TypedArray,
} from '@cp/core/backend';
import { typedArrayFor } from '@cp/core/backend';
import fc from 'fast-check';
import { test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { referenceFused } from '../../reference/fused.js';
import { referenceKernels } from '../../reference/kernels.js';
import { assertClose, type Tolerance } from '../../tolerance.js';

/** Typed array of `dtype` from plain numbers. */
export function arrayOf(dtype: DType, values: ArrayLike<number>): TypedArray {
  const out = typedArrayFor(dtype, values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i];
  return out;
}

/** The value outputs are pre-filled with on both sides, so elements a kernel must not touch compare equal. */
const SENTINEL: Readonly<Record<DType, number>> = { float32: -7.25, int32: -7, bool: 1 };

/** Handles of one test on the backend under test, mirrored by host copies for the reference. */
export class Scratch {
  private readonly host = new Map<Handle, TypedArray>();
  private readonly handles: Handle[] = [];
  constructor(readonly backend: Backend) {}

  /** Uploads `data` (a copy is kept for the reference). */
  input(data: TypedArray): Handle {
    const h = this.backend.alloc(dtypeOf(data), data.length);
    this.handles.push(h);
    this.backend.write(h, data);
    this.host.set(h, data.slice());
    return h;
  }

  /** An output of `size` elements, pre-filled with the same sentinel on both sides (or with `initial`). */
  output(dtype: DType, size: number, initial?: TypedArray): Handle {
    const data = initial ?? arrayOf(dtype, new Array<number>(size).fill(SENTINEL[dtype]));
    return this.input(data);
  }

  /** The host copy behind a handle (what the reference reads and writes). */
  readonly resolve = (h: Handle): TypedArray => {
    const a = this.host.get(h);
    if (!a) throw new Error(`conformance: handle ${h} was not made by this scratch`);
    return a;
  };

  /** Runs a required kernel on the backend under test and on the reference. */
  run<K extends KernelName>(name: K, args: KernelArgs[K]): void {
    this.backend.kernels[name](args);
    referenceKernels[name](args, this.resolve);
  }

  /** Runs a fused kernel (which the backend must provide) on both sides. */
  runFused<K extends FusedKernelName>(name: K, args: FusedKernelArgs[K]): void {
    const kernel = this.backend.fused[name] as ((a: FusedKernelArgs[K]) => void) | undefined;
    if (!kernel) throw new Error(`conformance: backend has no fused '${name}'`);
    kernel(args);
    referenceFused[name](args, this.resolve);
  }

  /** The backend's current contents of `h`. */
  got(h: Handle): TypedArray {
    return this.backend.readSync(h);
  }

  /** Asserts the backend's `h` matches the reference's under `tol`. */
  check(what: string, h: Handle, tol: Tolerance, options?: Parameters<typeof assertClose>[4]): void {
    assertClose(what, this.got(h), this.resolve(h), tol, options);
  }

  /** Frees every handle this scratch made. */
  free(): void {
    for (const h of this.handles.splice(0)) this.backend.free(h);
  }
}

function dtypeOf(a: TypedArray): DType {
  return a instanceof Float32Array ? 'float32' : a instanceof Int32Array ? 'int32' : 'bool';
}

/** Runs `fn` with a fresh scratch, frees it, and checks no handle leaked (also on failure paths). */
export function withScratch<T>(backend: Backend, fn: (s: Scratch) => T): T {
  const before = backend.stats().handles;
  const s = new Scratch(backend);
  let result: T;
  try {
    result = fn(s);
  } finally {
    s.free();
  }
  const after = backend.stats().handles;
  if (after !== before)
    throw new Error(`conformance: ${after - before} handle(s) leaked (stats().handles ${before} -> ${after})`);
  return result;
}

/** Why a test does not apply to a backend (a missing capability or fused kernel), or false when it applies. */
export type SkipRule = (backend: Backend) => string | false;

/** Skips tests of `out === input` on backends that do not declare `capabilities.inPlace`. */
export const needsInPlace: SkipRule = (b) =>
  !b.capabilities.inPlace && 'the backend does not declare capabilities.inPlace';

/** Registers a property test: `fn` runs on a fresh scratch for each generated value. */
export function propTest<T>(
  ctx: SuiteContext,
  name: string,
  arb: fc.Arbitrary<T>,
  fn: (v: T, s: Scratch) => void,
  skipIf?: SkipRule,
): void {
  test(name, (t) => {
    const reason = skipIf?.(ctx.backend());
    if (reason) t.skip(reason);
    fc.assert(
      fc.property(arb, (v) => withScratch(ctx.backend(), (s) => fn(v, s))),
      { numRuns: ctx.numRuns, seed: ctx.seed },
    );
  });
}

/** Registers a fixed-case test on a fresh scratch. */
export function scratchTest(ctx: SuiteContext, name: string, fn: (s: Scratch) => void, skipIf?: SkipRule): void {
  test(name, (t) => {
    const reason = skipIf?.(ctx.backend());
    if (reason) t.skip(reason);
    withScratch(ctx.backend(), fn);
  });
}

/** Formats a list of values for failure messages. */
export function show(values: ArrayLike<number>, at?: number): string {
  if (at !== undefined) return String(values[at]);
  const list = Array.from(values).slice(0, 16).map(String);
  return `[${list.join(', ')}${values.length > 16 ? ', …' : ''}]`;
}

/** Special float32 values every table uses. */
export const SPECIALS = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  0,
  -0,
  1,
  -1,
  2 ** -149,
  3.4028234663852886e38,
];
