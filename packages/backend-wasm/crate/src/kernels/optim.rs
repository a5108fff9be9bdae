//! Fused optimizer updates (torch.optim.SGD and Adam/AdamW), one in-place pass over the parameters.
//! Groups of 4 elements run in float32 SIMD (hyper-parameters derived in double, then rounded to float32),
//! within the relative bounds of docs/numerics.md (a few float32 roundings per element, against bounds of
//! 4 to 32 of them). A group whose float32 results are not all finite (a NaN or infinite input, or an
//! intermediate overflow) is recomputed in double with the reference's arithmetic, as is the tail (< 4), so
//! special values behave exactly like the reference.

use crate::simd::*;
use core::arch::wasm32::*;

/// Loop-invariant settings of an SGD step (hyper-parameters as exact doubles).
pub struct Sgd {
    pub lr: f64,
    pub momentum: f64,
    pub keep: f64,
    pub weight_decay: f64,
    pub nesterov: bool,
    pub first_step: bool,
    pub maximize: bool,
}

/// Rounds double lanes to float32 and back.
#[inline(always)]
fn round32(v: v128) -> v128 {
    f64x2_promote_low_f32x4(f32x4_demote_f64x2_zero(v))
}

/// True when all four float32 lanes of every vector are finite (not NaN, not ±Infinity).
#[inline(always)]
fn all_finite<const K: usize>(vs: [v128; K]) -> bool {
    let inf = f32x4_splat(f32::INFINITY);
    let mut ok = u32x4_splat(!0);
    for v in vs {
        ok = v128_and(ok, f32x4_lt(f32x4_abs(v), inf));
    }
    i32x4_all_true(ok)
}

/// Runs `step` in double over the 4-element group at `i` (only `w <= 4` lanes loaded and stored) of up to 5
/// arrays in place: the reference-exact path for the tail and for groups with special values.
#[inline(never)]
unsafe fn group_f64<const K: usize>(ptrs: [*mut u32; K], i: usize, w: usize, step: &dyn Fn(&mut [v128; K])) {
    let mut lo = [f64x2_splat(0.0); K];
    let mut hi = [f64x2_splat(0.0); K];
    for k in 0..K {
        let p = ptrs[k].add(i);
        let v = if w == 4 { ld(p) } else { ld_partial(p, w, 0) };
        (lo[k], hi[k]) = promote(v);
    }
    step(&mut lo);
    step(&mut hi);
    for k in 0..K {
        let v = demote(lo[k], hi[k]);
        let p = ptrs[k].add(i);
        if w == 4 {
            st(p, v)
        } else {
            st_partial(p, w, v)
        }
    }
}

/// SGD in place; `buf` is null when momentum is 0.
pub unsafe fn sgd(o: &Sgd, param: *mut u32, grad: *mut u32, buf: *mut u32, n: usize) {
    // The reference arithmetic in double, for the tail and for groups with special values.
    let s = f64x2_splat;
    let body = |p: v128, g: v128, b: Option<v128>| -> (v128, Option<v128>) {
        let mut g = if o.maximize { f64x2_neg(g) } else { g };
        // NOTE: the decay term is skipped when wd is 0 so that p = ±inf does not make g NaN (0·inf).
        if o.weight_decay != 0.0 {
            g = f64x2_add(g, f64x2_mul(s(o.weight_decay), p));
        }
        let mut nb = None;
        if let Some(old) = b {
            let b = if o.first_step { g } else { f64x2_add(f64x2_mul(s(o.momentum), old), f64x2_mul(s(o.keep), g)) };
            let b = round32(b);
            nb = Some(b);
            g = if o.nesterov { f64x2_add(g, f64x2_mul(s(o.momentum), b)) } else { b };
        }
        (f64x2_sub(p, f64x2_mul(s(o.lr), g)), nb)
    };
    let exact2 = |v: &mut [v128; 2]| v[0] = body(v[0], v[1], None).0;
    let exact3 = |v: &mut [v128; 3]| {
        let (p, b) = body(v[0], v[1], Some(v[2]));
        v[0] = p;
        v[2] = b.unwrap_or(v[2]);
    };
    // float32 SIMD over full groups.
    let f = |x: f64| f32x4_splat(x as f32);
    let (lr, mom, keep, wd) = (f(o.lr), f(o.momentum), f(o.keep), f(o.weight_decay));
    let grad_of = |p: v128, g: v128| {
        let g = if o.maximize { f32x4_neg(g) } else { g };
        if o.weight_decay != 0.0 {
            f32x4_add(g, f32x4_mul(wd, p))
        } else {
            g
        }
    };
    let full = n & !3;
    let mut i = 0;
    if buf.is_null() {
        while i < full {
            let (p, g) = (ld(param.add(i)), ld(grad.add(i)));
            let np = f32x4_sub(p, f32x4_mul(lr, grad_of(p, g)));
            if all_finite([np]) {
                st(param.add(i), np);
            } else {
                group_f64([param, grad], i, 4, &exact2);
            }
            i += 4;
        }
        if i < n {
            group_f64([param, grad], i, n - i, &exact2);
        }
    } else {
        while i < full {
            let (p, g0, b0) = (ld(param.add(i)), ld(grad.add(i)), ld(buf.add(i)));
            let g = grad_of(p, g0);
            let b = if o.first_step { g } else { f32x4_add(f32x4_mul(mom, b0), f32x4_mul(keep, g)) };
            let u = if o.nesterov { f32x4_add(g, f32x4_mul(mom, b)) } else { b };
            let np = f32x4_sub(p, f32x4_mul(lr, u));
            if all_finite([np, b]) {
                st(param.add(i), np);
                st(buf.add(i), b);
            } else {
                group_f64([param, grad, buf], i, 4, &exact3);
            }
            i += 4;
        }
        if i < n {
            group_f64([param, grad, buf], i, n - i, &exact3);
        }
    }
}

/// Loop-invariant settings of an Adam step, as exact doubles.
pub struct Adam {
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    /// wd for Adam (coupled), 0 for AdamW or no decay.
    pub coupled_wd: f64,
    /// 1 - lr·wd for AdamW, 1 otherwise.
    pub decay: f64,
    pub maximize: bool,
    /// lr / (1 - beta1^step).
    pub step_size: f64,
    /// sqrt(1 - beta2^step).
    pub bc2_sqrt: f64,
}

/// Adam/AdamW in place; `vmax` is null unless amsgrad.
pub unsafe fn adam(o: &Adam, param: *mut u32, grad: *mut u32, m: *mut u32, v: *mut u32, vmax: *mut u32, n: usize) {
    // The reference arithmetic in double, for the tail and for groups with special values.
    let s = f64x2_splat;
    let (k1, k2) = (1.0 - o.beta1, 1.0 - o.beta2);
    let exact = |x: &mut [v128; 5]| {
        let mut p = x[0];
        let mut g = if o.maximize { f64x2_neg(x[1]) } else { x[1] };
        if o.coupled_wd != 0.0 {
            g = f64x2_add(g, f64x2_mul(s(o.coupled_wd), p));
        }
        if o.decay != 1.0 {
            p = round32(f64x2_mul(p, s(o.decay)));
        }
        let mi = round32(f64x2_add(f64x2_mul(s(o.beta1), x[2]), f64x2_mul(s(k1), g)));
        let mut vi = round32(f64x2_add(f64x2_mul(s(o.beta2), x[3]), f64x2_mul(f64x2_mul(s(k2), g), g)));
        x[2] = mi;
        x[3] = vi;
        if !vmax.is_null() {
            vi = f64x2_max(x[4], vi);
            x[4] = vi;
        } else {
            // NOTE: without amsgrad the fifth array aliases `v`: store the new moment through it too.
            x[4] = vi;
        }
        let denom = f64x2_add(f64x2_div(f64x2_sqrt(vi), s(o.bc2_sqrt)), s(o.eps));
        x[0] = f64x2_sub(p, f64x2_div(f64x2_mul(s(o.step_size), mi), denom));
    };
    let vm = if vmax.is_null() { v } else { vmax };
    let ptrs = [param, grad, m, v, vm];
    // float32 SIMD over full groups: constants derived in double, rounded once.
    let f = |x: f64| f32x4_splat(x as f32);
    let (b1, c1, b2, c2) = (f(o.beta1), f(k1), f(o.beta2), f(k2));
    let (wd, decay, eps) = (f(o.coupled_wd), f(o.decay), f(o.eps));
    let (step, inv_bc2) = (f(o.step_size), f(1.0 / o.bc2_sqrt));
    let full = n & !3;
    let mut i = 0;
    while i < full {
        let (mut p, g0, m0, v0) = (ld(param.add(i)), ld(grad.add(i)), ld(m.add(i)), ld(v.add(i)));
        let mut g = if o.maximize { f32x4_neg(g0) } else { g0 };
        if o.coupled_wd != 0.0 {
            g = f32x4_add(g, f32x4_mul(wd, p));
        }
        if o.decay != 1.0 {
            p = f32x4_mul(p, decay);
        }
        let mi = f32x4_add(f32x4_mul(b1, m0), f32x4_mul(c1, g));
        let vi = f32x4_add(f32x4_mul(b2, v0), f32x4_mul(f32x4_mul(c2, g), g));
        let second = if vmax.is_null() { vi } else { f32x4_max(ld(vmax.add(i)), vi) };
        let denom = f32x4_add(f32x4_mul(f32x4_sqrt(second), inv_bc2), eps);
        let np = f32x4_sub(p, f32x4_mul(step, f32x4_div(mi, denom)));
        if all_finite([np, mi, second]) {
            st(param.add(i), np);
            st(m.add(i), mi);
            st(v.add(i), vi);
            if !vmax.is_null() {
                st(vmax.add(i), second);
            }
        } else {
            group_f64(ptrs, i, 4, &exact);
        }
        i += 4;
    }
    if i < n {
        group_f64(ptrs, i, n - i, &exact);
    }
}
