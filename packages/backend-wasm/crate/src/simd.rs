//! SIMD128 helpers shared by the kernels: unaligned loads and stores, and `map` drivers that run one
//! `v128 -> v128` body over a slice, with the tail padded into a 4-lane buffer so the SIMD body and
//! the tail compute bit-identical results (f32x4_max propagates NaN where f32::max would not, so scalar
//! tails never use f32::max).

use core::arch::wasm32::*;

/// Loads 4 lanes (f32 or i32) from an unaligned pointer.
#[inline(always)]
pub unsafe fn ld<T>(p: *const T) -> v128 {
    v128_load(p as *const v128)
}

/// Stores 4 lanes to an unaligned pointer.
#[inline(always)]
pub unsafe fn st<T>(p: *mut T, v: v128) {
    v128_store(p as *mut v128, v)
}

/// Loads the first `n < 4` 32-bit lanes, padding with `pad` bits.
#[inline(always)]
pub unsafe fn ld_partial(p: *const u32, n: usize, pad: u32) -> v128 {
    let mut buf = [pad; 4];
    for (i, slot) in buf.iter_mut().enumerate().take(n) {
        *slot = *p.add(i);
    }
    ld(buf.as_ptr())
}

/// Stores the first `n < 4` 32-bit lanes.
#[inline(always)]
pub unsafe fn st_partial(p: *mut u32, n: usize, v: v128) {
    let mut buf = [0u32; 4];
    st(buf.as_mut_ptr(), v);
    for (i, lane) in buf.iter().enumerate().take(n) {
        *p.add(i) = *lane;
    }
}

/// `out[i] = f(x[i])` over 32-bit lanes; `out` may equal `x`.
#[inline(always)]
pub unsafe fn map1(x: *const u32, out: *mut u32, n: usize, f: impl Fn(v128) -> v128) {
    let mut i = 0;
    while i + 4 <= n {
        st(out.add(i), f(ld(x.add(i))));
        i += 4;
    }
    if i < n {
        st_partial(out.add(i), n - i, f(ld_partial(x.add(i), n - i, 0)));
    }
}

/// Splits f32x4 into two f64x2 (lanes 0-1 and 2-3).
#[inline(always)]
pub fn promote(v: v128) -> (v128, v128) {
    (f64x2_promote_low_f32x4(v), f64x2_promote_low_f32x4(i32x4_shuffle::<2, 3, 2, 3>(v, v)))
}

/// Joins two f64x2 into one f32x4, rounding each lane once.
#[inline(always)]
pub fn demote(lo: v128, hi: v128) -> v128 {
    i32x4_shuffle::<0, 1, 4, 5>(f32x4_demote_f64x2_zero(lo), f32x4_demote_f64x2_zero(hi))
}

/// Applies an f64x2 function to the four lanes of an f32x4 (computed in double, rounded once).
#[inline(always)]
pub fn via_f64(v: v128, f: impl Fn(v128) -> v128) -> v128 {
    let (lo, hi) = promote(v);
    demote(f(lo), f(hi))
}

/// Applies a two-argument f64x2 function lane-wise to two f32x4.
#[inline(always)]
pub fn via_f64_2(a: v128, b: v128, f: impl Fn(v128, v128) -> v128) -> v128 {
    let (alo, ahi) = promote(a);
    let (blo, bhi) = promote(b);
    demote(f(alo, blo), f(ahi, bhi))
}
