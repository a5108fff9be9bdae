//! Transcendental functions on f64x2, used for every float32 transcendental: each f32 lane is promoted,
//! evaluated with ~1e-11 relative error in double, and rounded once, so results are within 1 ulp of the
//! correctly rounded f32 (almost always equal to it). Range reduction + polynomial; no libm.

use core::arch::wasm32::*;

const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-01;
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
const LN2: f64 = core::f64::consts::LN_2;
const LOG2E: f64 = core::f64::consts::LOG2_E;
const SQRT2: f64 = core::f64::consts::SQRT_2;
const PIO2_1: f64 = 1.570_796_326_734_125_614_17e+00;
const PIO2_2: f64 = 6.077_100_506_303_965_976_60e-11;
const PIO2_3: f64 = 2.022_266_248_711_166_455_80e-21;
const TWO_OVER_PI: f64 = core::f64::consts::FRAC_2_PI;

#[inline(always)]
fn c(x: f64) -> v128 {
    f64x2_splat(x)
}

/// Σ coeffs[i]·x^i, as E(x²) + x·O(x²): two independent Horner chains of half the depth.
#[inline(always)]
fn horner(x: v128, coeffs: &[f64]) -> v128 {
    let x2 = f64x2_mul(x, x);
    let chain = |start: usize| {
        let mut i = start + 2 * ((coeffs.len() - 1 - start) / 2);
        let mut acc = c(coeffs[i]);
        while i >= start + 2 {
            i -= 2;
            acc = f64x2_add(f64x2_mul(acc, x2), c(coeffs[i]));
        }
        acc
    };
    if coeffs.len() < 2 {
        return c(coeffs[0]);
    }
    f64x2_add(chain(0), f64x2_mul(x, chain(1)))
}

/// 1.5·2^52: adding it rounds a double to an integer held in the low mantissa bits.
const MAGIC: f64 = 6_755_399_441_055_744.0;

/// Copies the sign of `s` onto `x`.
#[inline(always)]
pub fn copysign(x: v128, s: v128) -> v128 {
    let sign = c(-0.0);
    v128_or(v128_andnot(x, sign), v128_and(s, sign))
}

// 1/n! for n = 0..=12.
const EXP_C: [f64; 13] = [
    1.0,
    1.0,
    0.5,
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
    1.0 / 5040.0,
    1.0 / 40320.0,
    1.0 / 362880.0,
    1.0 / 3628800.0,
    1.0 / 39916800.0,
    1.0 / 479001600.0,
];

/// e^x. NOTE: x is clamped to [-300, 300], which keeps 2^k representable and is far outside the f32
/// range either way (the f32 result is 0 or inf); NaN propagates through the clamp.
#[inline(always)]
pub fn exp(x: v128) -> v128 {
    let x = f64x2_min(f64x2_max(x, c(-300.0)), c(300.0));
    let t = f64x2_add(f64x2_mul(x, c(LOG2E)), c(MAGIC));
    let k = f64x2_sub(t, c(MAGIC));
    let r = f64x2_sub(f64x2_sub(x, f64x2_mul(k, c(LN2_HI))), f64x2_mul(k, c(LN2_LO)));
    // NOTE: the low mantissa bits of t + 1023 hold k + 1023; shifted into the exponent field they make 2^k.
    let scale = i64x2_shl(f64x2_add(t, c(1023.0)), 52);
    f64x2_mul(horner(r, &EXP_C[..11]), scale)
}

/// e^x - 1, accurate near 0 (Taylor series for |x| < 0.5, which also keeps -0).
#[inline(always)]
pub fn expm1(x: v128) -> v128 {
    let small = f64x2_mul(x, horner(x, &EXP_C[1..13]));
    let big = f64x2_sub(exp(x), c(1.0));
    v128_bitselect(small, big, f64x2_lt(f64x2_abs(x), c(0.5)))
}

/// Natural log; log(0) = -inf, log(x < 0) = NaN, log(inf) = inf.
#[inline(always)]
pub fn log(u: v128) -> v128 {
    let bits = u;
    let e64 = i64x2_sub(i64x2_shr(bits, 52), i64x2_splat(1023));
    let m = v128_or(v128_and(bits, i64x2_splat(0x000F_FFFF_FFFF_FFFF)), i64x2_splat(0x3FF0_0000_0000_0000));
    let e = f64x2_convert_low_i32x4(i32x4_shuffle::<0, 2, 0, 2>(e64, e64));
    let big = f64x2_gt(m, c(SQRT2));
    let m = v128_bitselect(f64x2_mul(m, c(0.5)), m, big);
    let e = v128_bitselect(f64x2_add(e, c(1.0)), e, big);
    let f = f64x2_sub(m, c(1.0));
    let s = f64x2_div(f, f64x2_add(f, c(2.0)));
    let z = f64x2_mul(s, s);
    let series = horner(
        z,
        &[1.0, 1.0 / 3.0, 1.0 / 5.0, 1.0 / 7.0, 1.0 / 9.0, 1.0 / 11.0, 1.0 / 13.0, 1.0 / 15.0, 1.0 / 17.0],
    );
    let r = f64x2_add(f64x2_mul(e, c(LN2)), f64x2_mul(f64x2_add(s, s), series));
    let r = v128_bitselect(c(f64::INFINITY), r, f64x2_eq(u, c(f64::INFINITY)));
    let r = v128_bitselect(c(f64::NEG_INFINITY), r, f64x2_eq(u, c(0.0)));
    // NOTE: `!(u >= 0)` catches negative inputs and NaN.
    v128_bitselect(r, c(f64::NAN), f64x2_ge(u, c(0.0)))
}

/// log(1 + x), accurate near 0: log(u) corrected by the rounding error of u = 1 + x.
#[inline(always)]
pub fn log1p(x: v128) -> v128 {
    let u = f64x2_add(c(1.0), x);
    let err = f64x2_sub(x, f64x2_sub(u, c(1.0)));
    let finite_nonzero = v128_and(f64x2_ne(u, c(0.0)), f64x2_lt(f64x2_abs(u), c(f64::INFINITY)));
    let corr = v128_and(f64x2_div(err, u), finite_nonzero);
    f64x2_add(log(u), corr)
}

const SIN_C: [f64; 7] = [
    1.0,
    -1.0 / 6.0,
    1.0 / 120.0,
    -1.0 / 5040.0,
    1.0 / 362880.0,
    -1.0 / 39916800.0,
    1.0 / 6227020800.0,
];
const COS_C: [f64; 8] = [
    1.0,
    -0.5,
    1.0 / 24.0,
    -1.0 / 720.0,
    1.0 / 40320.0,
    -1.0 / 3628800.0,
    1.0 / 479001600.0,
    -1.0 / 87178291200.0,
];

// The bits of 2/π after the binary point, behind one zero word (so a window may start before bit 1).
const TWO_OVER_PI_BITS: [u32; 13] = [
    0, 0xA2F9836E, 0x4E441529, 0xFC2757D1, 0xF534DDC0, 0xDB629599, 0x3C439041, 0xFE5163AB, 0xDEBBC561, 0xB7246E3A,
    0x424DD2E0, 0x06492EEA, 0x09D1921C,
];

/// Payne-Hanek reduction of a large finite |x| (an f32 value): returns (q, r) with x = q·π/2 + r, |r| <= π/4,
/// from 94 fraction bits of x·2/π computed exactly in integer arithmetic.
fn reduce_large(x: f64) -> (f64, f64) {
    let bits = (x.abs() as f32).to_bits();
    let m = ((bits & 0x7F_FFFF) | 0x80_0000) as u128;
    let e = ((bits >> 23) & 0xFF) as i32 - 150; // |x| = m·2^e
    // Bits of 2/π before index e - 1 contribute multiples of 4 (whole turns); take 96 bits from there.
    let pos = (e - 2 + 32) as usize; // 0-based bit index in the padded table
    let (w, sh) = (pos / 32, pos % 32);
    let mut win: u128 = 0;
    for i in 0..4 {
        win = (win << 32) | TWO_OVER_PI_BITS.get(w + i).copied().unwrap_or(0) as u128;
    }
    let win = (win << sh) >> 32; // 96 bits
    let p = m.wrapping_mul(win); // |x|·2/π mod 4, with 94 fraction bits
    let mut q = ((p >> 94) & 3) as f64;
    let mut frac = ((p >> 30) & 0xFFFF_FFFF_FFFF_FFFF) as u64 as f64 * (1.0 / 18_446_744_073_709_551_616.0);
    if frac >= 0.5 {
        frac -= 1.0;
        q += 1.0;
    }
    let r = frac * core::f64::consts::FRAC_PI_2;
    if x < 0.0 {
        (-q, -r)
    } else {
        (q, r)
    }
}

/// sin(x + quarter·π/2): quarter = 0 gives sin, 1 gives cos. NOTE: a three-part Cody-Waite reduction while
/// |x| < 1e6 (k·PIO2_1 stays exact); beyond, an exact Payne-Hanek reduction per lane (slow, rare).
#[inline(always)]
pub fn sin_quarter(x: v128, quarter: i32) -> v128 {
    let mut k = f64x2_nearest(f64x2_mul(x, c(TWO_OVER_PI)));
    let r = f64x2_sub(f64x2_sub(x, f64x2_mul(k, c(PIO2_1))), f64x2_mul(k, c(PIO2_2)));
    let mut r = f64x2_sub(r, f64x2_mul(k, c(PIO2_3)));
    let large = v128_and(f64x2_ge(f64x2_abs(x), c(1e6)), f64x2_lt(f64x2_abs(x), c(f64::INFINITY)));
    if v128_any_true(large) {
        let (q0, r0) = if i64x2_extract_lane::<0>(large) != 0 { reduce_large(f64x2_extract_lane::<0>(x)) } else { (f64x2_extract_lane::<0>(k), f64x2_extract_lane::<0>(r)) };
        let (q1, r1) = if i64x2_extract_lane::<1>(large) != 0 { reduce_large(f64x2_extract_lane::<1>(x)) } else { (f64x2_extract_lane::<1>(k), f64x2_extract_lane::<1>(r)) };
        k = f64x2(q0, q1);
        r = f64x2(r0, r1);
    }
    let z = f64x2_mul(r, r);
    let s = f64x2_mul(r, horner(z, &SIN_C));
    let co = horner(z, &COS_C);
    // NOTE: the low bits of k + MAGIC are k's two's-complement low bits (the quadrant), for |k| < 2^51.
    let q = i64x2_add(f64x2_add(k, c(MAGIC)), i64x2_splat(quarter as i64));
    let odd = i64x2_ne(v128_and(q, i64x2_splat(1)), i64x2_splat(0));
    let neg = i64x2_ne(v128_and(q, i64x2_splat(2)), i64x2_splat(0));
    let v = v128_bitselect(co, s, odd);
    v128_xor(v, v128_and(neg, c(-0.0)))
}

/// sin(x); keeps sin(-0) = -0.
#[inline(always)]
pub fn sin(x: v128) -> v128 {
    v128_bitselect(x, sin_quarter(x, 0), f64x2_eq(x, c(0.0)))
}

/// cos(x).
#[inline(always)]
pub fn cos(x: v128) -> v128 {
    sin_quarter(x, 1)
}

/// tanh(x) = expm1(2|x|) / (expm1(2|x|) + 2) with the sign of x; |x| is clamped to 20 (tanh = 1 in f32).
#[inline(always)]
pub fn tanh(x: v128) -> v128 {
    let a = f64x2_min(f64x2_abs(x), c(20.0));
    let t = expm1(f64x2_add(a, a));
    copysign(f64x2_div(t, f64x2_add(t, c(2.0))), x)
}

/// 1 / (1 + e^-x).
#[inline(always)]
pub fn sigmoid(x: v128) -> v128 {
    f64x2_div(c(1.0), f64x2_add(c(1.0), exp(f64x2_neg(x))))
}

// erf(x)/x = 2/sqrt(pi) · Σ (-1)^n x^2n / (n! (2n+1)), n = 0..=14.
const ERF_SMALL: [f64; 15] = {
    let mut out = [0.0; 15];
    let mut n = 0;
    let mut fact = 1.0;
    while n < 15 {
        if n > 0 {
            fact *= n as f64;
        }
        let sign = if n % 2 == 0 { 1.0 } else { -1.0 };
        out[n] = sign * core::f64::consts::FRAC_2_SQRT_PI / (fact * (2 * n + 1) as f64);
        n += 1;
    }
    out
};

// Chebyshev coefficients of g(a) = erfc(a)·e^(a²) on [1, 6] (relative error 9e-12), fitted offline
// against the continued fraction of erfc; the first coefficient is already halved.
const ERFC_CHEB: [f64; 21] = [
    2.01965987912230804e-1,
    -1.47884835533987014e-1,
    5.18822215835138267e-2,
    -1.75257099648674745e-2,
    5.72180241747814299e-3,
    -1.81098030281422531e-3,
    5.57071435392662156e-4,
    -1.66894730525263442e-4,
    4.87856591149240723e-5,
    -1.39359328598176804e-5,
    3.89551459520701138e-6,
    -1.06683923364273708e-6,
    2.86550257146654663e-7,
    -7.55586108142775048e-8,
    1.95758633816933703e-8,
    -4.98711005651741868e-9,
    1.25018702508417068e-9,
    -3.08588428248046664e-10,
    7.50447629385697645e-11,
    -1.79901839952867348e-11,
    4.25354022837165502e-12,
];

/// erf(x): a Taylor series for |x| < 1, else 1 - e^(-x²)·g(|x|) with |x| clamped to 6 (erf = 1 in f32).
#[inline(always)]
pub fn erf(x: v128) -> v128 {
    let small = f64x2_mul(x, horner(f64x2_mul(x, x), &ERF_SMALL));
    let a = f64x2_min(f64x2_abs(x), c(6.0));
    let t = f64x2_mul(f64x2_sub(f64x2_add(a, a), c(7.0)), c(0.2));
    let t2 = f64x2_add(t, t);
    let (mut b1, mut b2) = (c(0.0), c(0.0));
    let mut k = ERFC_CHEB.len() - 1;
    while k >= 1 {
        let b0 = f64x2_add(f64x2_sub(f64x2_mul(t2, b1), b2), c(ERFC_CHEB[k]));
        b2 = b1;
        b1 = b0;
        k -= 1;
    }
    let g = f64x2_add(f64x2_sub(f64x2_mul(t, b1), b2), c(ERFC_CHEB[0]));
    let big = f64x2_sub(c(1.0), f64x2_mul(exp(f64x2_neg(f64x2_mul(a, a))), g));
    v128_bitselect(copysign(big, x), small, f64x2_ge(f64x2_abs(x), c(1.0)))
}

/// x^y with C's `pow` special cases (the contract's): y = 0 gives 1 (even for NaN x), x = 1 gives 1 (even for NaN
/// y), x = -1 with y = ±inf gives 1, a finite negative x with a non-integral y gives NaN, and a negative x with an
/// odd integral y is negative.
#[inline(always)]
pub fn pow(x: v128, y: v128) -> v128 {
    let ax = f64x2_abs(x);
    let r = exp(f64x2_mul(y, log(ax)));
    let y_int = f64x2_eq(f64x2_floor(y), y);
    let half = f64x2_mul(y, c(0.5));
    let y_odd = v128_andnot(y_int, f64x2_eq(f64x2_floor(half), half));
    let x_neg = f64x2_lt(copysign(c(1.0), x), c(0.0));
    let r = v128_bitselect(f64x2_neg(r), r, v128_and(x_neg, y_odd));
    let bad = v128_and(v128_and(f64x2_lt(x, c(0.0)), f64x2_lt(ax, c(f64::INFINITY))), v128_not(y_int));
    let r = v128_bitselect(c(f64::NAN), r, bad);
    let minus_one_inf = v128_and(f64x2_eq(x, c(-1.0)), f64x2_eq(f64x2_abs(y), c(f64::INFINITY)));
    let one = v128_or(v128_or(f64x2_eq(y, c(0.0)), f64x2_eq(x, c(1.0))), minus_one_inf);
    v128_bitselect(c(1.0), r, one)
}
