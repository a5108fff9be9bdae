//! Fused parameter projections used by constraints: clamp and renormSlices (max/min norm along an axis: a
//! float32 SIMD sum of squares decides the slices clearly inside the bounds, the others get their norm in
//! double, which cannot overflow for float32 input); the simplex and L1 ball are in simplex.rs. clamp
//! follows the reference step for step (bit-identical); renormSlices leaves slices inside the bounds bit for
//! bit and rescaled ones within 2 ulp of the reference.

use crate::simd::*;
use core::arch::wasm32::*;

/// `out = min(max(x, lo), hi)`; NaN stays NaN, -0 clamped at lo = 0 becomes +0. `out` may be `x`.
pub unsafe fn clamp(x: *const u32, out: *mut u32, n: usize, lo: f32, hi: f32) {
    let (vl, vh) = (f32x4_splat(lo), f32x4_splat(hi));
    map1(x, out, n, |v| f32x4_min(f32x4_max(v, vl), vh));
}

const NUDGE: f64 = 1.0 / 16_777_216.0;
const MAX_NUDGES: usize = 64;
/// The relative margin of the rescale factor at rate 1 (one float32 epsilon).
const MARGIN: f64 = 1.0 / 8_388_608.0;
/// Below this target norm the margin does not cover rounding (subnormal elements): the result is checked.
const MIN_TARGET: f64 = 1.0 / (1u64 << 60) as f64;
/// Columns per block of the vertical (inner > 1) renorm: 4 f32x4 accumulators.
const COLS: usize = 16;
/// Below this float32 sum of squares, products may have underflowed: the fast test does not decide.
const TINY_SQ: f32 = f32::from_bits((127 - 100) << 23); // 2^-100

/// The fast test of renormSlices: from a float32 sum of squares `sq` (any order, relative error below
/// `(size + 1)·2^-24`), whether the slice is certainly inside `[lo, hi]`, i.e. the exact double norm would be
/// judged inside too. The margins are twice that error, so the answer never differs from the exact path's.
/// Non-finite or underflow-small sums are left to the exact path (`false`).
struct InsideTest {
    lo2: f64,
    hi2: f64,
    lo_pos: bool,
}

impl InsideTest {
    fn new(size: usize, lo: f64, hi: f64) -> Self {
        let delta = (size as f64 + 4.0) * (1.0 / 8_388_608.0);
        InsideTest { lo2: lo * lo * (1.0 + delta), hi2: hi * hi * (1.0 - delta), lo_pos: lo > 0.0 }
    }
    #[inline(always)]
    fn inside(&self, sq: f32) -> bool {
        if !(sq >= TINY_SQ) || !sq.is_finite() {
            return false;
        }
        let sq = sq as f64;
        sq <= self.hi2 && (!self.lo_pos || sq >= self.lo2)
    }
}

/// Sum of squares of a contiguous float32 row in float32, 16 SIMD lanes.
#[inline(always)]
unsafe fn row_sumsq(x: *const f32, n: usize) -> f32 {
    let z = f32x4_splat(0.0);
    let (mut a0, mut a1, mut a2, mut a3) = (z, z, z, z);
    let sq = |v: v128| f32x4_mul(v, v);
    let mut s = 0;
    while s + 16 <= n {
        a0 = f32x4_add(a0, sq(ld(x.add(s))));
        a1 = f32x4_add(a1, sq(ld(x.add(s + 4))));
        a2 = f32x4_add(a2, sq(ld(x.add(s + 8))));
        a3 = f32x4_add(a3, sq(ld(x.add(s + 12))));
        s += 16;
    }
    while s + 4 <= n {
        a0 = f32x4_add(a0, sq(ld(x.add(s))));
        s += 4;
    }
    if s < n {
        a1 = f32x4_add(a1, sq(ld_partial(x.add(s) as *const u32, n - s, 0)));
    }
    let v = f32x4_add(f32x4_add(a0, a1), f32x4_add(a2, a3));
    let v = f32x4_add(v, i32x4_shuffle::<2, 3, 0, 1>(v, v));
    let v = f32x4_add(v, i32x4_shuffle::<1, 0, 3, 2>(v, v));
    f32x4_extract_lane::<0>(v)
}

/// The exact path of one slice: the norm in double and the scale factor, 1 when the slice stays unchanged.
/// `sumsq(f)` is the slice's `Σ (f32(x·f))²` in double (`f = 1`: its plain sum of squares).
fn exact_factor(sumsq: impl Fn(f64) -> f64, lo: f64, hi: f64, rate: f64) -> f64 {
    let nrm = sumsq(1.0).sqrt();
    if !(nrm > hi || (nrm < lo && nrm > 0.0)) {
        return 1.0;
    }
    let shrinking = nrm > hi;
    let bound = if shrinking { hi } else { lo };
    let target = if rate == 1.0 { bound } else { rate * bound + (1.0 - rate) * nrm };
    let mut factor = target / nrm;
    if rate == 1.0 && factor != 1.0 {
        // NOTE: at rate 1 rounding the scaled elements must not leave the norm a hair past the bound. Rounding
        // moves each element by at most 2^-24 of itself and the double norm is within size·2^-53 (far below
        // 2^-24) of the exact one, so shrinking (growing) the factor by 2^-23 keeps the rounded norm inside.
        if target >= MIN_TARGET {
            return factor * if shrinking { 1.0 - MARGIN } else { 1.0 + MARGIN };
        }
        // Near the subnormal range rounding is absolute: check the rounded norm, nudge half an ulp at a time.
        for _ in 0..MAX_NUDGES {
            let now = sumsq(factor).sqrt();
            if if shrinking { !(now > target) } else { !(now < target) } {
                break;
            }
            factor *= if shrinking { 1.0 - NUDGE } else { 1.0 + NUDGE };
        }
    }
    factor
}

/// `Σ (f32(x[s·stride]·f))²` in double, sequential (the reference's order).
unsafe fn sumsq_strided(x: *const f32, size: usize, stride: usize, f: f64) -> f64 {
    let mut sq = 0f64;
    for s in 0..size {
        let y = if f == 1.0 { *x.add(s * stride) as f64 } else { (*x.add(s * stride) as f64 * f) as f32 as f64 };
        sq += y * y;
    }
    sq
}

/// `Σ (f32(x[s]·f))²` in double over a contiguous row, in 8 SIMD lanes (squares of float32 are exact in
/// double, so only the additions round: relative error below `size·2^-53`).
unsafe fn sumsq_row(x: *const f32, n: usize, f: f64) -> f64 {
    let fv = f64x2_splat(f);
    let z = f64x2_splat(0.0);
    let mut acc = [z; 4];
    let mut s = 0;
    let mut add = |j: usize, v: v128| {
        let v = if f == 1.0 {
            v
        } else {
            let (lo, hi) = promote(v);
            demote(f64x2_mul(lo, fv), f64x2_mul(hi, fv))
        };
        let (lo, hi) = promote(v);
        acc[j] = f64x2_add(acc[j], f64x2_mul(lo, lo));
        acc[j + 1] = f64x2_add(acc[j + 1], f64x2_mul(hi, hi));
    };
    while s + 8 <= n {
        add(0, ld(x.add(s)));
        add(2, ld(x.add(s + 4)));
        s += 8;
    }
    if s + 4 <= n {
        add(0, ld(x.add(s)));
        s += 4;
    }
    if s < n {
        add(2, ld_partial(x.add(s) as *const u32, n - s, 0));
    }
    let t = f64x2_add(f64x2_add(acc[0], acc[1]), f64x2_add(acc[2], acc[3]));
    f64x2_extract_lane::<0>(t) + f64x2_extract_lane::<1>(t)
}

/// `dst[i] = (src[i] as f64 · factor) as f32` over a contiguous row (double lanes, rounded once).
unsafe fn scale_row(src: *const f32, dst: *mut f32, n: usize, factor: f64) {
    let fv = f64x2_splat(factor);
    map1(src as *const u32, dst as *mut u32, n, |v| {
        let (lo, hi) = promote(v);
        demote(f64x2_mul(lo, fv), f64x2_mul(hi, fv))
    });
}

/// Rescales each `(o, i)` slice along the middle axis whose L2 norm lies outside `[lo, hi]` (see
/// RenormSlicesArgs); other slices are left (in place) or copied bit for bit. `out` may be `x`.
///
/// Each slice's sum of squares is first computed in float32 SIMD; when it shows the slice clearly inside the
/// bounds (`InsideTest`), nothing else is done. Otherwise (outside, within rounding of a bound, non-finite or
/// underflow-small) the norm is recomputed in double (a double sum of float32 squares cannot overflow or
/// lose a subnormal; contiguous rows sum in 8 double lanes), and the slice is scaled in one pass, at rate 1
/// by a factor with a 2^-23 margin so that the rounded result keeps the bound: rescaled elements are within
/// 2 ulp of the reference (which scales by exactly bound/norm), far inside `(size + 8)·2^-23`.
#[allow(clippy::too_many_arguments)]
pub unsafe fn renorm_slices(x: *const f32, out: *mut f32, outer: usize, size: usize, inner: usize, lo: f64, hi: f64, rate: f64) {
    let in_place = x == out as *const f32;
    let test = InsideTest::new(size, lo, hi);
    for o in 0..outer {
        let (xs, os) = (x.add(o * size * inner), out.add(o * size * inner));
        if inner == 1 {
            let factor = if test.inside(row_sumsq(xs, size)) { 1.0 } else { exact_factor(|f| sumsq_row(xs, size, f), lo, hi, rate) };
            if factor != 1.0 {
                scale_row(xs, os, size, factor);
            } else if !in_place {
                // NOTE: unchanged slices are copied bit for bit, not multiplied by 1.
                core::ptr::copy_nonoverlapping(xs, os, size);
            }
            continue;
        }
        let mut i0 = 0;
        while i0 < inner {
            let w = COLS.min(inner - i0);
            let mut sq = [0f32; COLS];
            if w == COLS {
                let z = f32x4_splat(0.0);
                let mut acc = [z; COLS / 4];
                for s in 0..size {
                    let row = xs.add(s * inner + i0);
                    for (j, a) in acc.iter_mut().enumerate() {
                        let v = ld(row.add(4 * j));
                        *a = f32x4_add(*a, f32x4_mul(v, v));
                    }
                }
                for (j, a) in acc.iter().enumerate() {
                    st(sq.as_mut_ptr().add(4 * j), *a);
                }
            } else {
                for s in 0..size {
                    let row = xs.add(s * inner + i0);
                    for (j, a) in sq.iter_mut().enumerate().take(w) {
                        let v = *row.add(j);
                        *a += v * v;
                    }
                }
            }
            let mut factor = [1f64; COLS];
            let mut touched = !in_place;
            for j in 0..w {
                if !test.inside(sq[j]) {
                    factor[j] = exact_factor(|f| sumsq_strided(xs.add(i0 + j), size, inner, f), lo, hi, rate);
                    touched |= factor[j] != 1.0;
                }
            }
            if touched {
                for s in 0..size {
                    let (src, dst) = (xs.add(s * inner + i0), os.add(s * inner + i0));
                    for (j, f) in factor.iter().enumerate().take(w) {
                        let v = *src.add(j);
                        // NOTE: unchanged slices are copied bit for bit, not multiplied by 1.
                        *dst.add(j) = if *f == 1.0 { v } else { (v as f64 * *f) as f32 };
                    }
                }
            }
            i0 += COLS;
        }
    }
}
