/**
 * The required kernels of the wasm backend: each wrapper checks its handles against the sizes the kernel
 * will touch, turns ops and dtypes into codes, passes shapes and strides through the scratch block, and
 * calls one Rust export. No data is copied between kernels. On a threaded backend the kernels that pay for a
 * job (see the chunk sizes below) are split into tasks of a size set by the shape alone.
 */
import { ArgumentError, UnsupportedError } from '@cp/core';
import {
  type BinaryOp,
  type DType,
  INT32_BINARY_OPS,
  INT32_UNARY_OPS,
  type Kernels,
  type UnaryOp,
} from '@cp/core/backend';
import { ARG_REDUCE_CODE, BINARY_CODE, COMPARE_CODE, DTYPE_CODE, REDUCE_CODE, UNARY_CODE, WIDTH } from './abi.js';
import type { Ctx } from './context.js';
import { numel } from './context.js';
import { scalarBits } from './convert.js';
import { MAX_TASKS } from './worker-source.js';

/**
 * Elements per task of the elementwise, broadcast and reduce kernels (below 2 chunks a call runs whole),
 * for ops that are a few SIMD instructions (memory-bound) and for those that evaluate a function. Measured
 * on 2 threads (docs/performance.md): relu gains from 128K elements and loses at 32K; exp gains 1.9x at 16K.
 */
export const CHEAP_CHUNK = 32768;
export const COSTLY_CHUNK = 8192;
/**
 * Elements below which a reduction of long rows (more than one part of `cp_reduce_part()` elements, rows
 * reduced by parts in every case) runs on one thread. A sum only reads, about twice relu's rate per element,
 * so it pays from about twice relu's 128K (docs/performance.md).
 */
export const FULL_REDUCE_MIN = 262144;
/** Matmul flops below which a product runs on one thread (128^3 gains 1.6x on 2 threads, 64^3 nothing). */
export const MATMUL_MIN_FLOPS = 2 ** 21;

const CHEAP_UNARY: ReadonlySet<UnaryOp> = new Set<UnaryOp>(['neg', 'abs', 'sign', 'relu', 'floor', 'sqrt', 'recip']);
const CHEAP_BINARY: ReadonlySet<BinaryOp> = new Set<BinaryOp>(['add', 'sub', 'mul', 'div', 'max', 'min']);

/**
 * Rows (or columns) per matmul task: each task repacks the other operand whole, so there are only two
 * bands per thread (enough for the calling thread to take over a late worker's share), in multiples of the
 * micro-kernel's 8 columns, at least 32. NOTE: unlike the elementwise chunks this may depend on the thread
 * count: every output element goes through the same K blocks in the same order whatever its band
 * (`matmul_part`), so any band gives the same bits. Measured on the MLP's 256x128x784 (Aᵀ·B) on 2 threads:
 * 4 bands of 200 columns instead of 7 of 128 (the last one 16 wide, so one thread ran 4 of them).
 */
const matmulBand = (dim: number, threads: number): number => Math.max(32, Math.ceil(dim / (2 * threads) / 8) * 8);
/** A number of rows per chunk that makes about `elements` elements of rows of `row` elements. */
const rowsOf = (elements: number, row: number): number => Math.max(1, Math.ceil(elements / Math.max(1, row)));

/**
 * The copy's dims with the innermost row made long: when the last dim is short (a permute that moves a few
 * channels last, say) and another, longer dim writes contiguously, the two are swapped. Only the order the
 * elements are visited in changes (each is written once, and `out` is never `x`), not a value.
 */
function innerContiguous(shape: readonly number[], xs: readonly number[], os: readonly number[]): number[][] {
  const last = shape.length - 1;
  const d = os.indexOf(1);
  if (last < 1 || d < 0 || d === last || shape[last] >= 64 || shape[d] <= shape[last])
    return [[...shape], [...xs], [...os]];
  const swap = (a: readonly number[]) => a.map((v, i) => (i === d ? a[last] : i === last ? a[d] : v));
  return [swap(shape), swap(xs), swap(os)];
}

/** Thrown for an op/dtype pair outside the contract (e.g. int32 `exp`, bool `add`). */
export class WasmUnsupportedError extends UnsupportedError {
  override name = 'WasmUnsupportedError';
  constructor(kernel: string, op: string, dtype: DType) {
    super(`wasm backend: ${kernel} '${op}' is not defined for ${dtype}`);
  }
}

function numeric(kernel: string, op: string, dtype: DType): 0 | 1 {
  if (dtype === 'bool') throw new WasmUnsupportedError(kernel, op, dtype);
  return dtype === 'float32' ? 0 : 1;
}

function binaryCode(kernel: string, op: BinaryOp, dtype: DType): number {
  if (numeric(kernel, op, dtype) === 1 && !INT32_BINARY_OPS.has(op)) throw new WasmUnsupportedError(kernel, op, dtype);
  return BINARY_CODE[op];
}

/** Builds the kernel table over one instance. */
export function makeKernels(c: Ctx): Kernels {
  const k = c.k;
  const cheap = c.grain(CHEAP_CHUNK, 16);
  const costly = c.grain(COSTLY_CHUNK, 16);
  const part = k.cp_reduce_part();
  const unaryChunk = (op: UnaryOp) => (CHEAP_UNARY.has(op) ? cheap : costly);
  const binaryChunk = (op: BinaryOp) => (CHEAP_BINARY.has(op) ? cheap : costly);
  return {
    unary({ op, dtype, x, out, n }) {
      const ok = dtype === 'float32' || (dtype === 'int32' && INT32_UNARY_OPS.has(op));
      const code = UNARY_CODE[op];
      if (!ok) throw new WasmUnsupportedError('unary', op, dtype);
      const args = [DTYPE_CODE[dtype], code, c.ptr(x, n, 'unary x', dtype), c.ptr(out, n, 'unary out', dtype), n];
      if (!c.par('unary', 'cp_unary_task', args, n, unaryChunk(op))) k.cp_unary(args[0], args[1], args[2], args[3], n);
    },

    binary({ op, dtype, a, b, out, shape, aStrides, bStrides }) {
      const code = binaryCode('binary', op, dtype);
      const n = numel(shape);
      const pa = c.span(a, 0, shape, aStrides, 'binary a', dtype);
      const pb = c.span(b, 0, shape, bStrides, 'binary b', dtype);
      const po = c.ptr(out, n, 'binary out', dtype);
      if (n === 0) return;
      const [rank, sp, sa, sb] = c.dims(shape, aStrides, bStrides);
      const rows = shape.length === 0 ? 1 : shape[0];
      const args = [DTYPE_CODE[dtype], code, pa, pb, po, rank, sp, sa, sb];
      if (!c.par('binary', 'cp_binary_task', args, rows, rowsOf(binaryChunk(op), n / rows))) {
        k.cp_binary(DTYPE_CODE[dtype], code, pa, pb, po, rank, sp, sa, sb);
      }
    },

    binaryScalar({ op, dtype, x, scalar, reverse, out, n }) {
      const code = binaryCode('binaryScalar', op, dtype);
      const px = c.ptr(x, n, 'binaryScalar x', dtype);
      const po = c.ptr(out, n, 'binaryScalar out', dtype);
      // NOTE: the contract converts the scalar to the dtype first (float32 rounding, or the int32 cast rule).
      const args = [DTYPE_CODE[dtype], code, px, scalarBits(scalar, dtype), reverse ? 1 : 0, po, n];
      if (!c.par('binaryScalar', 'cp_binary_scalar_task', args, n, binaryChunk(op))) {
        k.cp_binary_scalar(args[0], args[1], px, args[3], args[4], po, n);
      }
    },

    compare({ op, dtype, a, b, out, shape, aStrides, bStrides }) {
      const d = DTYPE_CODE[dtype];
      const n = numel(shape);
      const pa = c.span(a, 0, shape, aStrides, 'compare a', dtype);
      const pb = c.span(b, 0, shape, bStrides, 'compare b', dtype);
      const po = c.ptr(out, n, 'compare out', 'bool');
      if (n === 0) return;
      const [rank, sp, sa, sb] = c.dims(shape, aStrides, bStrides);
      const args = [d, COMPARE_CODE[op], pa, pb, po, rank, sp, sa, sb];
      const rows = shape.length === 0 ? 1 : shape[0];
      if (!c.par('compare', 'cp_compare_task', args, rows, rowsOf(cheap, n / rows))) {
        k.cp_compare(d, COMPARE_CODE[op], pa, pb, po, rank, sp, sa, sb);
      }
    },

    where({ dtype, cond, a, b, out, shape, condStrides, aStrides, bStrides }) {
      const n = numel(shape);
      const pc = c.span(cond, 0, shape, condStrides, 'where cond', 'bool');
      const pa = c.span(a, 0, shape, aStrides, 'where a', dtype);
      const pb = c.span(b, 0, shape, bStrides, 'where b', dtype);
      const po = c.ptr(out, n, 'where out', dtype);
      if (n === 0) return;
      const [rank, sp, sc, sa, sb] = c.dims(shape, condStrides, aStrides, bStrides);
      const args = [WIDTH[dtype], pc, pa, pb, po, rank, sp, sc, sa, sb];
      const rows = shape.length === 0 ? 1 : shape[0];
      if (!c.par('where', 'cp_where_task', args, rows, rowsOf(cheap, n / rows))) {
        k.cp_where(WIDTH[dtype], pc, pa, pb, po, rank, sp, sc, sa, sb);
      }
    },

    cast({ x, from, to, out, n }) {
      k.cp_cast(DTYPE_CODE[from], DTYPE_CODE[to], c.ptr(x, n, 'cast x', from), c.ptr(out, n, 'cast out', to), n);
    },

    reduce({ op, dtype, x, out, outer, size, inner }) {
      const px = c.ptr(x, outer * size * inner, 'reduce x', dtype);
      const po = c.ptr(out, outer * inner, 'reduce out', dtype);
      if (size === 0 && (op === 'max' || op === 'min')) {
        // NOTE: outside the contract (max/min need size >= 1); give the reference's identity, as stored in dtype.
        const id = op === 'max' ? -Infinity : Infinity;
        const bits = dtype === 'int32' ? (op === 'max' ? -2147483648 : 2147483647) : scalarBits(id, dtype);
        if (dtype === 'bool') k.cp_fill8(po, outer * inner, 0);
        else k.cp_fill32(po, outer * inner, bits);
        return;
      }
      const [d, code] = [DTYPE_CODE[dtype], REDUCE_CODE[op]];
      if (inner === 1 && size > part && dtype !== 'bool' && op !== 'prod') {
        // A long row is reduced by parts in the whole-call kernel too; split the parts, fold them in order.
        const units = outer * Math.ceil(size / part);
        const per = Math.ceil(units / MAX_TASKS);
        if (c.pool !== null && units >= 2 && outer * size >= c.grain(FULL_REDUCE_MIN, 0)) {
          const args = [d, code, px, 0, outer, size, per];
          c.withTemp(8 * units, (pp) => {
            args[3] = pp;
            if (c.parTasks('reduce', 'cp_reduce_parts_task', args, Math.ceil(units / per))) {
              k.cp_reduce_combine(d, code, pp, po, outer, size);
            } else k.cp_reduce(d, code, px, po, outer, size, inner);
          });
          return;
        }
      }
      const args = [d, code, px, po, outer, size, inner];
      if (!c.par('reduce', 'cp_reduce_task', args, outer, rowsOf(cheap, size * inner)))
        k.cp_reduce(d, code, px, po, outer, size, inner);
    },

    argReduce({ op, dtype, x, out, outer, size, inner }) {
      const d = DTYPE_CODE[dtype];
      if (size === 0 && outer * inner > 0) throw new ArgumentError(`wasm backend: argReduce '${op}' of size 0`);
      const px = c.ptr(x, outer * size * inner, 'argReduce x', dtype);
      const po = c.ptr(out, outer * inner, 'argReduce out', 'int32');
      const args = [d, ARG_REDUCE_CODE[op], px, po, outer, size, inner];
      if (!c.par('argReduce', 'cp_arg_reduce_task', args, outer, rowsOf(cheap, size * inner))) {
        k.cp_arg_reduce(d, ARG_REDUCE_CODE[op], px, po, outer, size, inner);
      }
    },

    matmul({ a, b, out, batch, m, k: kk, n, transA, transB, aBatchStride, bBatchStride }) {
      if (out === a || out === b) throw new ArgumentError('wasm backend: matmul out must not be an input');
      const need = (stride: number, size: number) => (batch === 0 || size === 0 ? 0 : (batch - 1) * stride + size);
      const pa = c.ptr(a, need(aBatchStride, m * kk), 'matmul a', 'float32');
      const pb = c.ptr(b, need(bBatchStride, kk * n), 'matmul b', 'float32');
      const po = c.ptr(out, batch * m * n, 'matmul out', 'float32');
      const [ta, tb] = [transA ? 1 : 0, transB ? 1 : 0];
      // Split the larger of m and n into bands (each task packs the other operand whole).
      const cols = n > m ? 1 : 0;
      const band = c.grain(matmulBand(cols ? n : m, c.pool?.threads ?? 1), 4);
      const tasks = batch * Math.ceil((cols ? n : m) / band);
      const args = [pa, pb, po, batch, m, kk, n, ta, tb, aBatchStride, bBatchStride, cols, band];
      const big = 2 * batch * m * n * kk >= c.grain(MATMUL_MIN_FLOPS, 0);
      if (!(big && c.parTasks('matmul', 'cp_matmul_task', args, tasks))) {
        k.cp_matmul(pa, pb, po, batch, m, kk, n, ta, tb, aBatchStride, bBatchStride);
      }
    },

    copyStrided({ dtype, x, xOffset, xStrides, out, outOffset, outStrides, shape }) {
      const px = c.span(x, xOffset, shape, xStrides, 'copyStrided x', dtype);
      const po = c.span(out, outOffset, shape, outStrides, 'copyStrided out', dtype);
      const n = numel(shape);
      if (n === 0) return;
      const [s, xs, os] = innerContiguous(shape, xStrides, outStrides);
      const [rank, sp, sx, so] = c.dims(s, xs, os);
      const args = [WIDTH[dtype], px, xOffset, sx, po, outOffset, so, rank, sp];
      const rows = s.length === 0 ? 1 : s[0];
      if (!c.par('copyStrided', 'cp_copy_strided_task', args, rows, rowsOf(cheap, n / rows))) {
        k.cp_copy_strided(WIDTH[dtype], px, xOffset, sx, po, outOffset, so, rank, sp);
      }
    },

    fill({ dtype, out, offset, n, value }) {
      const po = c.ptr(out, offset + n, 'fill out', dtype) + offset * WIDTH[dtype];
      if (n === 0) return;
      const bits = scalarBits(value, dtype);
      if (dtype === 'bool') k.cp_fill8(po, n, bits);
      else if (!c.par('fill', 'cp_fill32_task', [po, n, bits], n, 2 * cheap)) k.cp_fill32(po, n, bits);
    },

    gather({ dtype, x, index, out, outer, size, inner, count, indexStrides }) {
      const px = c.ptr(x, outer * size * inner, 'gather x', dtype);
      const pi = c.span(index, 0, [outer, count, inner], indexStrides, 'gather index', 'int32');
      const po = c.ptr(out, outer * count * inner, 'gather out', dtype);
      if (outer * count * inner === 0) return;
      const args = [WIDTH[dtype], px, pi, c.ints(indexStrides), po, outer, size, inner, count];
      if (!c.par('gather', 'cp_gather_task', args, outer * count, rowsOf(cheap, inner))) {
        k.cp_gather(WIDTH[dtype], px, pi, args[3], po, outer, size, inner, count);
      }
    },

    scatterAdd({ dtype, src, index, out, outer, size, inner, count, indexStrides }) {
      const d = numeric('scatterAdd', 'add', dtype);
      const ps = c.ptr(src, outer * count * inner, 'scatterAdd src', dtype);
      const pi = c.span(index, 0, [outer, count, inner], indexStrides, 'scatterAdd index', 'int32');
      const po = c.ptr(out, outer * size * inner, 'scatterAdd out', dtype);
      if (outer * count * inner === 0) return;
      const strides = c.ints(indexStrides);
      // Blocks of whole outer rows, or of columns of one row when a row alone is a chunk: disjoint outputs.
      const rows = Math.min(outer, rowsOf(cheap, count * inner));
      const cols = outer > 1 ? inner : Math.min(inner, rowsOf(cheap, count));
      const tasks = Math.ceil(outer / rows) * Math.ceil(inner / cols);
      const args = [d, ps, pi, strides, po, outer, size, inner, count, rows, cols];
      if (!c.parTasks('scatterAdd', 'cp_scatter_add_task', args, tasks)) {
        k.cp_scatter_add(d, ps, pi, strides, po, outer, size, inner, count);
      }
    },

    scan({ op, dtype, x, out, outer, size, inner }) {
      const d = numeric('scan', op, dtype);
      if (out === x) throw new ArgumentError('wasm backend: scan out must not be x');
      const px = c.ptr(x, outer * size * inner, 'scan x', dtype);
      const po = c.ptr(out, outer * size * inner, 'scan out', dtype);
      if (outer * size * inner === 0) return;
      k.cp_scan(d, op === 'sum' ? 0 : 1, px, po, outer, size, inner);
    },

    argsort({ dtype, x, out, rows, cols, descending }) {
      const d = numeric('argsort', 'sort', dtype);
      const px = c.ptr(x, rows * cols, 'argsort x', dtype);
      const po = c.ptr(out, rows * cols, 'argsort out', 'int32');
      if (rows * cols === 0) return;
      k.cp_argsort(d, px, po, rows, cols, descending ? 1 : 0);
    },
  };
}
