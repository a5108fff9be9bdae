//! The task exports of the worker pool: `cp_<kernel>_task(...kernel args, chunk, task)` runs chunk `task` of
//! one kernel call, where a chunk is `chunk` consecutive units of the kernel's split dimension (elements,
//! rows, or the rows or columns of one matmul product). The chunk size is chosen by the TypeScript side from
//! the shape alone, never from the thread count, and every unit is computed exactly as the whole-call
//! kernel computes it, so a call split over any number of threads gives the same bits as the serial call.

use crate::kernels::{lstm, matmul, movement as mv, nd::MAX_RANK, reduce};
use crate::*;

/// Bytes of the per-thread block a worker passes to `cp_thread_init`.
#[no_mangle]
pub extern "C" fn cp_thread_block_bytes() -> usize {
    4 * matmul::PACK_FLOATS
}

/// Sets up a worker thread: its matmul packing buffers live at `block` (16-byte aligned).
#[no_mangle]
pub unsafe extern "C" fn cp_thread_init(block: P) {
    matmul::set_thread_pack(f(block))
}

/// `[lo, hi)` of chunk `task` over `total` units.
#[inline(always)]
fn span(chunk: usize, task: usize, total: usize) -> (usize, usize) {
    let lo = task * chunk;
    (lo, total.min(lo + chunk))
}

/// Chunk of `cp_unary` over elements.
#[no_mangle]
pub unsafe extern "C" fn cp_unary_task(dtype: u32, op: u32, x: P, out: P, n: usize, chunk: usize, task: usize) {
    let (lo, hi) = span(chunk, task, n);
    cp_unary(dtype, op, x + 4 * lo, out + 4 * lo, hi - lo)
}

/// Chunk of `cp_relu_backward` over elements.
#[no_mangle]
pub unsafe extern "C" fn cp_relu_backward_task(x: P, grad: P, out: P, n: usize, chunk: usize, task: usize) {
    let (lo, hi) = span(chunk, task, n);
    cp_relu_backward(x + 4 * lo, grad + 4 * lo, out + 4 * lo, hi - lo)
}

/// Chunk of `cp_binary_scalar` over elements.
#[no_mangle]
pub unsafe extern "C" fn cp_binary_scalar_task(dtype: u32, op: u32, x: P, s: u32, reverse: u32, out: P, n: usize, chunk: usize, task: usize) {
    let (lo, hi) = span(chunk, task, n);
    cp_binary_scalar(dtype, op, x + 4 * lo, s, reverse, out + 4 * lo, hi - lo)
}

/// Rows `[lo, hi)` of chunk `task` over the first dimension of `shape`: `shape` with that dimension cut to
/// `hi - lo`, the first row `lo`, and the elements per row of the contiguous output.
unsafe fn rows_of(rank: usize, shape: P, chunk: usize, task: usize) -> ([i32; MAX_RANK], isize, isize) {
    let mut local = [0i32; MAX_RANK];
    let shape = shape as *const i32;
    let mut row = 1isize;
    for d in 0..rank {
        local[d] = *shape.add(d);
        if d > 0 {
            row *= local[d] as isize;
        }
    }
    let (lo, hi) = span(chunk, task, local[0] as usize);
    local[0] = (hi - lo) as i32;
    (local, lo as isize, row)
}

/// `p` advanced by `rows` rows of first-dimension stride `*strides` (elements of `width` bytes).
#[inline(always)]
unsafe fn at_row(p: P, strides: P, rows: isize, width: isize) -> P {
    (p as isize + width * rows * *(strides as *const i32) as isize) as P
}

/// Chunk of `cp_binary` over the first dimension of `shape` (the output is contiguous).
#[no_mangle]
pub unsafe extern "C" fn cp_binary_task(dtype: u32, op: u32, a: P, b: P, out: P, rank: usize, shape: P, sa: P, sb: P, chunk: usize, task: usize) {
    let (local, lo, row) = rows_of(rank, shape, chunk, task);
    let o = (out as isize + 4 * lo * row) as P;
    cp_binary(dtype, op, at_row(a, sa, lo, 4), at_row(b, sb, lo, 4), o, rank, local.as_ptr() as P, sa, sb)
}

/// Chunk of `cp_compare` over the first dimension of `shape` (the bool output is contiguous).
#[no_mangle]
pub unsafe extern "C" fn cp_compare_task(dtype: u32, op: u32, a: P, b: P, out: P, rank: usize, shape: P, sa: P, sb: P, chunk: usize, task: usize) {
    let (local, lo, row) = rows_of(rank, shape, chunk, task);
    let w = if dtype == 2 { 1 } else { 4 };
    let o = (out as isize + lo * row) as P;
    cp_compare(dtype, op, at_row(a, sa, lo, w), at_row(b, sb, lo, w), o, rank, local.as_ptr() as P, sa, sb)
}

/// Chunk of `cp_where` over the first dimension of `shape` (the output is contiguous).
#[no_mangle]
pub unsafe extern "C" fn cp_where_task(width: u32, cond: P, a: P, b: P, out: P, rank: usize, shape: P, sc: P, sa: P, sb: P, chunk: usize, task: usize) {
    let (local, lo, row) = rows_of(rank, shape, chunk, task);
    let w = width as isize;
    let o = (out as isize + w * lo * row) as P;
    cp_where(width, at_row(cond, sc, lo, 1), at_row(a, sa, lo, w), at_row(b, sb, lo, w), o, rank, local.as_ptr() as P, sc, sa, sb)
}

/// Chunk of `cp_arg_reduce` over the outer dimension (element width 4, or 1 for bool).
#[no_mangle]
pub unsafe extern "C" fn cp_arg_reduce_task(dtype: u32, op: u32, x: P, out: P, outer: usize, size: usize, inner: usize, chunk: usize, task: usize) {
    let (lo, hi) = span(chunk, task, outer);
    let width = if dtype == 2 { 1 } else { 4 };
    cp_arg_reduce(dtype, op, x + width * lo * size * inner, out + 4 * lo * inner, hi - lo, size, inner)
}

/// Chunk of `cp_reduce` over the outer dimension.
#[no_mangle]
pub unsafe extern "C" fn cp_reduce_task(dtype: u32, op: u32, x: P, out: P, outer: usize, size: usize, inner: usize, chunk: usize, task: usize) {
    let (lo, hi) = span(chunk, task, outer);
    let width = if dtype == 2 { 1 } else { 4 };
    cp_reduce(dtype, op, x + width * lo * size * inner, out + width * lo * inner, hi - lo, size, inner)
}

/// Chunk of `cp_matmul`: over the rows (`cols` = 0) or columns (`cols` = 1) of each product, products in order.
#[no_mangle]
pub unsafe extern "C" fn cp_matmul_task(a: P, b: P, out: P, batch: usize, m: usize, k: usize, n: usize, ta: u32, tb: u32, abs: usize, bbs: usize, cols: u32, chunk: usize, task: usize) {
    let dim = if cols != 0 { n } else { m };
    let per = dim.div_ceil(chunk);
    let (t, c) = (task / per, task % per);
    debug_assert!(t < batch);
    let (lo, hi) = span(chunk, c, dim);
    matmul::matmul_part(f(a), f(b), f(out), t, m, k, n, ta != 0, tb != 0, abs, bbs, cols != 0, lo, hi)
}

/// Chunk of `cp_softmax` over rows.
#[no_mangle]
pub unsafe extern "C" fn cp_softmax_task(x: P, out: P, rows: usize, cols: usize, log: u32, chunk: usize, task: usize) {
    let (lo, hi) = span(chunk, task, rows);
    cp_softmax(x + 4 * lo * cols, out + 4 * lo * cols, hi - lo, cols, log)
}

/// Chunk of `cp_softmax_cross_entropy` over rows.
#[no_mangle]
pub unsafe extern "C" fn cp_softmax_cross_entropy_task(x: P, labels: P, out: P, rows: usize, cols: usize, chunk: usize, task: usize) {
    let (lo, hi) = span(chunk, task, rows);
    cp_softmax_cross_entropy(x + 4 * lo * cols, labels + 4 * lo, out + 4 * lo, hi - lo, cols)
}

/// `p + 4·lo` for a pointer that may be 0 (an absent optional buffer stays 0).
#[inline(always)]
fn opt(p: P, lo: usize) -> P {
    if p == 0 {
        0
    } else {
        p + 4 * lo
    }
}

/// Chunk of `cp_sgd` over elements.
#[no_mangle]
pub unsafe extern "C" fn cp_sgd_task(param: P, grad: P, buf: P, n: usize, lr: f64, momentum: f64, keep: f64, weight_decay: f64, flags: u32, chunk: usize, task: usize) {
    let (lo, hi) = span(chunk, task, n);
    cp_sgd(param + 4 * lo, grad + 4 * lo, opt(buf, lo), hi - lo, lr, momentum, keep, weight_decay, flags)
}

/// Chunk of `cp_adam` over elements.
#[no_mangle]
pub unsafe extern "C" fn cp_adam_task(param: P, grad: P, m: P, v: P, vmax: P, n: usize, beta1: f64, beta2: f64, eps: f64, coupled_wd: f64, decay: f64, step_size: f64, bc2_sqrt: f64, flags: u32, chunk: usize, task: usize) {
    let (lo, hi) = span(chunk, task, n);
    let at = |p: P| p + 4 * lo;
    cp_adam(at(param), at(grad), at(m), at(v), opt(vmax, lo), hi - lo, beta1, beta2, eps, coupled_wd, decay, step_size, bc2_sqrt, flags)
}

/// Elements per part of a long-row reduction (`cp_reduce_parts_task` splits rows into parts of this size).
#[no_mangle]
pub extern "C" fn cp_reduce_part() -> usize {
    reduce::PART
}

/// Chunk of the parts of a reduction over rows of `size > cp_reduce_part()` (inner = 1; float32/int32 sum,
/// max, min): part values `[chunk·task, …)` of the flattened `[outer, parts]` grid into `partials` (8 bytes
/// each); `cp_reduce_combine` then folds them in order.
#[no_mangle]
pub unsafe extern "C" fn cp_reduce_parts_task(dtype: u32, op: u32, x: P, partials: P, outer: usize, size: usize, chunk: usize, task: usize) {
    let (lo, hi) = span(chunk, task, outer * size.div_ceil(reduce::PART));
    reduce::parts_range(dtype, op, x as *const u8, partials as *mut u64, size, lo, hi)
}

/// Folds the part values of `cp_reduce_parts_task` into the `outer` results, part by part in order
/// (on the calling thread: the same fold as the whole-call `cp_reduce`).
#[no_mangle]
pub unsafe extern "C" fn cp_reduce_combine(dtype: u32, op: u32, partials: P, out: P, outer: usize, size: usize) {
    reduce::combine_parts(dtype, op, partials as *const u64, u(out), outer, size)
}

/// Chunk of `cp_gather` over its output rows (one row = one `(o, c)` of `inner` elements).
#[no_mangle]
pub unsafe extern "C" fn cp_gather_task(width: u32, x: P, index: P, strides: P, out: P, outer: usize, size: usize, inner: usize, count: usize, chunk: usize, task: usize) {
    let (lo, hi) = span(chunk, task, outer * count);
    if width == 4 {
        mv::gather_rows(u(x), i(index), i(strides), u(out), size, inner, count, lo, hi)
    } else {
        mv::gather_rows(x as *const u8, i(index), i(strides), out as *mut u8, size, inner, count, lo, hi)
    }
}

/// Block `task` of `cp_scatter_add`: `rows` outer rows by `cols` columns of inner, blocks numbered row-major.
/// Blocks write disjoint outputs and keep the whole call's order per element (see `scatter_add_block`).
#[no_mangle]
pub unsafe extern "C" fn cp_scatter_add_task(dtype: u32, src: P, index: P, strides: P, out: P, outer: usize, size: usize, inner: usize, count: usize, rows: usize, cols: usize, task: usize) {
    let per = inner.div_ceil(cols);
    let (ro, co) = (span(rows, task / per, outer), span(cols, task % per, inner));
    if dtype == 0 {
        mv::scatter_add_block(f(src), i(index), i(strides), f(out), size, inner, count, ro, co, |a, b| a + b)
    } else {
        let (s, t) = (src as *const i32, out as *mut i32);
        mv::scatter_add_block(s, i(index), i(strides), t, size, inner, count, ro, co, i32::wrapping_add)
    }
}

/// Chunk of `cp_lstm_cell` over rows.
#[no_mangle]
pub unsafe extern "C" fn cp_lstm_cell_task(pre: P, c: P, gates: P, c_out: P, h: P, rows: usize, hidden: usize, chunk: usize, task: usize) {
    let (lo, hi) = span(chunk, task, rows);
    lstm::lstm_cell(u(pre), u(c), u(gates), u(c_out), u(h), hidden, lo, hi)
}

/// Chunk of `cp_lstm_cell_backward` over rows.
#[no_mangle]
pub unsafe extern "C" fn cp_lstm_cell_backward_task(gates: P, c: P, c_out: P, dh: P, dc: P, dpre: P, dc_prev: P, rows: usize, hidden: usize, chunk: usize, task: usize) {
    let (lo, hi) = span(chunk, task, rows);
    lstm::lstm_cell_backward(u(gates), u(c), u(c_out), u(dh), u(dc), u(dpre), u(dc_prev), hidden, lo, hi)
}

/// Chunk of `cp_copy_strided` over the first dimension of `shape` (rows are disjoint in the output).
#[no_mangle]
pub unsafe extern "C" fn cp_copy_strided_task(width: u32, x: P, x_off: isize, xs: P, out: P, out_off: isize, os: P, rank: usize, shape: P, chunk: usize, task: usize) {
    let (local, lo, _) = rows_of(rank, shape, chunk, task);
    let (sx, so) = (*(xs as *const i32) as isize, *(os as *const i32) as isize);
    cp_copy_strided(width, x, x_off + lo * sx, xs, out, out_off + lo * so, os, rank, local.as_ptr() as P)
}

/// Chunk of `cp_fill32` over elements.
#[no_mangle]
pub unsafe extern "C" fn cp_fill32_task(out: P, n: usize, bits: u32, chunk: usize, task: usize) {
    let (lo, hi) = span(chunk, task, n);
    cp_fill32(out + 4 * lo, hi - lo, bits)
}

/// Band `task` of `cp_syrk`: `band` rows of one product, the bands of each product in order, products in order.
#[no_mangle]
pub unsafe extern "C" fn cp_syrk_task(a: P, out: P, batch: usize, n: usize, k: usize, ta: u32, band: usize, task: usize) {
    let per = n.div_ceil(band);
    let (t, c) = (task / per, task % per);
    debug_assert!(t < batch);
    let (lo, hi) = span(band, c, n);
    matmul::syrk_band(f(a), f(out), t, n, k, ta != 0, lo, hi)
}
