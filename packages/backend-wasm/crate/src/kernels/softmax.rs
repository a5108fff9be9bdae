//! Fused softmax, logSoftmax, softmax cross-entropy and its gradient over the rows of `[rows, cols]`: subtract the row
//! max, then exponentials, their (sequential) sum and the final division in double, rounding each output once
//! (as the reference does). The exponentials are recomputed in the second pass instead of stored.

use super::reduce::row_max_f32;
use crate::math;
use crate::simd::*;
use core::arch::wasm32::*;

/// Σ exp(x - m) over a row, in double. NOTE: the exponentials are computed 4 at a time but summed in sequential
/// order, like the reference: when the sum is close to 1, log(sum) is tiny and its relative error is set by
/// the rounding of the sum, so a different order would differ by many ulps.
#[inline(always)]
unsafe fn sum_exp(x: *const f32, n: usize, m: f64) -> f64 {
    let vm = f64x2_splat(m);
    let mut s = 0.0;
    let mut i = 0;
    while i + 4 <= n {
        let (lo, hi) = promote(ld(x.add(i)));
        let (a, b) = (math::exp(f64x2_sub(lo, vm)), math::exp(f64x2_sub(hi, vm)));
        s = s + f64x2_extract_lane::<0>(a) + f64x2_extract_lane::<1>(a) + f64x2_extract_lane::<0>(b) + f64x2_extract_lane::<1>(b);
        i += 4;
    }
    while i < n {
        s += f64x2_extract_lane::<0>(math::exp(f64x2_splat(*x.add(i) as f64 - m)));
        i += 1;
    }
    s
}

fn ln(x: f64) -> f64 {
    f64x2_extract_lane::<0>(math::log(f64x2_splat(x)))
}

/// `out = exp(x - max) / Σ exp(x - max)` per row (log = false), or `(x - max) - ln Σ exp(x - max)` (log = true).
/// `out` may be `x`. A row with a NaN (or all -inf) becomes NaN.
pub unsafe fn softmax(x: *const f32, out: *mut f32, rows: usize, cols: usize, log: bool) {
    if cols == 0 {
        return;
    }
    for r in 0..rows {
        let (xr, or) = (x.add(r * cols), out.add(r * cols));
        let m = row_max_f32(xr, cols) as f64;
        let s = sum_exp(xr, cols, m);
        let vm = f64x2_splat(m);
        if log {
            let vl = f64x2_splat(ln(s));
            map1(xr as *const u32, or as *mut u32, cols, |v| via_f64(v, |d| f64x2_sub(f64x2_sub(d, vm), vl)));
        } else {
            let vs = f64x2_splat(s);
            map1(xr as *const u32, or as *mut u32, cols, |v| via_f64(v, |d| f64x2_div(math::exp(f64x2_sub(d, vm)), vs)));
        }
    }
}

/// `out[r] = ln Σ exp(x - max) - (x[r, labels[r]] - max)`.
pub unsafe fn softmax_cross_entropy(x: *const f32, labels: *const i32, out: *mut f32, rows: usize, cols: usize) {
    for r in 0..rows {
        let xr = x.add(r * cols);
        let m = row_max_f32(xr, cols) as f64;
        let picked = *xr.add(*labels.add(r) as usize) as f64;
        *out.add(r) = (ln(sum_exp(xr, cols, m)) - (picked - m)) as f32;
    }
}

/// `out[r, c] = (softmax(x[r])[c] - [c == labels[r]])·grad[r·grad_stride]`, the probability, the one-hot
/// subtraction and the product in double, rounded once. `out` must not overlap `x`.
pub unsafe fn softmax_cross_entropy_backward(x: *const f32, labels: *const i32, grad: *const f32, grad_stride: usize, out: *mut f32, rows: usize, cols: usize) {
    if cols == 0 {
        return;
    }
    for r in 0..rows {
        let (xr, or) = (x.add(r * cols), out.add(r * cols));
        let m = row_max_f32(xr, cols) as f64;
        let s = sum_exp(xr, cols, m);
        let (vm, vs) = (f64x2_splat(m), f64x2_splat(s));
        let vg = f64x2_splat(*grad.add(r * grad_stride) as f64);
        map1(xr as *const u32, or as *mut u32, cols, |v| via_f64(v, |d| f64x2_mul(f64x2_div(math::exp(f64x2_sub(d, vm)), vs), vg)));
        // NOTE: the label's element is recomputed with the one subtracted before the product (not (p·g) - g).
        let l = *labels.add(r) as usize;
        let p = f64x2_extract_lane::<0>(math::exp(f64x2_splat(*xr.add(l) as f64 - m))) / s;
        *or.add(l) = ((p - 1.0) * (*grad.add(r * grad_stride) as f64)) as f32;
    }
}
