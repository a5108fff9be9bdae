//! The reparametrization of a box `[lo, hi]` and its VJP in one pass (the fused `boxTransform`): each raw
//! value goes to `lo + softplus(r)` (lower bound only), `hi - softplus(-r)` (upper only) or `lo + w·σ(r)`,
//! measured from the nearer bound (both), and optionally its gradient `g·T'(r)` (σ(r), σ(-r) or
//! `w·σ(r)σ(-r)`). All in double from `t = e^-|r|`, rounded to float32 once. `out` may be `raw`, `grad_out`
//! may be `grad`.

use crate::math;
use core::arch::wasm32::*;

/// Which bounds are finite: 0 none, 1 lower, 2 upper, 3 both.
#[inline(always)]
fn kind(lo: f64, hi: f64) -> u32 {
    (lo.is_finite() as u32) | ((hi.is_finite() as u32) << 1)
}

/// The value and the derivative of the transform at two raw values (f64x2 lanes).
#[inline(always)]
fn eval(r: v128, kind: u32, lo: f64, hi: f64) -> (v128, v128) {
    let one = f64x2_splat(1.0);
    let t = math::exp(f64x2_neg(f64x2_abs(r)));
    let inv = f64x2_div(one, f64x2_add(one, t));
    // s = σ(-|r|) = t/(1+t), 1 - s = 1/(1+t), both accurate.
    let s = f64x2_mul(t, inv);
    let neg = f64x2_lt(r, f64x2_splat(0.0));
    match kind {
        1 => {
            let sp = f64x2_add(f64x2_max(r, f64x2_splat(0.0)), math::log1p(t)); // softplus(r)
            (f64x2_add(f64x2_splat(lo), sp), v128_bitselect(s, inv, neg))
        }
        2 => {
            let sp_neg = f64x2_add(f64x2_max(f64x2_neg(r), f64x2_splat(0.0)), math::log1p(t)); // softplus(-r)
            (f64x2_sub(f64x2_splat(hi), sp_neg), v128_bitselect(inv, s, neg))
        }
        3 => {
            let w = f64x2_splat(hi - lo);
            let ws = f64x2_mul(w, s);
            let v = v128_bitselect(f64x2_add(f64x2_splat(lo), ws), f64x2_sub(f64x2_splat(hi), ws), neg);
            (v, f64x2_mul(ws, inv))
        }
        _ => (r, one),
    }
}

/// `out = T(raw)` and, when `with_grad`, `grad_out = grad·T'(raw)`, over `n` float32 elements.
#[allow(clippy::too_many_arguments)]
pub unsafe fn box_transform(raw: *const f32, out: *mut f32, n: usize, lo: f64, hi: f64, with_grad: bool, grad: *const f32, grad_out: *mut f32) {
    let k = kind(lo, hi);
    let mut i = 0;
    while i < n {
        let two = i + 1 < n;
        let a = *raw.add(i) as f64;
        let b = if two { *raw.add(i + 1) as f64 } else { a };
        let (v, d) = eval(f64x2(a, b), k, lo, hi);
        let (g0, g1) = if with_grad { (*grad.add(i) as f64, if two { *grad.add(i + 1) as f64 } else { 0.0 }) } else { (0.0, 0.0) };
        *out.add(i) = f64x2_extract_lane::<0>(v) as f32;
        if with_grad {
            *grad_out.add(i) = (g0 * f64x2_extract_lane::<0>(d)) as f32;
        }
        if two {
            *out.add(i + 1) = f64x2_extract_lane::<1>(v) as f32;
            if with_grad {
                *grad_out.add(i + 1) = (g1 * f64x2_extract_lane::<1>(d)) as f32;
            }
        }
        i += 2;
    }
}
