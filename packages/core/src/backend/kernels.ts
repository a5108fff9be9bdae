/**
 * The kernel contract between @cp/core and a backend. Types only: a backend imports these and never
 * the engine. Core validates every argument (shapes, dtypes, index ranges) and allocates every output
 * before a kernel runs, so a kernel only computes. All tensors are dense and row-major; strides are in
 * elements. Semantics every backend must match, and the tolerances the conformance suite allows, are in
 * docs/backends.md.
 */
import type { DType } from './dtype.js';
import type { ArgReduceOp, BinaryOp, CompareOp, ReduceOp, UnaryOp } from './ops.generated.js';

/** An opaque reference to a block of backend storage. Only the backend that made it knows what it is. */
export type Handle = number;

// NOTE: the op unions live in ops.generated.ts, generated from tools/codegen/op-table.json with the wasm ABI
// codes and the Rust enums, so TypeScript, the ABI and Rust cannot disagree about the op set.
export type { ArgReduceOp, BinaryOp, CompareOp, ReduceOp, UnaryOp } from './ops.generated.js';

/**
 * A broadcast elementwise layout. `shape` is the output shape (contiguous); each input is read at
 * `sum(index[d] * strides[d])`, with stride 0 on broadcast dims. Core merges adjacent dims first, so the
 * same-shape case arrives as rank 1 with strides `[1]`, a scalar operand as `[0]`, and a bias row added to a
 * matrix as rank 2 with strides `[0, 1]`.
 */
export interface BroadcastLayout {
  shape: readonly number[];
}

/** Arguments of `unary`. `out` may be `x` (in place). */
export interface UnaryArgs {
  op: UnaryOp;
  dtype: DType;
  x: Handle;
  out: Handle;
  n: number;
}

/** Arguments of `binary`: `out = a op b` with broadcasting. `out` may be an input when its strides are contiguous. */
export interface BinaryArgs extends BroadcastLayout {
  op: BinaryOp;
  dtype: DType;
  a: Handle;
  b: Handle;
  out: Handle;
  aStrides: readonly number[];
  bStrides: readonly number[];
}

/**
 * Arguments of `binaryScalar`: `out = x op scalar`, or `scalar op x` when `reverse`. The scalar is first converted
 * to `dtype` (rounded to float32, or cast to int32 by the `cast` rule), then treated like any operand. `out` may be `x`.
 */
export interface BinaryScalarArgs {
  op: BinaryOp;
  dtype: DType;
  x: Handle;
  scalar: number;
  reverse: boolean;
  out: Handle;
  n: number;
}

/** Arguments of `compare`: `out` (bool) `= a op b` with broadcasting; `dtype` is the inputs' dtype. */
export interface CompareArgs extends BroadcastLayout {
  op: CompareOp;
  dtype: DType;
  a: Handle;
  b: Handle;
  out: Handle;
  aStrides: readonly number[];
  bStrides: readonly number[];
}

/** Arguments of `where`: `out = cond ? a : b` with broadcasting; `cond` is bool, `a`, `b`, `out` are `dtype`. */
export interface WhereArgs extends BroadcastLayout {
  dtype: DType;
  cond: Handle;
  a: Handle;
  b: Handle;
  out: Handle;
  condStrides: readonly number[];
  aStrides: readonly number[];
  bStrides: readonly number[];
}

/**
 * Arguments of `cast`. float32 -> int32 truncates toward zero and saturates, NaN becomes 0; anything -> bool
 * is `x != 0` (NaN is true); bool -> number is 0 or 1.
 */
export interface CastArgs {
  x: Handle;
  from: DType;
  to: DType;
  out: Handle;
  n: number;
}

/**
 * Arguments of `reduce`: `out[o, i] = op over s of x[o, s, i]`, out has `outer * inner` elements. `size` may be 0
 * only for sum (0) and prod (1). max and min propagate NaN.
 */
export interface ReduceArgs {
  op: ReduceOp;
  dtype: DType;
  x: Handle;
  out: Handle;
  outer: number;
  size: number;
  inner: number;
}

/** Arguments of `argReduce`: like `reduce`, but `out` (int32) holds the index along the middle axis. `size >= 1`. */
export interface ArgReduceArgs {
  op: ArgReduceOp;
  dtype: DType;
  x: Handle;
  out: Handle;
  outer: number;
  size: number;
  inner: number;
}

/**
 * Arguments of `matmul` (float32): for each batch `t`, `out[t] (m x n) = A[t] · B[t]`. A[t] starts at
 * `t * aBatchStride` and is stored `[m, k]`, or `[k, m]` when `transA`; B[t] starts at `t * bBatchStride` and is
 * stored `[k, n]`, or `[n, k]` when `transB`. A batch stride of 0 broadcasts. `out` is `[batch, m, n]`, never an input.
 */
export interface MatmulArgs {
  a: Handle;
  b: Handle;
  out: Handle;
  batch: number;
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
  aBatchStride: number;
  bBatchStride: number;
}

/**
 * Arguments of `copyStrided`: for every index `i` of `shape`,
 * `out[outOffset + i·outStrides] = x[xOffset + i·xStrides]`. Materializes permute, expand, slice, cat and
 * their gradients. `out` is never `x`.
 */
export interface CopyStridedArgs {
  dtype: DType;
  x: Handle;
  xOffset: number;
  xStrides: readonly number[];
  out: Handle;
  outOffset: number;
  outStrides: readonly number[];
  shape: readonly number[];
}

/** Arguments of `fill`: `out[offset .. offset + n) = value` (cast to `dtype`). */
export interface FillArgs {
  dtype: DType;
  out: Handle;
  offset: number;
  n: number;
  value: number;
}

/**
 * Arguments of `gather`: with x viewed as `[outer, size, inner]`, `out[o, c, i] = x[o, index[o·s0 + c·s1 + i·s2], i]`
 * where `[s0, s1, s2] = indexStrides`; out is `[outer, count, inner]`. Core has checked every index is in
 * `[0, size)`. `indexSelect` passes strides `[0, 1, 0]`; `torch.gather` passes the contiguous ones.
 */
export interface GatherArgs {
  dtype: DType;
  x: Handle;
  index: Handle;
  out: Handle;
  outer: number;
  size: number;
  inner: number;
  count: number;
  indexStrides: readonly [number, number, number];
}

/** Arguments of `scatterAdd`, the adjoint of `gather`: `out[o, index[...], i] += src[o, c, i]`. `out` is pre-filled. */
export interface ScatterAddArgs {
  dtype: DType;
  src: Handle;
  index: Handle;
  out: Handle;
  outer: number;
  size: number;
  inner: number;
  count: number;
  indexStrides: readonly [number, number, number];
}

/** The op of `scan`: an inclusive running sum or product. */
export type ScanOp = 'sum' | 'prod';

/**
 * Arguments of `scan` (float32, int32): `out[o, s, i] = x[o, 0, i] op ... op x[o, s, i]` along the middle axis
 * of `[outer, size, inner]`, accumulated in order s = 0, 1, ... (float32 rounds after each step; int32 wraps).
 * `out` is never `x`.
 */
export interface ScanArgs {
  op: ScanOp;
  dtype: DType;
  x: Handle;
  out: Handle;
  outer: number;
  size: number;
  inner: number;
}

/**
 * Arguments of `argsort` (float32, int32): for each of `rows` contiguous rows of `cols` elements, `out` (int32,
 * `[rows, cols]`) holds the positions `0 .. cols-1` ordered by value, ascending or `descending`. The order is
 * total and stable: NaN is greater than every number (last ascending, first descending), `-0` equals `0`, and
 * equal values keep increasing positions in both directions, so every backend returns the same permutation.
 */
export interface ArgsortArgs {
  dtype: DType;
  x: Handle;
  out: Handle;
  rows: number;
  cols: number;
  descending: boolean;
}

/** Argument types of every required kernel, by name. */
export interface KernelArgs {
  unary: UnaryArgs;
  binary: BinaryArgs;
  binaryScalar: BinaryScalarArgs;
  compare: CompareArgs;
  where: WhereArgs;
  cast: CastArgs;
  reduce: ReduceArgs;
  argReduce: ArgReduceArgs;
  matmul: MatmulArgs;
  copyStrided: CopyStridedArgs;
  fill: FillArgs;
  gather: GatherArgs;
  scatterAdd: ScatterAddArgs;
  scan: ScanArgs;
  argsort: ArgsortArgs;
}

/** The name of a required kernel. */
export type KernelName = keyof KernelArgs;

/** The required kernels. A backend missing one fails to compile. */
export type Kernels = { readonly [K in KernelName]: (args: KernelArgs[K]) => void };

/** The names of the required kernels, for iteration. */
export const KERNEL_NAMES: readonly KernelName[] = [
  'unary',
  'binary',
  'binaryScalar',
  'compare',
  'where',
  'cast',
  'reduce',
  'argReduce',
  'matmul',
  'copyStrided',
  'fill',
  'gather',
  'scatterAdd',
  'scan',
  'argsort',
];
