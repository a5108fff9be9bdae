//! The reparametrization of a box `[lo, hi]` and its VJP in one pass (the fused `boxTransform`): each raw
//! value goes to `lo + softplus(r)` (lower bound only), `hi - softplus(-r)` (upper only) or `lo + w·σ(r)`,
//! measured from the nearer bound (both), and optionally its gradient `g·T'(r)` (σ(r), σ(-r) or
//! `w·σ(r)σ(-r)`). All in double from `t = e^-|r|` (polynomials sized for the float32 result: relative errors
//! below 3e-10), rounded to float32 once, four elements a
//! loop; the derivative is rounded to float32 (0 below 2^-100) and the VJP is its float32 product with the
//! gradient. `out` may be `raw`, `grad_out` may be `grad`.

use core::arch::wasm32::*;

/// Which bounds are finite: 0 none, 1 lower, 2 upper, 3 both.
#[inline(always)]
fn kind(lo: f64, hi: f64) -> u32 {
    (lo.is_finite() as u32) | ((hi.is_finite() as u32) << 1)
}

const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-01;
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
/// 1.5·2^52: adding it rounds a double to an integer held in the low mantissa bits.
const MAGIC: f64 = 6_755_399_441_055_744.0;

/// `e^x` for `x <= 0`, relative error below 3e-10 (a tenth of the float32 rounding this kernel ends with): the
/// range reduction of math::exp with a degree-8 Taylor polynomial on `|r| <= ln2/2` instead of degree 10.
#[inline(always)]
fn exp_neg(x: v128) -> v128 {
    let x = f64x2_max(x, f64x2_splat(-300.0));
    let t = f64x2_add(f64x2_mul(x, f64x2_splat(core::f64::consts::LOG2_E)), f64x2_splat(MAGIC));
    let k = f64x2_sub(t, f64x2_splat(MAGIC));
    let r = f64x2_sub(f64x2_sub(x, f64x2_mul(k, f64x2_splat(LN2_HI))), f64x2_mul(k, f64x2_splat(LN2_LO)));
    // NOTE: the low mantissa bits of t + 1023 hold k + 1023; shifted into the exponent field they make 2^k.
    let scale = i64x2_shl(f64x2_add(t, f64x2_splat(1023.0)), 52);
    let mut p = f64x2_splat(1.0 / 40320.0);
    for c in [1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0] {
        p = f64x2_add(f64x2_mul(p, r), f64x2_splat(c));
    }
    f64x2_mul(p, scale)
}

/// `√2 − 1`: above it `log1p(t)` is taken as `ln2 + log1p((t − 1)/2)`, so the series argument stays small.
const SQRT2_M1: f64 = 0.414_213_562_373_095_1;

/// `log1p(t)` and `1/(1 + t)` for `t` in `[0, 1]`, with one division between them: `log1p(u) = 2·atanh(s)`,
/// `s = u/(2 + u)`, with `u = t`, or `(t − 1)/2` plus ln2 above `√2 − 1`, so `|s| <= 0.172` and six terms of
/// the atanh series reach a relative error below 1e-10; the one reciprocal of `(1 + t)(2 + u)` gives both
/// quotients.
#[inline(always)]
fn log1p_and_recip(t: v128) -> (v128, v128) {
    let one = f64x2_splat(1.0);
    let two = f64x2_splat(2.0);
    let high = f64x2_gt(t, f64x2_splat(SQRT2_M1));
    let u = v128_bitselect(f64x2_mul(f64x2_sub(t, one), f64x2_splat(0.5)), t, high);
    let a = f64x2_add(one, t);
    let b = f64x2_add(two, u);
    let rec = f64x2_div(one, f64x2_mul(a, b));
    let s = f64x2_mul(u, f64x2_mul(a, rec));
    let z = f64x2_mul(s, s);
    let mut p = f64x2_splat(1.0 / 11.0);
    for c in [1.0 / 9.0, 1.0 / 7.0, 1.0 / 5.0, 1.0 / 3.0, 1.0] {
        p = f64x2_add(f64x2_mul(p, z), f64x2_splat(c));
    }
    let log = f64x2_add(f64x2_mul(f64x2_add(s, s), p), v128_and(f64x2_splat(core::f64::consts::LN_2), high));
    (log, f64x2_mul(b, rec))
}

/// The value and the derivative of the transform at two raw values (f64x2 lanes).
#[inline(always)]
fn eval(r: v128, kind: u32, lo: f64, hi: f64) -> (v128, v128) {
    let one = f64x2_splat(1.0);
    let t = exp_neg(f64x2_neg(f64x2_abs(r)));
    let neg = f64x2_lt(r, f64x2_splat(0.0));
    match kind {
        1 | 2 => {
            // s = σ(-|r|) = t/(1+t), 1 - s = 1/(1+t), both accurate; softplus(±r) = max(±r, 0) + log1p(t).
            let (l, inv) = log1p_and_recip(t);
            let s = f64x2_mul(t, inv);
            if kind == 1 {
                let sp = f64x2_add(f64x2_max(r, f64x2_splat(0.0)), l);
                (f64x2_add(f64x2_splat(lo), sp), v128_bitselect(s, inv, neg))
            } else {
                let sp_neg = f64x2_add(f64x2_max(f64x2_neg(r), f64x2_splat(0.0)), l);
                (f64x2_sub(f64x2_splat(hi), sp_neg), v128_bitselect(inv, s, neg))
            }
        }
        3 => {
            let inv = f64x2_div(one, f64x2_add(one, t));
            let w = f64x2_splat(hi - lo);
            let ws = f64x2_mul(w, f64x2_mul(t, inv));
            let v = v128_bitselect(f64x2_add(f64x2_splat(lo), ws), f64x2_sub(f64x2_splat(hi), ws), neg);
            (v, f64x2_mul(ws, inv))
        }
        _ => (r, one),
    }
}

/// Derivatives below this count as 0: an element that deep in a flat tail (raw below about -69) would get a
/// gradient below 2^-100 times the incoming one.
// NOTE: such gradients are mostly subnormal in float32, and every float op on a subnormal takes a slow microcode
// path on x86 (wasm has no flush-to-zero mode): they made Adam's update 30 times slower.
const FLAT: f64 = 7.888_609_052_210_118e-31; // 2^-100

/// The derivative rounded to float32 and taken as 0 below `FLAT`, for two f64x2 halves (as one f32x4).
#[inline(always)]
fn slope4(d0: v128, d1: v128) -> v128 {
    let flat = |d: v128| v128_andnot(d, f64x2_lt(d, f64x2_splat(FLAT)));
    i32x4_shuffle::<0, 1, 4, 5>(f32x4_demote_f64x2_zero(flat(d0)), f32x4_demote_f64x2_zero(flat(d1)))
}

/// Four float32 values from `p` (the first `len` of them; the others read as 0).
#[inline(always)]
unsafe fn load4(p: *const f32, len: usize) -> v128 {
    if len == 4 {
        // SAFETY: the caller guarantees four readable floats at p when len == 4 (wasm allows unaligned loads).
        v128_load(p as *const v128)
    } else {
        let mut a = [0.0f32; 4];
        for (j, x) in a.iter_mut().enumerate().take(len) {
            *x = *p.add(j);
        }
        f32x4(a[0], a[1], a[2], a[3])
    }
}

/// The two f64x2 halves of an f32x4.
#[inline(always)]
fn widen(v: v128) -> (v128, v128) {
    (f64x2_promote_low_f32x4(v), f64x2_promote_low_f32x4(i32x4_shuffle::<2, 3, 0, 1>(v, v)))
}

/// Stores the first `len` lanes of `v` at `p`.
#[inline(always)]
unsafe fn store4(p: *mut f32, len: usize, v: v128) {
    if len == 4 {
        // SAFETY: the caller guarantees four writable floats at p when len == 4.
        v128_store(p as *mut v128, v);
    } else {
        let a = [f32x4_extract_lane::<0>(v), f32x4_extract_lane::<1>(v), f32x4_extract_lane::<2>(v), f32x4_extract_lane::<3>(v)];
        for (j, x) in a.iter().enumerate().take(len) {
            *p.add(j) = *x;
        }
    }
}

/// `out = T(raw)`; when `with_slope`, `slope = T'(raw)` (float32, 0 below `FLAT`); when `with_grad`,
/// `grad_out = grad·slope` as a float32 product; over `n` float32 elements, four at a time. Each group of four is
/// read whole before it is written, so aliasing as documented is safe.
#[allow(clippy::too_many_arguments)]
pub unsafe fn box_transform(
    raw: *const f32,
    out: *mut f32,
    n: usize,
    lo: f64,
    hi: f64,
    with_grad: bool,
    grad: *const f32,
    grad_out: *mut f32,
    with_slope: bool,
    slope: *mut f32,
) {
    let k = kind(lo, hi);
    let mut i = 0;
    while i < n {
        let len = (n - i).min(4);
        let (r0, r1) = widen(load4(raw.add(i), len));
        let (v0, d0) = eval(r0, k, lo, hi);
        let (v1, d1) = eval(r1, k, lo, hi);
        let d = slope4(d0, d1);
        if with_grad {
            store4(grad_out.add(i), len, f32x4_mul(load4(grad.add(i), len), d));
        }
        if with_slope {
            store4(slope.add(i), len, d);
        }
        let v = i32x4_shuffle::<0, 1, 4, 5>(f32x4_demote_f64x2_zero(v0), f32x4_demote_f64x2_zero(v1));
        store4(out.add(i), len, v);
        i += 4;
    }
}
