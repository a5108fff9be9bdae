//! Fused parameter projections used by constraints: clamp, renormSlices (max/min norm along an axis, with
//! norms in double, which cannot overflow for float32 input) and simplexProject (sort-based Euclidean
//! projection). Each follows the reference kernel's arithmetic step for step, so results are bit-identical.

use crate::simd::*;
use core::arch::wasm32::*;

/// `out = min(max(x, lo), hi)`; NaN stays NaN, -0 clamped at lo = 0 becomes +0. `out` may be `x`.
pub unsafe fn clamp(x: *const u32, out: *mut u32, n: usize, lo: f32, hi: f32) {
    let (vl, vh) = (f32x4_splat(lo), f32x4_splat(hi));
    map1(x, out, n, |v| f32x4_min(f32x4_max(v, vl), vh));
}

const BLOCK: usize = 64;
const NUDGE: f64 = 1.0 / 16_777_216.0;
const MAX_NUDGES: usize = 64;

/// Rescales each `(o, i)` slice along the middle axis whose L2 norm lies outside `[lo, hi]` (see
/// RenormSlicesArgs); other slices are copied bit for bit. `out` may be `x`.
#[allow(clippy::too_many_arguments)]
pub unsafe fn renorm_slices(x: *const f32, out: *mut f32, outer: usize, size: usize, inner: usize, lo: f64, hi: f64, rate: f64) {
    for o in 0..outer {
        let (xs, os) = (x.add(o * size * inner), out.add(o * size * inner));
        let mut i0 = 0;
        while i0 < inner {
            let w = BLOCK.min(inner - i0);
            let mut norm = [0f64; BLOCK];
            for s in 0..size {
                let row = xs.add(s * inner + i0);
                for (j, a) in norm.iter_mut().enumerate().take(w) {
                    let v = *row.add(j) as f64;
                    *a += v * v;
                }
            }
            let mut factor = [1f64; BLOCK];
            for j in 0..w {
                let nrm = norm[j].sqrt();
                if nrm > hi || (nrm < lo && nrm > 0.0) {
                    let bound = if nrm > hi { hi } else { lo };
                    let target = if rate == 1.0 { bound } else { rate * bound + (1.0 - rate) * nrm };
                    factor[j] = target / nrm;
                    if rate == 1.0 && factor[j] != 1.0 {
                        factor[j] = fit_factor(xs.add(i0 + j), size, inner, nrm > hi, target, factor[j]);
                    }
                }
            }
            for s in 0..size {
                let (src, dst) = (xs.add(s * inner + i0), os.add(s * inner + i0));
                for (j, f) in factor.iter().enumerate().take(w) {
                    let v = *src.add(j);
                    // NOTE: unchanged slices are copied bit for bit, not multiplied by 1.
                    *dst.add(j) = if *f == 1.0 { v } else { (v as f64 * *f) as f32 };
                }
            }
            i0 += BLOCK;
        }
    }
}

/// NOTE: at rate 1 rounding the scaled elements can leave the norm a hair past the bound; nudge the factor
/// half an ulp at a time until the bound holds (the reference's guard, step for step).
unsafe fn fit_factor(x: *const f32, size: usize, stride: usize, shrinking: bool, target: f64, mut factor: f64) -> f64 {
    for _ in 0..MAX_NUDGES {
        let mut sq = 0f64;
        for s in 0..size {
            let y = (*x.add(s * stride) as f64 * factor) as f32 as f64;
            sq += y * y;
        }
        let now = sq.sqrt();
        if if shrinking { !(now > target) } else { !(now < target) } {
            return factor;
        }
        factor *= if shrinking { 1.0 - NUDGE } else { 1.0 + NUDGE };
    }
    factor
}

/// Projects each row of `[rows, cols]` onto `{y >= 0, Σ y = radius}` (Duchi et al. 2008) in double: sort
/// descending, keep the last prefix threshold `(Σ u - radius) / k` below `u_k`, `y = max(x - theta, 0)`.
/// `scratch` holds `cols` doubles. A row containing NaN becomes all NaN. `out` may be `x`.
pub unsafe fn simplex_project(x: *const f32, out: *mut f32, rows: usize, cols: usize, radius: f64, scratch: *mut f64) {
    if cols == 0 {
        return;
    }
    for r in 0..rows {
        let (xr, or) = (x.add(r * cols), out.add(r * cols));
        let u = core::slice::from_raw_parts_mut(scratch, cols);
        let mut sum = 0f64;
        for (j, v) in u.iter_mut().enumerate() {
            *v = *xr.add(j) as f64;
            sum += *v;
        }
        if sum.is_nan() {
            for j in 0..cols {
                *or.add(j) = f32::NAN;
            }
            continue;
        }
        u.sort_unstable_by(|a, b| b.total_cmp(a));
        let mut cum = u[0];
        let mut theta = cum - radius;
        for k in 2..=cols {
            let v = u[k - 1];
            cum += v;
            let t = (cum - radius) / k as f64;
            if v - t > 0.0 {
                theta = t;
            } else {
                break;
            }
        }
        for j in 0..cols {
            let y = *xr.add(j) as f64 - theta;
            *or.add(j) = (if y > 0.0 { y } else { 0.0 }) as f32;
        }
    }
}
