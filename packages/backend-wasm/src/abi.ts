/**
 * The exports of cp_kernels.wasm, typed, and the integer codes the Rust shims (crate/src/lib.rs) expect
 * for dtypes and ops. Only numbers cross the boundary: pointers are byte offsets into linear memory.
 */
import type { DType } from '@cp/core/backend';

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
  /** Elements per part of a long-row reduction (see crate/src/kernels/reduce.rs, PART). */
  cp_reduce_part(): number;
  /** Folds the part values written by `cp_reduce_parts_task` (8 bytes each) into `outer` results. */
  cp_reduce_combine(dtype: number, op: number, partials: Ptr, out: Ptr, outer: number, size: number): void;
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
  cp_scan(dtype: number, op: number, x: Ptr, out: Ptr, outer: number, size: number, inner: number): void;
  cp_argsort(dtype: number, x: Ptr, out: Ptr, rows: number, cols: number, descending: number): void;
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
  cp_softmax_cross_entropy_backward(
    x: Ptr,
    labels: Ptr,
    grad: Ptr,
    gradStride: number,
    out: Ptr,
    rows: number,
    cols: number,
  ): void;
  cp_relu_backward(x: Ptr, grad: Ptr, out: Ptr, n: number): void;
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
  cp_l1_ball_project(x: Ptr, out: Ptr, rows: number, cols: number, radius: number, scratch: Ptr): void;
  cp_box_transform(
    raw: Ptr,
    out: Ptr,
    n: number,
    lo: number,
    hi: number,
    mode: number,
    grad: Ptr,
    gradOut: Ptr,
    slope: Ptr,
  ): void;
  cp_lstm_cell(pre: Ptr, c: Ptr, gates: Ptr, cOut: Ptr, h: Ptr, rows: number, hidden: number): void;
  cp_lstm_cell_backward(
    gates: Ptr,
    c: Ptr,
    cOut: Ptr,
    dh: Ptr,
    dc: Ptr,
    dpre: Ptr,
    dcPrev: Ptr,
    rows: number,
    hidden: number,
  ): void;
  cp_syrk(a: Ptr, out: Ptr, batch: number, n: number, k: number, transA: number, band: number): void;
}

/** Highest rank the strided kernels take (MAX_RANK in crate/src/kernels/nd.rs). */
export const MAX_RANK = 16;

/** dtype codes. */
export const DTYPE_CODE: Readonly<Record<DType, number>> = { float32: 0, int32: 1, bool: 2 };

/** Bytes per element. */
export const WIDTH: Readonly<Record<DType, number>> = { float32: 4, int32: 4, bool: 1 };

// NOTE: the op codes (UNARY_CODE, BINARY_CODE, COMPARE_CODE, REDUCE_CODE, ARG_REDUCE_CODE) are generated
// from tools/codegen/op-table.json into op-codes.generated.ts, with the Rust enums of crate/src/ops.rs.
export * from './op-codes.generated.js';
