//! Elementwise kernels: unary, binary (broadcast), binary with a scalar, compare, where and cast.
//! Each op is one `v128 -> v128` lane function; the contiguous and scalar-broadcast rows run it 4 lanes at a
//! time, strided rows run the same function on splatted lanes, so every path gives the same bits.

use super::nd::for_rows;
use crate::math;
use crate::simd::*;
use core::arch::wasm32::*;

/// Applies a unary float32 op by code (see src/abi.ts).
pub unsafe fn unary_f32(op: u32, x: *const u32, out: *mut u32, n: usize) {
    match op {
        0 => map1(x, out, n, |v| f32x4_neg(v)),
        1 => map1(x, out, n, |v| f32x4_abs(v)),
        2 => map1(x, out, n, sign_f32),
        3 => map1(x, out, n, |v| via_f64(v, math::exp)),
        4 => map1(x, out, n, |v| via_f64(v, math::expm1)),
        5 => map1(x, out, n, |v| via_f64(v, math::log)),
        6 => map1(x, out, n, |v| via_f64(v, math::log1p)),
        7 => map1(x, out, n, |v| f32x4_sqrt(v)),
        8 => map1(x, out, n, |v| via_f64(v, |d| f64x2_div(f64x2_splat(1.0), f64x2_sqrt(d)))),
        9 => map1(x, out, n, |v| f32x4_div(f32x4_splat(1.0), v)),
        10 => map1(x, out, n, |v| via_f64(v, math::sin)),
        11 => map1(x, out, n, |v| via_f64(v, math::cos)),
        12 => map1(x, out, n, |v| via_f64(v, math::tanh)),
        13 => map1(x, out, n, |v| via_f64(v, math::sigmoid)),
        14 => map1(x, out, n, |v| f32x4_max(v, f32x4_splat(0.0))),
        15 => map1(x, out, n, |v| via_f64(v, math::erf)),
        16 => map1(x, out, n, |v| f32x4_floor(v)),
        _ => {}
    }
}

/// sign: -1, +1, ±0 kept, NaN kept.
#[inline(always)]
fn sign_f32(v: v128) -> v128 {
    let one = f32x4_splat(1.0);
    let signed_one = v128_or(one, v128_and(v, f32x4_splat(-0.0)));
    // NOTE: zero and NaN are returned as they are; everything else becomes ±1.
    let keep = v128_or(f32x4_eq(v, f32x4_splat(0.0)), f32x4_ne(v, v));
    v128_bitselect(v, signed_one, keep)
}

/// Applies a unary int32 op by code: 0 neg, 1 abs, 2 sign (all wrapping).
pub unsafe fn unary_i32(op: u32, x: *const u32, out: *mut u32, n: usize) {
    match op {
        0 => map1(x, out, n, |v| i32x4_neg(v)),
        1 => map1(x, out, n, |v| i32x4_abs(v)),
        2 => map1(x, out, n, |v| {
            let z = i32x4_splat(0);
            i32x4_sub(i32x4_lt(v, z), i32x4_gt(v, z))
        }),
        _ => {}
    }
}

/// The lane function of a binary float32 op code: 0 add, 1 sub, 2 mul, 3 div, 4 pow, 5 max, 6 min.
#[inline(always)]
fn bin_f32(op: u32) -> impl Fn(v128, v128) -> v128 {
    move |a, b| match op {
        0 => f32x4_add(a, b),
        1 => f32x4_sub(a, b),
        2 => f32x4_mul(a, b),
        3 => f32x4_div(a, b),
        4 => via_f64_2(a, b, math::pow),
        5 => f32x4_max(a, b),
        _ => f32x4_min(a, b),
    }
}

/// The lane function of a binary int32 op code (wrapping): 0 add, 1 sub, 2 mul, 5 max, 6 min.
#[inline(always)]
fn bin_i32(op: u32) -> impl Fn(v128, v128) -> v128 {
    move |a, b| match op {
        0 => i32x4_add(a, b),
        1 => i32x4_sub(a, b),
        2 => i32x4_mul(a, b),
        5 => i32x4_max(a, b),
        _ => i32x4_min(a, b),
    }
}

/// Runs `body` with the lane function of (dtype, op), monomorphized per op so the match leaves the loop.
macro_rules! with_op {
    ($dtype:expr, $op:expr, $f:ident => $body:expr) => {
        match ($dtype, $op) {
            (0, 0) => { let $f = bin_f32(0); $body }
            (0, 1) => { let $f = bin_f32(1); $body }
            (0, 2) => { let $f = bin_f32(2); $body }
            (0, 3) => { let $f = bin_f32(3); $body }
            (0, 4) => { let $f = bin_f32(4); $body }
            (0, 5) => { let $f = bin_f32(5); $body }
            (0, _) => { let $f = bin_f32(6); $body }
            (_, 0) => { let $f = bin_i32(0); $body }
            (_, 1) => { let $f = bin_i32(1); $body }
            (_, 2) => { let $f = bin_i32(2); $body }
            (_, 5) => { let $f = bin_i32(5); $body }
            (_, _) => { let $f = bin_i32(6); $body }
        }
    };
}

/// One output row of a broadcast binary op over 32-bit lanes.
#[inline(always)]
unsafe fn bin_row(a: *const u32, b: *const u32, out: *mut u32, n: usize, sa: isize, sb: isize, f: &impl Fn(v128, v128) -> v128) {
    let mut i = 0;
    match (sa, sb) {
        (1, 1) => {
            while i + 4 <= n {
                st(out.add(i), f(ld(a.add(i)), ld(b.add(i))));
                i += 4;
            }
            if i < n {
                let r = f(ld_partial(a.add(i), n - i, 0), ld_partial(b.add(i), n - i, 0));
                st_partial(out.add(i), n - i, r);
            }
        }
        (1, 0) => {
            let vb = v128_load32_splat(b);
            while i + 4 <= n {
                st(out.add(i), f(ld(a.add(i)), vb));
                i += 4;
            }
            if i < n {
                st_partial(out.add(i), n - i, f(ld_partial(a.add(i), n - i, 0), vb));
            }
        }
        (0, 1) => {
            let va = v128_load32_splat(a);
            while i + 4 <= n {
                st(out.add(i), f(va, ld(b.add(i))));
                i += 4;
            }
            if i < n {
                st_partial(out.add(i), n - i, f(va, ld_partial(b.add(i), n - i, 0)));
            }
        }
        _ => {
            for i in 0..n {
                let r = f(v128_load32_splat(a.offset(i as isize * sa)), v128_load32_splat(b.offset(i as isize * sb)));
                *out.add(i) = i32x4_extract_lane::<0>(r) as u32;
            }
        }
    }
}

/// Broadcast binary op: `out` (contiguous, `shape`) = a op b; dtype 0 float32, 1 int32.
pub unsafe fn binary(dtype: u32, op: u32, a: *const u32, b: *const u32, out: *mut u32, rank: usize, shape: *const i32, sa: *const i32, sb: *const i32) {
    with_op!(dtype, op, f => for_rows(rank, shape, [sa, sb], [0, 0], |r, off, len, ist| {
        bin_row(a.offset(off[0]), b.offset(off[1]), out.add(r * len), len, ist[0], ist[1], &f)
    }))
}

/// `out = x op s` (or `s op x` when `reverse`), `s` already converted to the dtype (float32 0, int32 1) and
/// given as its 32-bit pattern: the same lane functions as `binary`, so results are identical.
pub unsafe fn binary_scalar(dtype: u32, op: u32, x: *const u32, s: u32, reverse: bool, out: *mut u32, n: usize) {
    let vs = u32x4_splat(s);
    with_op!(dtype, op, f => if reverse { map1(x, out, n, |v| f(vs, v)) } else { map1(x, out, n, |v| f(v, vs)) })
}

/// The mask function of a compare op code: 0 eq, 1 ne, 2 lt, 3 le, 4 gt, 5 ge.
#[inline(always)]
fn cmp_fn(dtype: u32, op: u32) -> impl Fn(v128, v128) -> v128 {
    move |a, b| match (dtype, op) {
        (0, 0) => f32x4_eq(a, b),
        (0, 1) => f32x4_ne(a, b),
        (0, 2) => f32x4_lt(a, b),
        (0, 3) => f32x4_le(a, b),
        (0, 4) => f32x4_gt(a, b),
        (0, _) => f32x4_ge(a, b),
        (_, 0) => i32x4_eq(a, b),
        (_, 1) => i32x4_ne(a, b),
        (_, 2) => i32x4_lt(a, b),
        (_, 3) => i32x4_le(a, b),
        (_, 4) => i32x4_gt(a, b),
        (_, _) => i32x4_ge(a, b),
    }
}

/// Packs four 32-bit masks into four 0/1 bytes.
#[inline(always)]
fn mask_bytes(m: v128) -> u32 {
    let m = v128_and(m, i32x4_splat(1));
    let m16 = i16x8_narrow_i32x4(m, m);
    i32x4_extract_lane::<0>(u8x16_narrow_i16x8(m16, m16)) as u32
}

/// One output row of a compare.
#[inline(always)]
unsafe fn cmp_row(a: *const u32, b: *const u32, out: *mut u8, n: usize, sa: isize, sb: isize, f: &impl Fn(v128, v128) -> v128) {
    let mut i = 0;
    if sa == 1 && sb == 1 {
        while i + 4 <= n {
            (out.add(i) as *mut u32).write_unaligned(mask_bytes(f(ld(a.add(i)), ld(b.add(i)))));
            i += 4;
        }
    } else if sa == 1 && sb == 0 {
        let vb = v128_load32_splat(b);
        while i + 4 <= n {
            (out.add(i) as *mut u32).write_unaligned(mask_bytes(f(ld(a.add(i)), vb)));
            i += 4;
        }
    }
    while i < n {
        let m = f(v128_load32_splat(a.offset(i as isize * sa)), v128_load32_splat(b.offset(i as isize * sb)));
        *out.add(i) = (mask_bytes(m) & 1) as u8;
        i += 1;
    }
}

/// Broadcast compare: `out` (bool bytes) = a op b over float32 (dtype 0) or int32 (1).
pub unsafe fn compare(dtype: u32, op: u32, a: *const u32, b: *const u32, out: *mut u8, rank: usize, shape: *const i32, sa: *const i32, sb: *const i32) {
    macro_rules! go {
        ($d:literal, $o:literal) => {{
            let f = cmp_fn($d, $o);
            for_rows(rank, shape, [sa, sb], [0, 0], |r, off, len, ist| {
                cmp_row(a.offset(off[0]), b.offset(off[1]), out.add(r * len), len, ist[0], ist[1], &f)
            })
        }};
    }
    match (dtype, op) {
        (0, 0) => go!(0, 0),
        (0, 1) => go!(0, 1),
        (0, 2) => go!(0, 2),
        (0, 3) => go!(0, 3),
        (0, 4) => go!(0, 4),
        (0, _) => go!(0, 5),
        (_, 0) => go!(1, 0),
        (_, 1) => go!(1, 1),
        (_, 2) => go!(1, 2),
        (_, 3) => go!(1, 3),
        (_, 4) => go!(1, 4),
        (_, _) => go!(1, 5),
    }
}

/// Broadcast compare of bool bytes (0/1).
pub unsafe fn compare_u8(op: u32, a: *const u8, b: *const u8, out: *mut u8, rank: usize, shape: *const i32, sa: *const i32, sb: *const i32) {
    let f = |x: u8, y: u8| match op {
        0 => x == y,
        1 => x != y,
        2 => x < y,
        3 => x <= y,
        4 => x > y,
        _ => x >= y,
    };
    for_rows(rank, shape, [sa, sb], [0, 0], |r, off, len, ist| {
        let (a, b, o) = (a.offset(off[0]), b.offset(off[1]), out.add(r * len));
        for i in 0..len as isize {
            *o.offset(i) = f(*a.offset(i * ist[0]), *b.offset(i * ist[1])) as u8;
        }
    })
}

/// Broadcast select over elements of type T: `out = cond ? a : b`.
pub unsafe fn where_<T: Copy>(cond: *const u8, a: *const T, b: *const T, out: *mut T, rank: usize, shape: *const i32, sc: *const i32, sa: *const i32, sb: *const i32) {
    for_rows(rank, shape, [sc, sa, sb], [0, 0, 0], |r, off, len, ist| {
        let (c, a, b, o) = (cond.offset(off[0]), a.offset(off[1]), b.offset(off[2]), out.add(r * len));
        if ist == [1, 1, 1] {
            for i in 0..len {
                *o.add(i) = if *c.add(i) != 0 { *a.add(i) } else { *b.add(i) };
            }
        } else {
            for i in 0..len as isize {
                let pick = *c.offset(i * ist[0]) != 0;
                *o.offset(i) = if pick { *a.offset(i * ist[1]) } else { *b.offset(i * ist[2]) };
            }
        }
    })
}

/// Casts between dtypes (0 float32, 1 int32, 2 bool). float32 -> int32 truncates and saturates, NaN -> 0;
/// -> bool is `x != 0` (NaN is true). Same-dtype casts copy.
pub unsafe fn cast(from: u32, to: u32, x: *const u8, out: *mut u8, n: usize) {
    let (xf, xi, xb) = (x as *const f32, x as *const i32, x);
    let (of, oi, ob) = (out as *mut f32, out as *mut i32, out);
    match (from, to) {
        (0, 1) => map1(x as *const u32, out as *mut u32, n, |v| i32x4_trunc_sat_f32x4(v)),
        (1, 0) => map1(x as *const u32, out as *mut u32, n, |v| f32x4_convert_i32x4(v)),
        (0, 2) => (0..n).for_each(|i| *ob.add(i) = (*xf.add(i) != 0.0) as u8),
        (1, 2) => (0..n).for_each(|i| *ob.add(i) = (*xi.add(i) != 0) as u8),
        (2, 0) => (0..n).for_each(|i| *of.add(i) = (*xb.add(i) != 0) as u8 as f32),
        (2, 1) => (0..n).for_each(|i| *oi.add(i) = (*xb.add(i) != 0) as i32),
        (2, 2) => core::ptr::copy(x, out, n),
        _ => core::ptr::copy(x, out, n * 4),
    }
}
