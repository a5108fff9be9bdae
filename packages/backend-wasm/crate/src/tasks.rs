//! The task exports of the worker pool: `cp_<kernel>_task(...kernel args, chunk, task)` runs chunk `task` of
//! one kernel call, where a chunk is `chunk` consecutive units of the kernel's split dimension (elements,
//! rows, or the rows or columns of one matmul product). The chunk size is chosen by the TypeScript side from
//! the shape alone, never from the thread count, and every unit is computed exactly as the whole-call
//! kernel computes it, so a call split over any number of threads gives the same bits as the serial call.

use crate::kernels::{matmul, movement as mv, nd::MAX_RANK};
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

/// Chunk of `cp_binary_scalar` over elements.
#[no_mangle]
pub unsafe extern "C" fn cp_binary_scalar_task(dtype: u32, op: u32, x: P, s: u32, reverse: u32, out: P, n: usize, chunk: usize, task: usize) {
    let (lo, hi) = span(chunk, task, n);
    cp_binary_scalar(dtype, op, x + 4 * lo, s, reverse, out + 4 * lo, hi - lo)
}

/// Chunk of `cp_binary` over the first dimension of `shape` (the output is contiguous).
#[no_mangle]
pub unsafe extern "C" fn cp_binary_task(dtype: u32, op: u32, a: P, b: P, out: P, rank: usize, shape: P, sa: P, sb: P, chunk: usize, task: usize) {
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
    let lo = lo as isize;
    let (a_st, b_st) = (*(sa as *const i32) as isize, *(sb as *const i32) as isize);
    let at = |p: P, elems: isize| (p as isize + 4 * elems) as P;
    cp_binary(dtype, op, at(a, lo * a_st), at(b, lo * b_st), at(out, lo * row), rank, local.as_ptr() as P, sa, sb)
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

/// Chunk of `cp_arg_reduce` over the outer dimension (int32 indices out; x of dtype 0/1 4 bytes, 2 bool).
#[no_mangle]
pub unsafe extern "C" fn cp_arg_reduce_task(dtype: u32, op: u32, x: P, out: P, outer: usize, size: usize, inner: usize, chunk: usize, task: usize) {
    let (lo, hi) = span(chunk, task, outer);
    let width = if dtype == 2 { 1 } else { 4 };
    cp_arg_reduce(dtype, op, x + width * lo * size * inner, out + 4 * lo * inner, hi - lo, size, inner)
}

/// Chunk of `cp_gather` over the outer dimension.
#[no_mangle]
pub unsafe extern "C" fn cp_gather_task(width: u32, x: P, index: P, strides: P, out: P, outer: usize, size: usize, inner: usize, count: usize, chunk: usize, task: usize) {
    let (lo, hi) = span(chunk, task, outer);
    if width == 4 {
        mv::gather_rows(u(x), i(index), i(strides), u(out), lo, hi, size, inner, count)
    } else {
        mv::gather_rows(x as *const u8, i(index), i(strides), out as *mut u8, lo, hi, size, inner, count)
    }
}

/// Chunk of `cp_scatter_add` over the outer dimension (each output row is summed by one task, in order).
#[no_mangle]
pub unsafe extern "C" fn cp_scatter_add_task(dtype: u32, src: P, index: P, strides: P, out: P, outer: usize, size: usize, inner: usize, count: usize, chunk: usize, task: usize) {
    let (lo, hi) = span(chunk, task, outer);
    if dtype == 0 {
        mv::scatter_add_rows(f(src), i(index), i(strides), f(out), lo, hi, size, inner, count, |a, b| a + b)
    } else {
        let (s, o) = (src as *const i32, out as *mut i32);
        mv::scatter_add_rows(s, i(index), i(strides), o, lo, hi, size, inner, count, i32::wrapping_add)
    }
}
