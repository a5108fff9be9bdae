//! Elementwise kernels: unary, binary (broadcast), binary with a scalar, compare, where and cast.
//! Each op is one `v128 -> v128` lane function; the contiguous and scalar-broadcast rows run it 4 lanes at a
//! time, strided rows run the same function on splatted lanes, so every path gives the same bits.

use super::nd::for_rows;
use crate::math;
use crate::ops::{BinaryOp, CompareOp, UnaryOp};
use crate::simd::*;
use core::arch::wasm32::*;

/// Applies a unary float32 op by code (crate/src/ops.rs; an unknown code traps).
pub unsafe fn unary_f32(op: u32, x: *const u32, out: *mut u32, n: usize) {
    match UnaryOp::from_u32(op) {
        UnaryOp::Neg => map1(x, out, n, |v| f32x4_neg(v)),
        UnaryOp::Abs => map1(x, out, n, |v| f32x4_abs(v)),
        UnaryOp::Sign => map1(x, out, n, sign_f32),
        UnaryOp::Exp => map1(x, out, n, |v| via_f64(v, math::exp)),
        UnaryOp::Expm1 => map1(x, out, n, |v| via_f64(v, math::expm1)),
        UnaryOp::Log => map1(x, out, n, |v| via_f64(v, math::log)),
        UnaryOp::Log1p => map1(x, out, n, |v| via_f64(v, math::log1p)),
        UnaryOp::Sqrt => map1(x, out, n, |v| f32x4_sqrt(v)),
        UnaryOp::Rsqrt => map1(x, out, n, |v| via_f64(v, |d| f64x2_div(f64x2_splat(1.0), f64x2_sqrt(d)))),
        UnaryOp::Recip => map1(x, out, n, |v| f32x4_div(f32x4_splat(1.0), v)),
        UnaryOp::Sin => map1(x, out, n, |v| via_f64(v, math::sin)),
        UnaryOp::Cos => map1(x, out, n, |v| via_f64(v, math::cos)),
        UnaryOp::Tanh => map1(x, out, n, |v| via_f64(v, math::tanh)),
        UnaryOp::Sigmoid => map1(x, out, n, |v| via_f64(v, math::sigmoid)),
        UnaryOp::Relu => map1(x, out, n, |v| f32x4_max(v, f32x4_splat(0.0))),
        UnaryOp::Erf => map1(x, out, n, |v| via_f64(v, math::erf)),
        UnaryOp::Floor => map1(x, out, n, |v| f32x4_floor(v)),
        UnaryOp::Tan => map1(x, out, n, |v| lanes1(v, f64::tan)),
        UnaryOp::Atan => map1(x, out, n, |v| lanes1(v, f64::atan)),
        UnaryOp::Asin => map1(x, out, n, |v| lanes1(v, f64::asin)),
        UnaryOp::Acos => map1(x, out, n, |v| lanes1(v, f64::acos)),
    }
}

/// Applies a scalar f64 function to each f32 lane, rounding once. NOTE: for the inverse trigonometric
/// functions and tan this uses std's (libm's) scalar double routines rather than a SIMD polynomial: they
/// are within 1 double ulp, so the f32 result is within 1 ulp of the correctly rounded one.
#[inline(always)]
fn lanes1(v: v128, f: fn(f64) -> f64) -> v128 {
    let g = |x: f32| f(x as f64) as f32;
    f32x4(
        g(f32x4_extract_lane::<0>(v)),
        g(f32x4_extract_lane::<1>(v)),
        g(f32x4_extract_lane::<2>(v)),
        g(f32x4_extract_lane::<3>(v)),
    )
}

/// Applies a scalar f64 function of two arguments to each pair of f32 lanes, rounding once.
#[inline(always)]
fn lanes2(a: v128, b: v128, f: fn(f64, f64) -> f64) -> v128 {
    let g = |x: f32, y: f32| f(x as f64, y as f64) as f32;
    f32x4(
        g(f32x4_extract_lane::<0>(a), f32x4_extract_lane::<0>(b)),
        g(f32x4_extract_lane::<1>(a), f32x4_extract_lane::<1>(b)),
        g(f32x4_extract_lane::<2>(a), f32x4_extract_lane::<2>(b)),
        g(f32x4_extract_lane::<3>(a), f32x4_extract_lane::<3>(b)),
    )
}

/// C's fmod; exact in any precision, so the double result is the float32 one.
#[inline(always)]
fn fmod(a: f64, b: f64) -> f64 {
    a % b
}

/// Python's `%` as PyTorch computes it: fmod, moved by `b` when the signs differ (a zero result is kept).
#[inline(always)]
fn remainder(a: f64, b: f64) -> f64 {
    let r = a % b;
    if r != 0.0 && (r < 0.0) != (b < 0.0) { r + b } else { r }
}

/// `log(e^a + e^b)` as `max + log1p(e^-|a - b|)`; NOTE: equal infinities give themselves (a - b is NaN).
#[inline(always)]
fn logaddexp(a: f64, b: f64) -> f64 {
    if a == b && a.is_infinite() {
        return a;
    }
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    a.max(b) + (-(a - b).abs()).exp().ln_1p()
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

/// Applies a unary int32 op by code (wrapping); core sends only neg, abs and sign, anything else traps.
pub unsafe fn unary_i32(op: u32, x: *const u32, out: *mut u32, n: usize) {
    match UnaryOp::from_u32(op) {
        UnaryOp::Neg => map1(x, out, n, |v| i32x4_neg(v)),
        UnaryOp::Abs => map1(x, out, n, |v| i32x4_abs(v)),
        UnaryOp::Sign => map1(x, out, n, |v| {
            let z = i32x4_splat(0);
            i32x4_sub(i32x4_lt(v, z), i32x4_gt(v, z))
        }),
        UnaryOp::Exp
        | UnaryOp::Expm1
        | UnaryOp::Log
        | UnaryOp::Log1p
        | UnaryOp::Sqrt
        | UnaryOp::Rsqrt
        | UnaryOp::Recip
        | UnaryOp::Sin
        | UnaryOp::Cos
        | UnaryOp::Tanh
        | UnaryOp::Sigmoid
        | UnaryOp::Relu
        | UnaryOp::Erf
        | UnaryOp::Floor
        | UnaryOp::Tan
        | UnaryOp::Atan
        | UnaryOp::Asin
        | UnaryOp::Acos => core::arch::wasm32::unreachable(),
    }
}

/// The lane function of a binary float32 op.
#[inline(always)]
fn bin_f32(op: BinaryOp) -> impl Fn(v128, v128) -> v128 {
    move |a, b| match op {
        BinaryOp::Add => f32x4_add(a, b),
        BinaryOp::Sub => f32x4_sub(a, b),
        BinaryOp::Mul => f32x4_mul(a, b),
        BinaryOp::Div => f32x4_div(a, b),
        BinaryOp::Pow => via_f64_2(a, b, math::pow),
        BinaryOp::Max => f32x4_max(a, b),
        BinaryOp::Min => f32x4_min(a, b),
        BinaryOp::Atan2 => lanes2(a, b, f64::atan2),
        BinaryOp::Fmod => lanes2(a, b, fmod),
        BinaryOp::Remainder => lanes2(a, b, remainder),
        BinaryOp::Logaddexp => lanes2(a, b, logaddexp),
    }
}

/// The lane function of a binary int32 op (wrapping); core sends only add, sub, mul, max, min.
#[inline(always)]
fn bin_i32(op: BinaryOp) -> impl Fn(v128, v128) -> v128 {
    move |a, b| match op {
        BinaryOp::Add => i32x4_add(a, b),
        BinaryOp::Sub => i32x4_sub(a, b),
        BinaryOp::Mul => i32x4_mul(a, b),
        BinaryOp::Max => i32x4_max(a, b),
        BinaryOp::Min => i32x4_min(a, b),
        BinaryOp::Div
        | BinaryOp::Pow
        | BinaryOp::Atan2
        | BinaryOp::Fmod
        | BinaryOp::Remainder
        | BinaryOp::Logaddexp => core::arch::wasm32::unreachable(),
    }
}

/// Runs `body` with the lane function of (dtype, op), monomorphized per op so the match leaves the loop.
/// Every `BinaryOp` is listed: a new op fails to compile here until it has a lane function.
macro_rules! with_op {
    ($dtype:expr, $op:expr, $f:ident => $body:expr) => {{
        macro_rules! arm {
            ($lane:ident, $o:expr) => {{ let $f = $lane($o); $body }};
        }
        let op = BinaryOp::from_u32($op);
        if $dtype == 0 {
            match op {
                BinaryOp::Add => arm!(bin_f32, BinaryOp::Add),
                BinaryOp::Sub => arm!(bin_f32, BinaryOp::Sub),
                BinaryOp::Mul => arm!(bin_f32, BinaryOp::Mul),
                BinaryOp::Div => arm!(bin_f32, BinaryOp::Div),
                BinaryOp::Pow => arm!(bin_f32, BinaryOp::Pow),
                BinaryOp::Max => arm!(bin_f32, BinaryOp::Max),
                BinaryOp::Min => arm!(bin_f32, BinaryOp::Min),
                BinaryOp::Atan2 => arm!(bin_f32, BinaryOp::Atan2),
                BinaryOp::Fmod => arm!(bin_f32, BinaryOp::Fmod),
                BinaryOp::Remainder => arm!(bin_f32, BinaryOp::Remainder),
                BinaryOp::Logaddexp => arm!(bin_f32, BinaryOp::Logaddexp),
            }
        } else {
            match op {
                BinaryOp::Add => arm!(bin_i32, BinaryOp::Add),
                BinaryOp::Sub => arm!(bin_i32, BinaryOp::Sub),
                BinaryOp::Mul => arm!(bin_i32, BinaryOp::Mul),
                BinaryOp::Max => arm!(bin_i32, BinaryOp::Max),
                BinaryOp::Min => arm!(bin_i32, BinaryOp::Min),
                BinaryOp::Div
                | BinaryOp::Pow
                | BinaryOp::Atan2
                | BinaryOp::Fmod
                | BinaryOp::Remainder
                | BinaryOp::Logaddexp => core::arch::wasm32::unreachable(),
            }
        }
    }};
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

/// The mask function of a compare op over float32 (dtype 0) or int32 lanes.
#[inline(always)]
fn cmp_fn(dtype: u32, op: CompareOp) -> impl Fn(v128, v128) -> v128 {
    move |a, b| match (dtype == 0, op) {
        (true, CompareOp::Eq) => f32x4_eq(a, b),
        (true, CompareOp::Ne) => f32x4_ne(a, b),
        (true, CompareOp::Lt) => f32x4_lt(a, b),
        (true, CompareOp::Le) => f32x4_le(a, b),
        (true, CompareOp::Gt) => f32x4_gt(a, b),
        (true, CompareOp::Ge) => f32x4_ge(a, b),
        (false, CompareOp::Eq) => i32x4_eq(a, b),
        (false, CompareOp::Ne) => i32x4_ne(a, b),
        (false, CompareOp::Lt) => i32x4_lt(a, b),
        (false, CompareOp::Le) => i32x4_le(a, b),
        (false, CompareOp::Gt) => i32x4_gt(a, b),
        (false, CompareOp::Ge) => i32x4_ge(a, b),
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
        ($d:literal, $o:expr) => {{
            let f = cmp_fn($d, $o);
            for_rows(rank, shape, [sa, sb], [0, 0], |r, off, len, ist| {
                cmp_row(a.offset(off[0]), b.offset(off[1]), out.add(r * len), len, ist[0], ist[1], &f)
            })
        }};
    }
    let op = CompareOp::from_u32(op);
    match (dtype == 0, op) {
        (true, CompareOp::Eq) => go!(0, CompareOp::Eq),
        (true, CompareOp::Ne) => go!(0, CompareOp::Ne),
        (true, CompareOp::Lt) => go!(0, CompareOp::Lt),
        (true, CompareOp::Le) => go!(0, CompareOp::Le),
        (true, CompareOp::Gt) => go!(0, CompareOp::Gt),
        (true, CompareOp::Ge) => go!(0, CompareOp::Ge),
        (false, CompareOp::Eq) => go!(1, CompareOp::Eq),
        (false, CompareOp::Ne) => go!(1, CompareOp::Ne),
        (false, CompareOp::Lt) => go!(1, CompareOp::Lt),
        (false, CompareOp::Le) => go!(1, CompareOp::Le),
        (false, CompareOp::Gt) => go!(1, CompareOp::Gt),
        (false, CompareOp::Ge) => go!(1, CompareOp::Ge),
    }
}

/// Broadcast compare of bool bytes (0/1).
pub unsafe fn compare_u8(op: u32, a: *const u8, b: *const u8, out: *mut u8, rank: usize, shape: *const i32, sa: *const i32, sb: *const i32) {
    let op = CompareOp::from_u32(op);
    let f = |x: u8, y: u8| match op {
        CompareOp::Eq => x == y,
        CompareOp::Ne => x != y,
        CompareOp::Lt => x < y,
        CompareOp::Le => x <= y,
        CompareOp::Gt => x > y,
        CompareOp::Ge => x >= y,
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

/// relu's gradient: `out = x > 0 ? grad : +0` (NaN x gives 0), as a mask of the comparison over grad's bits.
/// `out` may be `grad`.
pub unsafe fn relu_backward(x: *const u32, grad: *const u32, out: *mut u32, n: usize) {
    let z = f32x4_splat(0.0);
    let lane = |xv: v128, gv: v128| v128_and(gv, f32x4_gt(xv, z));
    let mut i = 0;
    while i + 4 <= n {
        st(out.add(i), lane(ld(x.add(i)), ld(grad.add(i))));
        i += 4;
    }
    if i < n {
        st_partial(out.add(i), n - i, lane(ld_partial(x.add(i), n - i, 0), ld_partial(grad.add(i), n - i, 0)));
    }
}
