/**
 * The exports of cp_kernels.wasm, typed, and the integer codes the Rust shims (crate/src/lib.rs) expect
 * for dtypes and ops. Only numbers cross the boundary: pointers are byte offsets into linear memory.
 */
import type { ArgReduceOp, BinaryOp, CompareOp, DType, ReduceOp, UnaryOp } from '@cp/core/backend';

type Ptr = number;

/** The functions and memory exported by the kernel module. */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  readonly __heap_base: WebAssembly.Global;
  cp_unary(dtype: number, op: number, x: Ptr, out: Ptr, n: number): void;
  cp_binary(dtype: number, op: number, a: Ptr, b: Ptr, out: Ptr, rank: number, shape: Ptr, sa: Ptr, sb: Ptr): void;
  /** `bits` is the scalar converted to the dtype (float32 rounding or the int32 cast rule), as a 32-bit pattern. */
  cp_binary_scalar(dtype: number, op: number, x: Ptr, bits: number, reverse: number, out: Ptr, n: number): void;
  cp_compare(dtype: number, op: number, a: Ptr, b: Ptr, out: Ptr, rank: number, shape: Ptr, sa: Ptr, sb: Ptr): void;
  cp_where(
    width: number,
    cond: Ptr,
    a: Ptr,
    b: Ptr,
    out: Ptr,
    rank: number,
    shape: Ptr,
    sc: Ptr,
    sa: Ptr,
    sb: Ptr,
  ): void;
  cp_cast(from: number, to: number, x: Ptr, out: Ptr, n: number): void;
  cp_reduce(dtype: number, op: number, x: Ptr, out: Ptr, outer: number, size: number, inner: number): void;
  cp_arg_reduce(dtype: number, op: number, x: Ptr, out: Ptr, outer: number, size: number, inner: number): void;
  cp_matmul(
    a: Ptr,
    b: Ptr,
    out: Ptr,
    batch: number,
    m: number,
    k: number,
    n: number,
    transA: number,
    transB: number,
    aBatchStride: number,
    bBatchStride: number,
  ): void;
  cp_copy_strided(
    width: number,
    x: Ptr,
    xOffset: number,
    xStrides: Ptr,
    out: Ptr,
    outOffset: number,
    outStrides: Ptr,
    rank: number,
    shape: Ptr,
  ): void;
  cp_fill32(out: Ptr, n: number, bits: number): void;
  cp_fill8(out: Ptr, n: number, byte: number): void;
  cp_gather(
    width: number,
    x: Ptr,
    index: Ptr,
    strides: Ptr,
    out: Ptr,
    outer: number,
    size: number,
    inner: number,
    count: number,
  ): void;
  cp_scatter_add(
    dtype: number,
    src: Ptr,
    index: Ptr,
    strides: Ptr,
    out: Ptr,
    outer: number,
    size: number,
    inner: number,
    count: number,
  ): void;
  cp_softmax(x: Ptr, out: Ptr, rows: number, cols: number, log: number): void;
  cp_softmax_cross_entropy(x: Ptr, labels: Ptr, out: Ptr, rows: number, cols: number): void;
  cp_sgd(
    param: Ptr,
    grad: Ptr,
    buf: Ptr,
    n: number,
    lr: number,
    momentum: number,
    keep: number,
    weightDecay: number,
    flags: number,
  ): void;
  cp_adam(
    param: Ptr,
    grad: Ptr,
    m: Ptr,
    v: Ptr,
    vmax: Ptr,
    n: number,
    beta1: number,
    beta2: number,
    eps: number,
    coupledWd: number,
    decay: number,
    stepSize: number,
    bc2Sqrt: number,
    flags: number,
  ): void;
  cp_clamp(x: Ptr, out: Ptr, n: number, lo: number, hi: number): void;
  cp_renorm_slices(
    x: Ptr,
    out: Ptr,
    outer: number,
    size: number,
    inner: number,
    lo: number,
    hi: number,
    rate: number,
  ): void;
  cp_simplex_project(x: Ptr, out: Ptr, rows: number, cols: number, radius: number, scratch: Ptr): void;
}

/** Highest rank the strided kernels take (MAX_RANK in crate/src/kernels/nd.rs). */
export const MAX_RANK = 16;

/** dtype codes. */
export const DTYPE_CODE: Readonly<Record<DType, number>> = { float32: 0, int32: 1, bool: 2 };

/** Bytes per element. */
export const WIDTH: Readonly<Record<DType, number>> = { float32: 4, int32: 4, bool: 1 };

/** float32 unary op codes (crate/src/kernels/elementwise.rs `unary_f32`). */
export const UNARY_F32: Readonly<Record<UnaryOp, number>> = {
  neg: 0,
  abs: 1,
  sign: 2,
  exp: 3,
  expm1: 4,
  log: 5,
  log1p: 6,
  sqrt: 7,
  rsqrt: 8,
  recip: 9,
  sin: 10,
  cos: 11,
  tanh: 12,
  sigmoid: 13,
  relu: 14,
  erf: 15,
  floor: 16,
};

/** int32 unary op codes (wrapping). */
export const UNARY_I32: Readonly<Partial<Record<UnaryOp, number>>> = { neg: 0, abs: 1, sign: 2 };

/** Binary op codes; int32 takes add, sub, mul, max, min. */
export const BINARY: Readonly<Record<BinaryOp, number>> = { add: 0, sub: 1, mul: 2, div: 3, pow: 4, max: 5, min: 6 };

/** Binary ops defined on int32. */
export const INT_BINARY: ReadonlySet<BinaryOp> = new Set(['add', 'sub', 'mul', 'max', 'min']);

/** Compare op codes. */
export const COMPARE: Readonly<Record<CompareOp, number>> = { eq: 0, ne: 1, lt: 2, le: 3, gt: 4, ge: 5 };

/** Reduce op codes. */
export const REDUCE: Readonly<Record<ReduceOp, number>> = { sum: 0, prod: 1, max: 2, min: 3 };

/** Arg-reduce op codes. */
export const ARG_REDUCE: Readonly<Record<ArgReduceOp, number>> = { argmax: 0, argmin: 1 };
