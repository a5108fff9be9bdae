/**
 * The float64 reference of every required kernel, written as plainly as possible: naive loops over
 * multi-indices, math in float64, and one rounding to the output dtype per output element (the rules are in
 * scalar.ts). Each kernel reads its handles through a resolver, so the same code serves the reference backend
 * and the kernel suites (which resolve handles to host copies). Nothing here imports a backend.
 */
import type {
  ArgReduceOp,
  BinaryOp,
  CompareOp,
  DType,
  Handle,
  KernelArgs,
  KernelName,
  ReduceOp,
  TypedArray,
  UnaryOp,
} from '@cp/core/backend';
import {
  erf64,
  f32,
  fmod64,
  logaddexp64,
  maxNaN,
  minNaN,
  powIeee,
  remainder64,
  saturateI32,
  sigmoid64,
  signOf,
  toBool,
  wrapI32,
} from './scalar.js';

/** Maps a handle to the typed array behind it. */
export type Resolve = (h: Handle) => TypedArray;

/** Rounds a float64 result to what `dtype` stores. */
export function roundTo(dtype: DType, v: number): number {
  if (dtype === 'float32') return f32(v);
  if (dtype === 'int32') return saturateI32(v);
  return toBool(v);
}

/** Calls `fn(flatIndex, offsets)` for every index of `shape`, with one offset per strides list. */
export function forEachIndex(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  fn: (i: number, offs: number[]) => void,
): void {
  const size = shape.reduce((p, d) => p * d, 1);
  const offs = strides.map(() => 0);
  for (let i = 0; i < size; i++) {
    let rest = i;
    offs.fill(0);
    for (let d = shape.length - 1; d >= 0; d--) {
      const idx = rest % shape[d];
      rest = (rest - idx) / shape[d];
      for (let k = 0; k < strides.length; k++) offs[k] += idx * strides[k][d];
    }
    fn(i, offs);
  }
}

const UNARY_F32: { readonly [P in UnaryOp]: (x: number) => number } = {
  neg: (x) => -x,
  abs: Math.abs,
  sign: signOf,
  exp: Math.exp,
  expm1: Math.expm1,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  recip: (x) => 1 / x,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  sigmoid: sigmoid64,
  relu: (x) => maxNaN(x, 0),
  erf: erf64,
  floor: Math.floor,
  tan: Math.tan,
  atan: Math.atan,
  asin: Math.asin,
  acos: Math.acos,
};

/** int32 unary ops; `null` marks the float32-only ones. */
const UNARY_I32: { readonly [P in UnaryOp]: ((x: number) => number) | null } = {
  neg: (x) => wrapI32(-x),
  abs: (x) => wrapI32(Math.abs(x)),
  sign: signOf,
  exp: null,
  expm1: null,
  log: null,
  log1p: null,
  sqrt: null,
  rsqrt: null,
  recip: null,
  sin: null,
  cos: null,
  tanh: null,
  sigmoid: null,
  relu: null,
  erf: null,
  floor: null,
  tan: null,
  atan: null,
  asin: null,
  acos: null,
};

const BINARY_F32: { readonly [P in BinaryOp]: (a: number, b: number) => number } = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: powIeee,
  max: maxNaN,
  min: minNaN,
  atan2: Math.atan2,
  fmod: fmod64,
  remainder: remainder64,
  logaddexp: logaddexp64,
};

/** int32 binary ops; `null` marks the float32-only ones. */
const BINARY_I32: { readonly [P in BinaryOp]: ((a: number, b: number) => number) | null } = {
  add: (a, b) => wrapI32(a + b),
  sub: (a, b) => wrapI32(a - b),
  mul: Math.imul,
  max: Math.max,
  min: Math.min,
  div: null,
  pow: null,
  atan2: null,
  fmod: null,
  remainder: null,
  logaddexp: null,
};

const COMPARE: { readonly [P in CompareOp]: (a: number, b: number) => boolean } = {
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
  gt: (a, b) => a > b,
  ge: (a, b) => a >= b,
};

/** Each reduction: its identity (`null`: start from the first element) and one accumulation step. */
const REDUCE: {
  readonly [P in ReduceOp]: { init: number | null; step: (acc: number, v: number, int32: boolean) => number };
} = {
  sum: { init: 0, step: (acc, v, int) => (int ? wrapI32(acc + v) : acc + v) },
  prod: { init: 1, step: (acc, v, int) => (int ? Math.imul(acc, v) : acc * v) },
  max: { init: null, step: maxNaN },
  min: { init: null, step: minNaN },
};

/** Whether `v` beats the current best `b` of each arg-reduction. */
const BETTER: { readonly [P in ArgReduceOp]: (v: number, b: number) => boolean } = {
  argmax: (v, b) => v > b,
  argmin: (v, b) => v < b,
};

/** The scalar function of a binary op for a dtype (undefined when the contract does not allow the pair). */
export function binaryFn(op: BinaryOp, dtype: DType): ((a: number, b: number) => number) | undefined {
  return dtype === 'float32' ? BINARY_F32[op] : dtype === 'int32' ? (BINARY_I32[op] ?? undefined) : undefined;
}

/** The scalar function of a unary op for a dtype (undefined when the contract does not allow the pair). */
export function unaryFn(op: UnaryOp, dtype: DType): ((x: number) => number) | undefined {
  return dtype === 'float32' ? UNARY_F32[op] : dtype === 'int32' ? (UNARY_I32[op] ?? undefined) : undefined;
}

function need<T>(fn: T | undefined, what: string): T {
  if (fn === undefined) throw new Error(`reference: ${what} is not in the kernel contract`);
  return fn;
}

/** Writes `values` into `out` after computing all of them, so `out` may alias an input. */
function store(out: TypedArray, values: number[], offset = 0): void {
  for (let i = 0; i < values.length; i++) out[offset + i] = values[i];
}

/** Reference implementations of the required kernels. */
export const referenceKernels: { [K in KernelName]: (args: KernelArgs[K], mem: Resolve) => void } = {
  unary({ op, dtype, x, out, n }, mem) {
    const fn = need(unaryFn(op, dtype), `unary '${op}' on ${dtype}`);
    const src = mem(x);
    const vals: number[] = [];
    for (let i = 0; i < n; i++) vals.push(roundTo(dtype, fn(src[i])));
    store(mem(out), vals);
  },
  binary({ op, dtype, a, b, out, shape, aStrides, bStrides }, mem) {
    const fn = need(binaryFn(op, dtype), `binary '${op}' on ${dtype}`);
    const A = mem(a);
    const B = mem(b);
    const vals: number[] = [];
    forEachIndex(shape, [aStrides, bStrides], (_, [ia, ib]) => vals.push(roundTo(dtype, fn(A[ia], B[ib]))));
    store(mem(out), vals);
  },
  binaryScalar({ op, dtype, x, scalar, reverse, out, n }, mem) {
    const fn = need(binaryFn(op, dtype), `binaryScalar '${op}' on ${dtype}`);
    // NOTE: the scalar is converted to the kernel's dtype first, exactly as `fill` converts its value.
    const s = roundTo(dtype, scalar);
    const src = mem(x);
    const vals: number[] = [];
    for (let i = 0; i < n; i++) vals.push(roundTo(dtype, reverse ? fn(s, src[i]) : fn(src[i], s)));
    store(mem(out), vals);
  },
  compare({ op, a, b, out, shape, aStrides, bStrides }, mem) {
    const fn = need(COMPARE[op], `compare '${op}'`);
    const A = mem(a);
    const B = mem(b);
    const vals: number[] = [];
    forEachIndex(shape, [aStrides, bStrides], (_, [ia, ib]) => vals.push(fn(A[ia], B[ib]) ? 1 : 0));
    store(mem(out), vals);
  },
  where({ cond, a, b, out, shape, condStrides, aStrides, bStrides }, mem) {
    const C = mem(cond);
    const A = mem(a);
    const B = mem(b);
    const vals: number[] = [];
    forEachIndex(shape, [condStrides, aStrides, bStrides], (_, [ic, ia, ib]) => vals.push(C[ic] !== 0 ? A[ia] : B[ib]));
    store(mem(out), vals);
  },
  cast({ x, to, out, n }, mem) {
    const src = mem(x);
    const vals: number[] = [];
    for (let i = 0; i < n; i++) vals.push(roundTo(to, src[i]));
    store(mem(out), vals);
  },
  reduce({ op, dtype, x, out, outer, size, inner }, mem) {
    const src = mem(x);
    const dst = mem(out);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const at = (s: number) => src[(o * size + s) * inner + i];
        const { init, step } = REDUCE[op];
        const int = dtype === 'int32';
        // NOTE: max and min start from the first element (they have no identity in the data); size >= 1 there.
        let acc = init ?? at(0);
        for (let s = init === null ? 1 : 0; s < size; s++) acc = step(acc, at(s), int);
        dst[o * inner + i] = roundTo(dtype, acc);
      }
    }
  },
  argReduce({ op, x, out, outer, size, inner }, mem) {
    const src = mem(x);
    const dst = mem(out);
    const better = BETTER[op];
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let best = 0;
        for (let s = 0; s < size; s++) {
          const v = src[(o * size + s) * inner + i];
          // NOTE: the first NaN counts as the extreme and nothing beats it.
          if (Number.isNaN(v)) {
            best = s;
            break;
          }
          if (better(v, src[(o * size + best) * inner + i])) best = s;
        }
        dst[o * inner + i] = best;
      }
    }
  },
  matmul({ a, b, out, batch, m, k, n, transA, transB, aBatchStride, bBatchStride }, mem) {
    const A = mem(a);
    const B = mem(b);
    const C = mem(out);
    for (let t = 0; t < batch; t++) {
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let acc = 0;
          for (let p = 0; p < k; p++) {
            const av = A[t * aBatchStride + (transA ? p * m + i : i * k + p)];
            const bv = B[t * bBatchStride + (transB ? j * k + p : p * n + j)];
            acc += av * bv;
          }
          C[(t * m + i) * n + j] = f32(acc);
        }
      }
    }
  },
  copyStrided({ x, xOffset, xStrides, out, outOffset, outStrides, shape }, mem) {
    const src = mem(x);
    const dst = mem(out);
    forEachIndex(shape, [xStrides, outStrides], (_, [ix, io]) => {
      dst[outOffset + io] = src[xOffset + ix];
    });
  },
  fill({ dtype, out, offset, n, value }, mem) {
    const dst = mem(out);
    const v = roundTo(dtype, value);
    for (let i = 0; i < n; i++) dst[offset + i] = v;
  },
  gather({ x, index, out, outer, size, inner, count, indexStrides: [s0, s1, s2] }, mem) {
    const src = mem(x);
    const idx = mem(index);
    const dst = mem(out);
    for (let o = 0; o < outer; o++) {
      for (let c = 0; c < count; c++) {
        for (let i = 0; i < inner; i++) {
          dst[(o * count + c) * inner + i] = src[(o * size + idx[o * s0 + c * s1 + i * s2]) * inner + i];
        }
      }
    }
  },
  scatterAdd({ dtype, src, index, out, outer, size, inner, count, indexStrides: [s0, s1, s2] }, mem) {
    const from = mem(src);
    const idx = mem(index);
    const dst = mem(out);
    const acc = Array.from(dst, Number);
    for (let o = 0; o < outer; o++) {
      for (let c = 0; c < count; c++) {
        for (let i = 0; i < inner; i++) {
          const at = (o * size + idx[o * s0 + c * s1 + i * s2]) * inner + i;
          acc[at] =
            dtype === 'int32'
              ? wrapI32(acc[at] + from[(o * count + c) * inner + i])
              : acc[at] + from[(o * count + c) * inner + i];
        }
      }
    }
    for (let j = 0; j < acc.length; j++) dst[j] = roundTo(dtype, acc[j]);
  },
  scan({ op, dtype, x, out, outer, size, inner }, mem) {
    const src = mem(x);
    const dst = mem(out);
    const int = dtype === 'int32';
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let acc = op === 'sum' ? 0 : 1;
        for (let s = 0; s < size; s++) {
          const at = (o * size + s) * inner + i;
          // NOTE: float32 runs in float64 and rounds each output once; int32 wraps at every step, as stored.
          if (op === 'sum') acc = int ? wrapI32(acc + src[at]) : acc + src[at];
          else acc = int ? Math.imul(acc, src[at]) : acc * src[at];
          dst[at] = roundTo(dtype, acc);
        }
      }
    }
  },
  argsort({ x, out, rows, cols, descending }, mem) {
    const src = mem(x);
    const dst = mem(out);
    // NOTE: the contract's total order: NaN above every number, -0 equal to 0, ties by increasing position.
    const key = (v: number) => (Number.isNaN(v) ? Number.POSITIVE_INFINITY : v);
    const nan = (v: number) => (Number.isNaN(v) ? 1 : 0);
    for (let r = 0; r < rows; r++) {
      const row = Array.from({ length: cols }, (_, c) => ({ c, v: src[r * cols + c] }));
      row.sort((a, b) => {
        const cmp = nan(a.v) - nan(b.v) || (key(a.v) < key(b.v) ? -1 : key(a.v) > key(b.v) ? 1 : 0);
        return (descending ? -cmp : cmp) || a.c - b.c;
      });
      row.forEach((e, c) => {
        dst[r * cols + c] = e.c;
      });
    }
  },
};
