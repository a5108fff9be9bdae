//! cp_kernels: the compute kernels of @cp/backend-wasm, exported as plain `extern "C"` functions.
//! Only integers and floats cross the boundary: pointers are byte offsets into linear memory that the
//! TypeScript allocator owns, shapes and strides arrive through its i32 scratch block. These shims only
//! turn integers into pointers and flags; the TypeScript side validates every argument beforehand. tasks.rs
//! adds one chunk-of-a-call export per kernel the worker pool splits (run on several threads by the atomics build).
#![cfg_attr(target_feature = "atomics", feature(thread_local))]

mod alloc;
mod kernels;
mod math;
mod ops;
mod simd;
mod tasks;

use kernels::{box_transform as bx, elementwise as ew, lstm, matmul, movement as mv, optim, projections as pj, reduce, simplex as sx, softmax, sort_scan};

#[global_allocator]
static NO_HEAP: alloc::NoHeap = alloc::NoHeap;

type P = usize;

#[inline(always)]
fn f(p: P) -> *mut f32 {
    p as *mut f32
}
#[inline(always)]
fn u(p: P) -> *mut u32 {
    p as *mut u32
}
#[inline(always)]
fn i(p: P) -> *const i32 {
    p as *const i32
}

/// Unary op: dtype 0 float32, 1 int32 (op codes in src/abi.ts).
#[no_mangle]
pub unsafe extern "C" fn cp_unary(dtype: u32, op: u32, x: P, out: P, n: usize) {
    if dtype == 0 {
        ew::unary_f32(op, u(x), u(out), n)
    } else {
        ew::unary_i32(op, u(x), u(out), n)
    }
}

/// Broadcast binary op into a contiguous `out`.
#[no_mangle]
pub unsafe extern "C" fn cp_binary(dtype: u32, op: u32, a: P, b: P, out: P, rank: usize, shape: P, sa: P, sb: P) {
    ew::binary(dtype, op, u(a), u(b), u(out), rank, i(shape), i(sa), i(sb))
}

/// `x op s` or `s op x`; `s` is the scalar converted to the dtype, as its 32-bit pattern.
#[no_mangle]
pub unsafe extern "C" fn cp_binary_scalar(dtype: u32, op: u32, x: P, s: u32, reverse: u32, out: P, n: usize) {
    ew::binary_scalar(dtype, op, u(x), s, reverse != 0, u(out), n)
}

/// Broadcast compare into bool bytes (dtype 0 float32, 1 int32, 2 bool).
#[no_mangle]
pub unsafe extern "C" fn cp_compare(dtype: u32, op: u32, a: P, b: P, out: P, rank: usize, shape: P, sa: P, sb: P) {
    if dtype == 2 {
        ew::compare_u8(op, a as *const u8, b as *const u8, out as *mut u8, rank, i(shape), i(sa), i(sb))
    } else {
        ew::compare(dtype, op, u(a), u(b), out as *mut u8, rank, i(shape), i(sa), i(sb))
    }
}

/// Broadcast select; `width` is the element size (4 or 1).
#[no_mangle]
pub unsafe extern "C" fn cp_where(width: u32, cond: P, a: P, b: P, out: P, rank: usize, shape: P, sc: P, sa: P, sb: P) {
    let c = cond as *const u8;
    if width == 4 {
        ew::where_(c, u(a), u(b), u(out), rank, i(shape), i(sc), i(sa), i(sb))
    } else {
        ew::where_(c, a as *const u8, b as *const u8, out as *mut u8, rank, i(shape), i(sc), i(sa), i(sb))
    }
}

/// Cast between dtype codes (0 float32, 1 int32, 2 bool).
#[no_mangle]
pub unsafe extern "C" fn cp_cast(from: u32, to: u32, x: P, out: P, n: usize) {
    ew::cast(from, to, x as *const u8, out as *mut u8, n)
}

/// Reduce the middle axis of `[outer, size, inner]` (dtype 0 float32, 1 int32, 2 bool).
#[no_mangle]
pub unsafe extern "C" fn cp_reduce(dtype: u32, op: u32, x: P, out: P, outer: usize, size: usize, inner: usize) {
    reduce::reduce(dtype, op, x as *const u8, out as *mut u8, outer, size, inner)
}

/// argmax (op 0) / argmin (op 1) along the middle axis into int32 (any dtype).
#[no_mangle]
pub unsafe extern "C" fn cp_arg_reduce(dtype: u32, op: u32, x: P, out: P, outer: usize, size: usize, inner: usize) {
    reduce::arg_reduce(dtype, op, x as *const u8, out as *mut i32, outer, size, inner)
}

/// Batched float32 matmul; batch strides in elements.
#[no_mangle]
pub unsafe extern "C" fn cp_matmul(a: P, b: P, out: P, batch: usize, m: usize, k: usize, n: usize, ta: u32, tb: u32, abs: usize, bbs: usize) {
    matmul::matmul(f(a), f(b), f(out), batch, m, k, n, ta != 0, tb != 0, abs, bbs)
}

/// Strided copy; `width` is the element size (4 or 1), offsets in elements.
#[no_mangle]
pub unsafe extern "C" fn cp_copy_strided(width: u32, x: P, x_off: isize, xs: P, out: P, out_off: isize, os: P, rank: usize, shape: P) {
    let (sx, so, sh) = (i(xs), i(os), i(shape));
    // A batch of transposes (x contiguous along one of the last two dims, out along the other): blocked.
    if width == 4 && rank == 3 {
        let (xp, op) = ((x as *const u32).offset(x_off), u(out).offset(out_off));
        let st = |s: *const i32, d: usize| *s.add(d) as isize;
        let dim = |d: usize| *sh.add(d) as usize;
        if st(sx, 1) == 1 && st(so, 2) == 1 {
            mv::transpose_batch(xp, st(sx, 0), st(sx, 2), op, st(so, 0), st(so, 1), dim(0), dim(1), dim(2));
            return;
        }
        if st(sx, 2) == 1 && st(so, 1) == 1 {
            mv::transpose_batch(xp, st(sx, 0), st(sx, 1), op, st(so, 0), st(so, 2), dim(0), dim(2), dim(1));
            return;
        }
    }
    if width == 4 {
        mv::copy_strided(u(x), x_off, i(xs), u(out), out_off, i(os), rank, i(shape))
    } else {
        mv::copy_strided(x as *const u8, x_off, i(xs), out as *mut u8, out_off, i(os), rank, i(shape))
    }
}

/// Fill 32-bit lanes with a bit pattern.
#[no_mangle]
pub unsafe extern "C" fn cp_fill32(out: P, n: usize, bits: u32) {
    mv::fill(u(out), n, bits)
}

/// Fill bytes.
#[no_mangle]
pub unsafe extern "C" fn cp_fill8(out: P, n: usize, byte: u32) {
    mv::fill(out as *mut u8, n, byte as u8)
}

/// Gather along the middle axis; `strides` points at the three index strides.
#[no_mangle]
pub unsafe extern "C" fn cp_gather(width: u32, x: P, index: P, strides: P, out: P, outer: usize, size: usize, inner: usize, count: usize) {
    if width == 4 {
        mv::gather(u(x), i(index), i(strides), u(out), outer, size, inner, count)
    } else {
        mv::gather(x as *const u8, i(index), i(strides), out as *mut u8, outer, size, inner, count)
    }
}

/// Scatter-add along the middle axis (dtype 0 float32, 1 int32 wrapping).
#[no_mangle]
pub unsafe extern "C" fn cp_scatter_add(dtype: u32, src: P, index: P, strides: P, out: P, outer: usize, size: usize, inner: usize, count: usize) {
    if dtype == 0 {
        mv::scatter_add(f(src), i(index), i(strides), f(out), outer, size, inner, count, |a, b| a + b)
    } else {
        let (s, o) = (src as *const i32, out as *mut i32);
        mv::scatter_add(s, i(index), i(strides), o, outer, size, inner, count, i32::wrapping_add)
    }
}

/// Inclusive scan along the middle axis: dtype 0 float32, 1 int32 (wrapping); op 0 sum, 1 prod.
#[no_mangle]
pub unsafe extern "C" fn cp_scan(dtype: u32, op: u32, x: P, out: P, outer: usize, size: usize, inner: usize) {
    match (dtype, op) {
        (0, 0) => sort_scan::scan(f(x), f(out), outer, size, inner, 0.0, |a, b| a + b),
        (0, _) => sort_scan::scan(f(x), f(out), outer, size, inner, 1.0, |a, b| a * b),
        (_, 0) => sort_scan::scan(x as *const i32, out as *mut i32, outer, size, inner, 0, i32::wrapping_add),
        _ => sort_scan::scan(x as *const i32, out as *mut i32, outer, size, inner, 1, i32::wrapping_mul),
    }
}

/// Stable argsort of contiguous rows into int32 positions (dtype 0 float32, 1 int32).
#[no_mangle]
pub unsafe extern "C" fn cp_argsort(dtype: u32, x: P, out: P, rows: usize, cols: usize, descending: u32) {
    sort_scan::argsort(dtype, x as *const u8, out as *mut i32, rows, cols, descending != 0)
}

/// softmax (log = 0) or logSoftmax (log = 1) over rows.
#[no_mangle]
pub unsafe extern "C" fn cp_softmax(x: P, out: P, rows: usize, cols: usize, log: u32) {
    softmax::softmax(f(x), f(out), rows, cols, log != 0)
}

/// Per-row softmax cross-entropy with int32 labels.
#[no_mangle]
pub unsafe extern "C" fn cp_softmax_cross_entropy(x: P, labels: P, out: P, rows: usize, cols: usize) {
    softmax::softmax_cross_entropy(f(x), i(labels), f(out), rows, cols)
}

/// SGD step in place; `buf` = 0 without momentum; flags: 1 nesterov, 2 first step, 4 maximize.
#[no_mangle]
pub unsafe extern "C" fn cp_sgd(param: P, grad: P, buf: P, n: usize, lr: f64, momentum: f64, keep: f64, weight_decay: f64, flags: u32) {
    let o = optim::Sgd {
        lr,
        momentum,
        keep,
        weight_decay,
        nesterov: flags & 1 != 0,
        first_step: flags & 2 != 0,
        maximize: flags & 4 != 0,
    };
    optim::sgd(&o, u(param), u(grad), u(buf), n)
}

/// Adam/AdamW step in place; `vmax` = 0 without amsgrad; flags: 2 maximize.
#[no_mangle]
pub unsafe extern "C" fn cp_adam(param: P, grad: P, m: P, v: P, vmax: P, n: usize, beta1: f64, beta2: f64, eps: f64, coupled_wd: f64, decay: f64, step_size: f64, bc2_sqrt: f64, flags: u32) {
    let o = optim::Adam { beta1, beta2, eps, coupled_wd, decay, maximize: flags & 2 != 0, step_size, bc2_sqrt };
    optim::adam(&o, u(param), u(grad), u(m), u(v), u(vmax), n)
}

/// The gradient of the per-row softmax cross-entropy with respect to the logits, times `grad`.
#[no_mangle]
pub unsafe extern "C" fn cp_softmax_cross_entropy_backward(x: P, labels: P, grad: P, grad_stride: usize, out: P, rows: usize, cols: usize) {
    softmax::softmax_cross_entropy_backward(f(x), i(labels), f(grad), grad_stride, f(out), rows, cols)
}

/// relu's gradient: `out = x > 0 ? grad : 0`.
#[no_mangle]
pub unsafe extern "C" fn cp_relu_backward(x: P, grad: P, out: P, n: usize) {
    ew::relu_backward(u(x), u(grad), u(out), n)
}

/// Clamp to [lo, hi].
#[no_mangle]
pub unsafe extern "C" fn cp_clamp(x: P, out: P, n: usize, lo: f32, hi: f32) {
    pj::clamp(u(x), u(out), n, lo, hi)
}

/// Renorm slices along the middle axis.
#[no_mangle]
pub unsafe extern "C" fn cp_renorm_slices(x: P, out: P, outer: usize, size: usize, inner: usize, lo: f64, hi: f64, rate: f64) {
    pj::renorm_slices(f(x), f(out), outer, size, inner, lo, hi, rate)
}

/// Simplex projection of rows; `scratch` holds `cols` doubles.
#[no_mangle]
pub unsafe extern "C" fn cp_simplex_project(x: P, out: P, rows: usize, cols: usize, radius: f64, scratch: P) {
    sx::simplex_project(f(x), f(out), rows, cols, radius, scratch as *mut f64)
}

/// L1-ball projection of rows; `scratch` holds `cols` doubles.
#[no_mangle]
pub unsafe extern "C" fn cp_l1_ball_project(x: P, out: P, rows: usize, cols: usize, radius: f64, scratch: P) {
    sx::l1_ball_project(f(x), f(out), rows, cols, radius, scratch as *mut f64)
}

/// Box reparametrization `out = T(raw)` and, with `with_grad` 1, its VJP `grad_out = grad·T'(raw)`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn cp_box_transform(raw: P, out: P, n: usize, lo: f64, hi: f64, mode: u32, grad: P, grad_out: P, slope: P) {
    bx::box_transform(f(raw), f(out), n, lo, hi, mode & 1 != 0, f(grad), f(grad_out), mode & 2 != 0, f(slope))
}

/// One LSTM step over `rows` rows: gate activations, the new cell state and the new hidden state.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn cp_lstm_cell(pre: P, c: P, gates: P, c_out: P, h: P, rows: usize, hidden: usize) {
    lstm::lstm_cell(u(pre), u(c), u(gates), u(c_out), u(h), hidden, 0, rows)
}

/// The gradient of `cp_lstm_cell` over `rows` rows.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn cp_lstm_cell_backward(gates: P, c: P, c_out: P, dh: P, dc: P, dpre: P, dc_prev: P, rows: usize, hidden: usize) {
    lstm::lstm_cell_backward(u(gates), u(c), u(c_out), u(dh), u(dc), u(dpre), u(dc_prev), hidden, 0, rows)
}

/// Batched symmetric product `out[t] = op(A[t])·op(A[t])ᵀ` in bands of `band` rows (upper triangle, mirrored).
#[no_mangle]
pub unsafe extern "C" fn cp_syrk(a: P, out: P, batch: usize, n: usize, k: usize, ta: u32, band: usize) {
    matmul::syrk(f(a), f(out), batch, n, k, ta != 0, band)
}
