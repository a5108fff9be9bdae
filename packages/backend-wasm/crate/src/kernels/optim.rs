//! Fused optimizer updates (torch.optim.SGD and Adam/AdamW), one SIMD pass over the parameters, in place.
//! Like the reference, transient values stay in double within an element and state (momentum buffer,
//! moments, the parameter) is rounded to float32 when stored, so results match it bit for bit.

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

/// Runs `step` over 4 float32 lanes at a time (as two double pairs) of up to 4 arrays in place.
#[inline(always)]
unsafe fn lanes4<const K: usize>(ptrs: [*mut u32; K], n: usize, step: impl Fn(&mut [v128; K])) {
    let mut i = 0;
    while i < n {
        let w = (n - i).min(4);
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
            if w == 4 { st(p, v) } else { st_partial(p, w, v) }
        }
        i += 4;
    }
}

/// SGD in place; `buf` is null when momentum is 0.
pub unsafe fn sgd(o: &Sgd, param: *mut u32, grad: *mut u32, buf: *mut u32, n: usize) {
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
    if buf.is_null() {
        lanes4([param, grad], n, |v| v[0] = body(v[0], v[1], None).0);
    } else {
        lanes4([param, grad, buf], n, |v| {
            let (p, b) = body(v[0], v[1], Some(v[2]));
            v[0] = p;
            v[2] = b.unwrap_or(v[2]);
        });
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
    let s = f64x2_splat;
    let (k1, k2) = (1.0 - o.beta1, 1.0 - o.beta2);
    let body = |x: &mut [v128; 5]| {
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
        }
        let denom = f64x2_add(f64x2_div(f64x2_sqrt(vi), s(o.bc2_sqrt)), s(o.eps));
        x[0] = f64x2_sub(p, f64x2_div(f64x2_mul(s(o.step_size), mi), denom));
    };
    // NOTE: without amsgrad the fifth array aliases the moment `v`; its lanes are loaded and stored unchanged.
    let vm = if vmax.is_null() { v } else { vmax };
    lanes4([param, grad, m, v, vm], n, |x| {
        body(x);
        if vmax.is_null() {
            x[4] = x[3];
        }
    });
}
