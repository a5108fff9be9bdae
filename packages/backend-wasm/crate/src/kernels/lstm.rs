//! The fused LSTM cell and its gradient: one pass over a step's `[rows, 4·hidden]` gates instead of about ten
//! elementwise kernels each way. Every intermediate is rounded to f32 where the composed ops of core's
//! fallback round it, with the unary kernels' own sigmoid and tanh (`via_f64`), so the fused kernels give
//! the fallback's bits on this backend. Columns run 4 lanes at a time; a row's tail is padded into 4 lanes
//! and runs the same lane function, so every column gives the same bits.

use crate::math;
use crate::simd::*;
use core::arch::wasm32::*;

/// Runs `body(j, lanes)` over the columns `j` of one row in groups of 4 (the last group `lanes < 4` wide).
#[inline(always)]
fn columns(hidden: usize, mut body: impl FnMut(usize, usize)) {
    let mut j = 0;
    while j < hidden {
        body(j, (hidden - j).min(4));
        j += 4;
    }
}

/// Loads `lanes` (1 to 4) lanes at `p`, padding with 0.
#[inline(always)]
unsafe fn load(p: *const u32, lanes: usize) -> v128 {
    if lanes == 4 {
        ld(p)
    } else {
        ld_partial(p, lanes, 0)
    }
}

/// Stores `lanes` (1 to 4) lanes at `p`.
#[inline(always)]
unsafe fn store(p: *mut u32, lanes: usize, v: v128) {
    if lanes == 4 {
        st(p, v)
    } else {
        st_partial(p, lanes, v)
    }
}

#[inline(always)]
fn sigmoid(v: v128) -> v128 {
    via_f64(v, math::sigmoid)
}

#[inline(always)]
fn tanh(v: v128) -> v128 {
    via_f64(v, math::tanh)
}

/// Rows `[lo, hi)` of one step: `gates = [σ(i), σ(f), tanh(g), σ(o)]`, `c_out = f·c + i·g`, `h = o·tanh(c_out)`.
pub unsafe fn lstm_cell(pre: *const u32, c: *const u32, gates: *mut u32, c_out: *mut u32, h: *mut u32, hidden: usize, lo: usize, hi: usize) {
    for row in lo..hi {
        let (g0, s0) = (row * 4 * hidden, row * hidden);
        columns(hidden, |j, n| {
            let at = |gate: usize| g0 + gate * hidden + j;
            let i = sigmoid(load(pre.add(at(0)), n));
            let f = sigmoid(load(pre.add(at(1)), n));
            let g = tanh(load(pre.add(at(2)), n));
            let o = sigmoid(load(pre.add(at(3)), n));
            for (gate, v) in [i, f, g, o].into_iter().enumerate() {
                store(gates.add(at(gate)), n, v);
            }
            let cn = f32x4_add(f32x4_mul(f, load(c.add(s0 + j), n)), f32x4_mul(i, g));
            store(c_out.add(s0 + j), n, cn);
            store(h.add(s0 + j), n, f32x4_mul(o, tanh(cn)));
        });
    }
}

/// Rows `[lo, hi)` of the gradient of `lstm_cell`: `dpre` `[rows, 4·hidden]` and `dc_prev`.
pub unsafe fn lstm_cell_backward(gates: *const u32, c: *const u32, c_out: *const u32, dh: *const u32, dc: *const u32, dpre: *mut u32, dc_prev: *mut u32, hidden: usize, lo: usize, hi: usize) {
    let one = f32x4_splat(1.0);
    for row in lo..hi {
        let (g0, s0) = (row * 4 * hidden, row * hidden);
        columns(hidden, |j, n| {
            let at = |gate: usize| g0 + gate * hidden + j;
            let (i, f) = (load(gates.add(at(0)), n), load(gates.add(at(1)), n));
            let (g, o) = (load(gates.add(at(2)), n), load(gates.add(at(3)), n));
            let d = load(dh.add(s0 + j), n);
            let t = tanh(load(c_out.add(s0 + j), n));
            let all = f32x4_add(load(dc.add(s0 + j), n), f32x4_mul(f32x4_mul(d, o), f32x4_sub(one, f32x4_mul(t, t))));
            let sig = |s: v128| f32x4_mul(s, f32x4_sub(one, s));
            store(dpre.add(at(0)), n, f32x4_mul(f32x4_mul(all, g), sig(i)));
            store(dpre.add(at(1)), n, f32x4_mul(f32x4_mul(all, load(c.add(s0 + j), n)), sig(f)));
            store(dpre.add(at(2)), n, f32x4_mul(f32x4_mul(all, i), f32x4_sub(one, f32x4_mul(g, g))));
            store(dpre.add(at(3)), n, f32x4_mul(f32x4_mul(d, t), sig(o)));
            store(dc_prev.add(s0 + j), n, f32x4_mul(all, f));
        });
    }
}
