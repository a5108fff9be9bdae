// Test helpers: run the same kernel call on the wasm backend and on the reference @cp/backend-js, with
// seeded data, and compare the outputs exactly, in ulps, or within an absolute bound per element.
import { createJsBackend } from '@cp/backend-js';
import type { Backend, DType, Handle, TypedArray } from '@cp/core/backend';
import fc from 'fast-check';
import { expect } from 'vitest';
import { createWasmBackend, type WasmBackend } from '../src/index.js';

fc.configureGlobal({ seed: Number(process.env.CP_SEED ?? 42), numRuns: Number(process.env.CP_RUNS ?? 60) });

/** The backend under test, shared by a test file (tests check it holds no handles afterwards). */
export const wasm: WasmBackend = await createWasmBackend();
/** The reference. */
export const ref: Backend = createJsBackend();

/** A seeded PRNG (mulberry32) returning floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values that every float kernel should see. */
export const SPECIALS = [
  Number.NaN,
  Infinity,
  -Infinity,
  0,
  -0,
  1,
  -1,
  0.5,
  -2.5,
  1e-45,
  -1e-40,
  3.4e38,
  -3.4e38,
  1e-30,
];

/** Random data of `dtype`: floats uniform in [lo, hi] (with specials mixed in when `specials`). */
export function data(
  dtype: DType,
  n: number,
  seed: number,
  opts: { lo?: number; hi?: number; specials?: boolean } = {},
): TypedArray {
  const r = rng(seed);
  const { lo = -10, hi = 10 } = opts;
  if (dtype === 'bool') return Uint8Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0));
  if (dtype === 'int32') {
    return Int32Array.from({ length: n }, () =>
      r() < 0.2 ? (r() * 2 ** 32) | 0 : Math.floor(lo + (hi - lo + 1) * r()),
    );
  }
  return Float32Array.from({ length: n }, () =>
    opts.specials && r() < 0.15 ? SPECIALS[Math.floor(r() * SPECIALS.length)] : lo + (hi - lo) * r(),
  );
}

/** An output or in-place buffer: its dtype, size, and initial contents (default: garbage). */
export interface Buf {
  dtype: DType;
  init?: TypedArray;
  size?: number;
}

/**
 * Runs `call` on both backends with buffers created from `bufs` (keyed by name), returns every buffer's
 * final contents from each, and frees everything.
 */
export function runBoth(
  bufs: Record<string, Buf>,
  call: (be: Backend, h: Record<string, Handle>) => void,
): { got: Record<string, TypedArray>; want: Record<string, TypedArray> } {
  const go = (be: Backend) => {
    const h: Record<string, Handle> = {};
    for (const [name, b] of Object.entries(bufs)) {
      const size = b.init?.length ?? b.size ?? 0;
      h[name] = be.alloc(b.dtype, size);
      if (b.init) be.write(h[name], b.init);
      else if (b.dtype === 'float32' && size > 0) be.write(h[name], new Float32Array(size).fill(Number.NaN));
    }
    try {
      call(be, h);
      return Object.fromEntries(Object.keys(bufs).map((k) => [k, be.readSync(h[k])]));
    } finally {
      for (const k of Object.keys(h)) be.free(h[k]);
    }
  };
  return { got: go(wasm), want: go(ref) };
}

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** Position of a float32 on the integer line (so ulp distance is a difference). */
function ordered(x: number): number {
  f32[0] = x;
  const b = i32[0];
  return b < 0 ? -2147483648 - b : b;
}

/** Distance in float32 ulps (0 for equal values and for two NaNs). */
export function ulps(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === b) return 0;
  return Math.abs(ordered(a) - ordered(b));
}

/** Asserts bitwise-equal contents (NaN equals NaN; -0 differs from +0). */
export function expectExact(got: TypedArray, want: TypedArray, what = ''): void {
  expect(got.constructor).toBe(want.constructor);
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    if (!Object.is(got[i], want[i])) expect.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]}`);
  }
}

/** Asserts contents within `k` float32 ulps. */
export function expectUlps(got: TypedArray, want: TypedArray, k: number, what = ''): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    if (ulps(got[i], want[i]) > k) expect.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]} (> ${k} ulps)`);
  }
}

/** Asserts |got - want| <= bound[i] + 1 ulp of want, elementwise (NaN/inf must match exactly). */
export function expectWithin(got: TypedArray, want: TypedArray, bound: ArrayLike<number>, what = ''): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    const [g, w] = [got[i], want[i]];
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      if (!Object.is(g, w) && !(Number.isNaN(g) && Number.isNaN(w))) expect.fail(`${what}[${i}]: got ${g}, want ${w}`);
      continue;
    }
    const ulp = Math.max(2 ** -149, Math.abs(w) * 2 ** -23);
    if (Math.abs(g - w) > bound[i] + ulp) expect.fail(`${what}[${i}]: got ${g}, want ${w}, bound ${bound[i]}`);
  }
}

/** Contiguous strides of a shape. */
export function contiguous(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/** Product of a shape. */
export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** A shape of rank 0..maxRank with dims 0..maxDim (0 only when allowZero). */
export const shapeArb = (maxRank = 4, maxDim = 5, allowZero = true) =>
  fc.array(fc.integer({ min: allowZero ? 0 : 1, max: maxDim }), { minLength: 0, maxLength: maxRank });

/**
 * An operand layout for an output `shape`: some dims broadcast (stride 0, size 1 in storage), the rest
 * stored in a permuted order. Returns the strides and the storage size.
 */
export function operandLayout(shape: readonly number[], seed: number): { strides: number[]; size: number } {
  const r = rng(seed);
  const stored = shape.map((d) => (d > 1 && r() < 0.3 ? 1 : d));
  const order = shape.map((_, i) => i).sort(() => r() - 0.5);
  const strides = new Array<number>(shape.length).fill(0);
  let acc = 1;
  for (let j = order.length - 1; j >= 0; j--) {
    const d = order[j];
    strides[d] = stored[d] === 1 ? 0 : acc;
    acc *= stored[d];
  }
  return { strides, size: numel(stored) };
}

/** Asserts the wasm backend holds no handles (each test frees what it allocates). */
export function expectNoLeaks(): void {
  expect(wasm.stats().handles).toBe(0);
}
