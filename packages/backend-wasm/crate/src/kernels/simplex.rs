//! The simplex and L1-ball projections of rows, in linear time: one pass finds the max (and any NaN), then
//! Michelot's fixed point `τ ← (Σ_{u > τ} u − radius) / |{u > τ}|` from the lower bound `τ = −radius`, each pass
//! compacting the candidates and summing them in four lanes by position (two f64x2 accumulators, combined as
//! `(s0 + s2) + (s1 + s3)`, as backend-js and core's host fallback do), without a branch or a division in its
//! loop (about 3n element visits on typical rows); after `MICHELOT_PASSES` passes, Condat's algorithm (Condat 2016, "Fast projection
//! onto the simplex and the l1 ball", expected linear time) settles the remaining candidates. The threshold is
//! computed from the final active set's double sum, so it is the sort-based one's up to double rounding.
//! Everything runs in double on `x - max(x)` (the largest entry exactly 0, so a radius far below max|x|
//! keeps its sum); results are rounded to float32 once. `out` may be `x`.

use crate::simd::*;
use core::arch::wasm32::*;

/// The largest element of a float32 row (NaN when any element is NaN), in f32x4 lanes (max is exact).
unsafe fn row_max(x: *const f32, n: usize, abs: bool) -> f32 {
    let f = |v: v128| if abs { f32x4_abs(v) } else { v };
    let mut acc = f32x4_splat(f32::NEG_INFINITY);
    let mut s = 0;
    while s + 4 <= n {
        acc = f32x4_max(acc, f(ld(x.add(s))));
        s += 4;
    }
    if s < n {
        // NOTE: the padding must not win the max: -inf, or 0 for magnitudes (|-inf| would be +inf).
        let pad = if abs { 0 } else { f32::NEG_INFINITY.to_bits() };
        acc = f32x4_max(acc, f(ld_partial(x.add(s) as *const u32, n - s, pad)));
    }
    let acc = f32x4_max(acc, i32x4_shuffle::<2, 3, 0, 1>(acc, acc));
    let acc = f32x4_max(acc, i32x4_shuffle::<1, 0, 3, 2>(acc, acc));
    f32x4_extract_lane::<0>(acc)
}

/// The threshold θ of the projection `max(u - θ, 0)` of `aux[0..n)` onto `{y >= 0, Σ y = radius}`, by
/// Condat's algorithm, in place (`aux` is overwritten: an element is read before any write reaches its index).
/// The largest entry must be 0 (its max subtracted).
unsafe fn condat_threshold(aux: *mut f64, n: usize, radius: f64) -> f64 {
    // NOTE: aux[..old] holds the candidates the first pass set aside, aux[old..len] the current active list
    // (Condat's v-tilde and v, sharing one buffer). The list starts empty at threshold -inf.
    let mut len = 0usize;
    let mut old = 0usize;
    let mut tau = f64::NEG_INFINITY;
    for j in 0..n {
        let y = *aux.add(j);
        if y > tau {
            *aux.add(len) = y;
            if len == old {
                tau = y - radius;
            } else {
                tau += (y - tau) / (len - old + 1) as f64;
                if tau <= y - radius {
                    tau = y - radius;
                    old = len;
                }
            }
            len += 1;
        }
    }
    // The set-aside candidates above the threshold rejoin the active list (placed just before it).
    let mut start = old;
    for j in (0..old).rev() {
        let y = *aux.add(j);
        if y > tau {
            start -= 1;
            *aux.add(start) = y;
            tau += (y - tau) / (len - start) as f64;
        }
    }
    // Drop the elements at or below the threshold until none is.
    loop {
        let before = len - start;
        let mut kept = 0usize;
        for i in 0..before {
            let y = *aux.add(start + i);
            let rest = before - i - 1 + kept;
            // NOTE: the largest entry (0) is above every threshold of a positive radius; the guard only keeps
            // rounding from ever emptying the list.
            if y > tau || rest == 0 {
                *aux.add(start + kept) = y;
                kept += 1;
            } else {
                tau += (tau - y) / rest as f64;
            }
        }
        len = start + kept;
        if kept == before {
            break;
        }
    }
    // NOTE: the threshold of the final active set, from its sum, as the sort-based algorithm computes it.
    let mut sum = 0f64;
    for i in start..len {
        sum += *aux.add(i);
    }
    (sum - radius) / (len - start) as f64
}

/// Michelot passes before Condat's algorithm takes over (the fixed point needs a handful on typical rows; a
/// pathological row could need one per element).
const MICHELOT_PASSES: usize = 4;

/// Four partial sums by position mod 4 (lanes 0, 1 in `a`, 2, 3 in `b`), combined as `(s0 + s2) + (s1 + s3)`,
/// as backend-js and core's host fallback compute them (bit for bit).
#[derive(Clone, Copy)]
struct Lanes {
    a: v128,
    b: v128,
}

impl Lanes {
    fn zero() -> Self {
        Lanes { a: f64x2_splat(0.0), b: f64x2_splat(0.0) }
    }
    fn total(self) -> f64 {
        let t = f64x2_add(self.a, self.b);
        f64x2_extract_lane::<0>(t) + f64x2_extract_lane::<1>(t)
    }
    /// Lane `j & 3` plus `y` (the scalar tail), as a scalar add.
    fn add_at(&mut self, j: usize, y: f64) {
        let v = if j & 2 == 0 { &mut self.a } else { &mut self.b };
        *v = if j & 1 == 0 {
            f64x2_replace_lane::<0>(*v, f64x2_extract_lane::<0>(*v) + y)
        } else {
            f64x2_replace_lane::<1>(*v, f64x2_extract_lane::<1>(*v) + y)
        };
    }
}

/// Appends the kept values among four (`y0`, `y1` and `y2`, `y3`, kept where `k0`, `k1` are all ones) at
/// `aux[len..]`, in order, writing each before deciding to keep it (as the scalar loop does); returns the new length.
#[inline(always)]
unsafe fn compact4(aux: *mut f64, mut len: usize, y0: v128, y1: v128, k0: v128, k1: v128) -> usize {
    let m = (i64x2_bitmask(k0) as usize) | ((i64x2_bitmask(k1) as usize) << 2);
    let y = [f64x2_extract_lane::<0>(y0), f64x2_extract_lane::<1>(y0), f64x2_extract_lane::<0>(y1), f64x2_extract_lane::<1>(y1)];
    for (l, v) in y.iter().enumerate() {
        *aux.add(len) = *v;
        len += (m >> l) & 1;
    }
    len
}

/// The threshold θ of the projection `max(u − θ, 0)` of `u_j = value(j)`, j < n, onto `{y >= 0, Σ y = radius}`
/// (see the module comment). The largest `u` must be 0 (its max subtracted). `value4(j)` gives `u_j..u_j+3` as two
/// f64x2 halves. `aux` holds `n` doubles. The candidates' sums go into four lanes by position (`Lanes`), so
/// each pass is two f64x2 accumulators instead of one chain of dependent adds.
#[inline(always)]
unsafe fn threshold(value: impl Fn(usize) -> f64, value4: impl Fn(usize) -> (v128, v128), n: usize, radius: f64, aux: *mut f64) -> f64 {
    if radius <= 0.0 {
        return 0.0;
    }
    // NOTE: θ = max over k of (sum of the k largest − radius)/k, so −radius (k = 1, the max being 0) is a lower
    // bound, and every set {u > τ} with τ <= θ holds the whole active set.
    let tau = f64x2_splat(-radius);
    let mut len = 0usize;
    let mut sum = Lanes::zero();
    let mut j = 0;
    while j + 4 <= n {
        let (y0, y1) = value4(j);
        let (k0, k1) = (f64x2_gt(y0, tau), f64x2_gt(y1, tau));
        sum.a = f64x2_add(sum.a, v128_and(y0, k0));
        sum.b = f64x2_add(sum.b, v128_and(y1, k1));
        len = compact4(aux, len, y0, y1, k0, k1);
        j += 4;
    }
    while j < n {
        let y = value(j);
        let keep = y > -radius;
        *aux.add(len) = y;
        len += keep as usize;
        sum.add_at(j, if keep { y } else { 0.0 });
        j += 1;
    }
    let mut total = sum.total();
    for _ in 0..MICHELOT_PASSES {
        let t = (total - radius) / len as f64;
        let tv = f64x2_splat(t);
        let mut kept = 0usize;
        let mut next = Lanes::zero();
        let mut i = 0;
        while i + 4 <= len {
            // SAFETY: i + 4 <= len <= n doubles of aux; the group is read before kept <= i reaches it.
            let (y0, y1) = (v128_load(aux.add(i) as *const v128), v128_load(aux.add(i + 2) as *const v128));
            let (k0, k1) = (f64x2_gt(y0, tv), f64x2_gt(y1, tv));
            next.a = f64x2_add(next.a, v128_and(y0, k0));
            next.b = f64x2_add(next.b, v128_and(y1, k1));
            kept = compact4(aux, kept, y0, y1, k0, k1);
            i += 4;
        }
        while i < len {
            let y = *aux.add(i);
            let keep = y > t;
            *aux.add(kept) = y;
            kept += keep as usize;
            next.add_at(i, if keep { y } else { 0.0 });
            i += 1;
        }
        if kept == len {
            return t;
        }
        len = kept;
        total = next.total();
    }
    condat_threshold(aux, len, radius)
}

/// Projects each row of `[rows, cols]` onto `{y >= 0, Σ y = radius}` (see the module comment). A row
/// containing NaN (or with an infinite maximum) becomes all NaN. `scratch` holds `cols` doubles.
pub unsafe fn simplex_project(x: *const f32, out: *mut f32, rows: usize, cols: usize, radius: f64, scratch: *mut f64) {
    if cols == 0 {
        return;
    }
    let aux = scratch;
    for r in 0..rows {
        let (xr, or) = (x.add(r * cols), out.add(r * cols));
        let m = row_max(xr, cols, false) as f64;
        if !m.is_finite() {
            for j in 0..cols {
                *or.add(j) = f32::NAN;
            }
            continue;
        }
        let mv = f64x2_splat(m);
        let value4 = |j: usize| {
            let (a, b) = promote(ld(xr.add(j)));
            (f64x2_sub(a, mv), f64x2_sub(b, mv))
        };
        let theta = threshold(|j| *xr.add(j) as f64 - m, value4, cols, radius, aux);
        let shift = f64x2_splat(theta);
        let mut j = 0;
        while j + 4 <= cols {
            let (a, b) = value4(j);
            let (a, b) = (f64x2_sub(a, shift), f64x2_sub(b, shift));
            let zero = f64x2_splat(0.0);
            st(or.add(j), demote(v128_and(a, f64x2_gt(a, zero)), v128_and(b, f64x2_gt(b, zero))));
            j += 4;
        }
        while j < cols {
            let y = *xr.add(j) as f64 - m - theta;
            *or.add(j) = (if y > 0.0 { y } else { 0.0 }) as f32;
            j += 1;
        }
    }
}

/// Sum of |x| over a float32 row in float32, 16 SIMD lanes (relative error below `(n + 1)·2^-24`).
unsafe fn row_abs_sum(x: *const f32, n: usize) -> f32 {
    let z = f32x4_splat(0.0);
    let (mut a0, mut a1, mut a2, mut a3) = (z, z, z, z);
    let mut s = 0;
    while s + 16 <= n {
        a0 = f32x4_add(a0, f32x4_abs(ld(x.add(s))));
        a1 = f32x4_add(a1, f32x4_abs(ld(x.add(s + 4))));
        a2 = f32x4_add(a2, f32x4_abs(ld(x.add(s + 8))));
        a3 = f32x4_add(a3, f32x4_abs(ld(x.add(s + 12))));
        s += 16;
    }
    while s + 4 <= n {
        a0 = f32x4_add(a0, f32x4_abs(ld(x.add(s))));
        s += 4;
    }
    if s < n {
        a1 = f32x4_add(a1, f32x4_abs(ld_partial(x.add(s) as *const u32, n - s, 0)));
    }
    let v = f32x4_add(f32x4_add(a0, a1), f32x4_add(a2, a3));
    let v = f32x4_add(v, i32x4_shuffle::<2, 3, 0, 1>(v, v));
    let v = f32x4_add(v, i32x4_shuffle::<1, 0, 3, 2>(v, v));
    f32x4_extract_lane::<0>(v)
}

/// Projects each row of `[rows, cols]` onto `{||y||_1 <= radius}`: a row whose double L1 norm (summed in
/// order, as the reference does) is within the radius is left (or copied) bit for bit; the others become
/// `sign(x)·simplex(|x|, radius)`; a row whose norm is NaN or infinite becomes all NaN. A float32 SIMD sum
/// decides the rows clearly inside or outside; only rows within its rounding of the radius are summed in
/// double. `scratch` holds `cols` doubles.
pub unsafe fn l1_ball_project(x: *const f32, out: *mut f32, rows: usize, cols: usize, radius: f64, scratch: *mut f64) {
    if cols == 0 {
        return;
    }
    let in_place = x == out as *const f32;
    let aux = scratch;
    // NOTE: a float32 sum of n non-negative terms is within (n + 1)·2^-24 (relative) of the exact one; twice
    // that margin on each side decides exactly as the double sum would.
    let delta = (cols as f64 + 4.0) / 8_388_608.0;
    for r in 0..rows {
        let (xr, or) = (x.add(r * cols), out.add(r * cols));
        let fast = row_abs_sum(xr, cols) as f64;
        let outside = if fast.is_finite() && fast <= radius * (1.0 - delta) {
            false
        } else if fast.is_finite() && fast >= radius * (1.0 + delta) && fast > f32::MIN_POSITIVE as f64 {
            true
        } else {
            let mut l1 = 0f64;
            for j in 0..cols {
                l1 += (*xr.add(j) as f64).abs();
            }
            if l1.is_nan() || l1 == f64::INFINITY {
                for j in 0..cols {
                    *or.add(j) = f32::NAN;
                }
                continue;
            }
            l1 > radius
        };
        if !outside {
            if !in_place {
                core::ptr::copy_nonoverlapping(xr, or, cols);
            }
            continue;
        }
        let m = row_max(xr, cols, true) as f64;
        let mv = f64x2_splat(m);
        let value4 = |j: usize| {
            let (a, b) = promote(f32x4_abs(ld(xr.add(j))));
            (f64x2_sub(a, mv), f64x2_sub(b, mv))
        };
        let theta = threshold(|j| (*xr.add(j) as f64).abs() - m, value4, cols, radius, aux);
        let shift = f64x2_splat(theta);
        let sign = f32x4_splat(-0.0);
        let mut j = 0;
        while j + 4 <= cols {
            let (a, b) = value4(j);
            let (a, b) = (f64x2_sub(a, shift), f64x2_sub(b, shift));
            let zero = f64x2_splat(0.0);
            let (ka, kb) = (f64x2_gt(a, zero), f64x2_gt(b, zero));
            // NOTE: the sign of x goes on wherever y > 0, also where y rounds to 0 in float32 (-0 as copysign gives).
            let kept = i32x4_shuffle::<0, 2, 4, 6>(ka, kb);
            let mag = demote(v128_and(a, ka), v128_and(b, kb));
            st(or.add(j), v128_or(mag, v128_and(v128_and(ld(xr.add(j)), sign), kept)));
            j += 4;
        }
        for j in j..cols {
            let v = *xr.add(j);
            let y = (v as f64).abs() - m - theta;
            *or.add(j) = if y > 0.0 { (y as f32).copysign(v) } else { 0.0 };
        }
    }
}
