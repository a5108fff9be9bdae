//! float32 matmul: BLIS-style cache blocking (NC x KC panels of B, MC x KC blocks of A, packed into static
//! buffers) around a 4x8 register-tiled micro-kernel (8 v128 accumulators). Transposed operands are handled
//! by the packing routines only, so A^T·B and A·B^T run the same micro-kernel as A·B.
//! `matmul_part` computes a band of rows or columns of one product for the worker pool: every output element
//! goes through the same K blocks in the same order whatever the band, so any split gives the same bits.
//! `syrk` computes `op(A)·op(A)ᵀ` from bands of rows, each only on and right of the diagonal (half the
//! multiply-adds), and mirrors each band into the lower triangle, so the result is exactly symmetric.

use crate::simd::*;
use core::arch::wasm32::*;

const MR: usize = 4;
const NR: usize = 8;
const KC: usize = 256;
const MC: usize = 128;
const NC: usize = 1024;

#[repr(C, align(16))]
struct Packed<const N: usize>([f32; N]);

static mut PACK_A: Packed<{ MC * KC }> = Packed([0.0; MC * KC]);
static mut PACK_B: Packed<{ KC * NC }> = Packed([0.0; KC * NC]);

/// Floats of one thread's packing buffers (A block, then B panel).
pub const PACK_FLOATS: usize = MC * KC + KC * NC;

// NOTE: in the atomics build the statics above belong to the main thread; each worker packs into its own
// block (allocated by the loader, passed to `set_thread_pack`), reached through a thread-local pointer. A
// thread-local buffer would make the module carry 1.1 MB of zeros as its TLS initializer.
#[cfg_attr(target_feature = "atomics", thread_local)]
static mut THREAD_PACK: *mut f32 = core::ptr::null_mut();

/// Makes this thread pack into `p` (16-byte aligned, PACK_FLOATS floats) instead of the statics.
pub unsafe fn set_thread_pack(p: *mut f32) {
    THREAD_PACK = p;
}

/// This thread's packing buffers (A, B).
unsafe fn packs() -> (*mut f32, *mut f32) {
    let own = THREAD_PACK;
    if own.is_null() {
        (core::ptr::addr_of_mut!(PACK_A.0) as *mut f32, core::ptr::addr_of_mut!(PACK_B.0) as *mut f32)
    } else {
        (own, own.add(MC * KC))
    }
}

/// acc + a·b; a fused multiply-add only in the relaxed-simd build.
#[inline(always)]
fn madd(acc: v128, a: v128, b: v128) -> v128 {
    #[cfg(target_feature = "relaxed-simd")]
    {
        f32x4_relaxed_madd(a, b, acc)
    }
    #[cfg(not(target_feature = "relaxed-simd"))]
    {
        f32x4_add(acc, f32x4_mul(a, b))
    }
}

/// Batched `out[t] = op(A[t]) · op(B[t])`; see MatmulArgs in @cp/core for the layout.
#[allow(clippy::too_many_arguments)]
pub unsafe fn matmul(a: *const f32, b: *const f32, out: *mut f32, batch: usize, m: usize, k: usize, n: usize, trans_a: bool, trans_b: bool, a_bs: usize, b_bs: usize) {
    // Element (i, p) of A is at i·ars + p·acs; element (p, j) of B at p·brs + j·bcs.
    let (ars, acs) = if trans_a { (1, m) } else { (k, 1) };
    let (brs, bcs) = if trans_b { (1, k) } else { (n, 1) };
    for t in 0..batch {
        gemm(m, n, k, a.add(t * a_bs), ars, acs, b.add(t * b_bs), brs, bcs, out.add(t * m * n), n);
    }
}

/// One band of the batched product: product `t`, rows (`cols` false) or columns (`cols` true) `[lo, hi)`.
#[allow(clippy::too_many_arguments)]
pub unsafe fn matmul_part(a: *const f32, b: *const f32, out: *mut f32, t: usize, m: usize, k: usize, n: usize, trans_a: bool, trans_b: bool, a_bs: usize, b_bs: usize, cols: bool, lo: usize, hi: usize) {
    let (ars, acs) = if trans_a { (1, m) } else { (k, 1) };
    let (brs, bcs) = if trans_b { (1, k) } else { (n, 1) };
    let (a, b, c) = (a.add(t * a_bs), b.add(t * b_bs), out.add(t * m * n));
    if cols {
        gemm(m, hi - lo, k, a, ars, acs, b.add(lo * bcs), brs, bcs, c.add(lo), n);
    } else {
        gemm(hi - lo, n, k, a.add(lo * ars), ars, acs, b, brs, bcs, c.add(lo * n), n);
    }
}

/// Batched `out[t] = op(A[t])·op(A[t])ᵀ` (`n x n`; `A[t]` stored `[n, k]`, or `[k, n]` when `trans_a`, batches
/// contiguous), band by band of `band` rows (see `syrk_band`).
pub unsafe fn syrk(a: *const f32, out: *mut f32, batch: usize, n: usize, k: usize, trans_a: bool, band: usize) {
    for t in 0..batch {
        let mut lo = 0;
        while lo < n {
            syrk_band(a, out, t, n, k, trans_a, lo, n.min(lo + band));
            lo += band;
        }
    }
}

/// Rows `[lo, hi)` of product `t` of `syrk`: columns `[lo, n)` by the matmul kernel (B is `op(A)ᵀ`, a view of
/// A), then the band's part of the lower triangle, columns `[lo, hi)` below the diagonal, copied from its
/// mirror image. Bands write disjoint elements: a band's gemm writes columns from its own `lo`, to the right
/// of every earlier band's mirrored columns.
#[allow(clippy::too_many_arguments)]
pub unsafe fn syrk_band(a: *const f32, out: *mut f32, t: usize, n: usize, k: usize, trans_a: bool, lo: usize, hi: usize) {
    // Element (i, p) of op(A) is at i·ars + p·acs; element (p, j) of op(A)ᵀ is element (j, p) of op(A).
    let (ars, acs) = if trans_a { (1, n) } else { (k, 1) };
    let (a, c) = (a.add(t * n * k), out.add(t * n * n));
    let rows = a.add(lo * ars);
    gemm(hi - lo, n - lo, k, rows, ars, acs, rows, acs, ars, c.add(lo * n + lo), n);
    for i in lo..hi {
        for j in i + 1..n {
            *c.add(j * n + i) = *c.add(i * n + j);
        }
    }
}

#[allow(clippy::too_many_arguments)]
unsafe fn gemm(m: usize, n: usize, k: usize, a: *const f32, ars: usize, acs: usize, b: *const f32, brs: usize, bcs: usize, c: *mut f32, ldc: usize) {
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        for r in 0..m {
            super::movement::fill(c.add(r * ldc), n, 0.0);
        }
        return;
    }
    let (pack_a, pack_b) = packs();
    let mut jc = 0;
    while jc < n {
        let nc = NC.min(n - jc);
        let mut pc = 0;
        while pc < k {
            let kc = KC.min(k - pc);
            pack::<NR>(b.add(pc * brs + jc * bcs), bcs, brs, nc, kc, pack_b);
            let mut ic = 0;
            while ic < m {
                let mc = MC.min(m - ic);
                pack::<MR>(a.add(ic * ars + pc * acs), ars, acs, mc, kc, pack_a);
                let mut jr = 0;
                while jr < nc {
                    let nr = NR.min(nc - jr);
                    let mut ir = 0;
                    while ir < mc {
                        let mr = MR.min(mc - ir);
                        let dst = c.add((ic + ir) * ldc + jc + jr);
                        micro(kc, pack_a.add(ir * kc), pack_b.add(jr * kc), dst, ldc, mr, nr, pc == 0);
                        ir += MR;
                    }
                    jr += NR;
                }
                ic += MC;
            }
            pc += KC;
        }
        jc += NC;
    }
}

/// Packs `count` rows of the free dimension (stride `fs`) by `kc` steps of the shared one (stride `ps`) into
/// slivers of W: sliver s holds, for each p, the W values `x[(s·W + w)·fs + p·ps]`, zero-padded past `count`.
unsafe fn pack<const W: usize>(x: *const f32, fs: usize, ps: usize, count: usize, kc: usize, dst: *mut f32) {
    let mut f0 = 0;
    while f0 < count {
        let d = dst.add(f0 * kc);
        let src = x.add(f0 * fs);
        let w = W.min(count - f0);
        if w == W && fs == 1 {
            for p in 0..kc {
                for v in 0..W / 4 {
                    st(d.add(p * W + 4 * v), ld(src.add(p * ps + 4 * v)));
                }
            }
        } else if w == W && ps == 1 {
            let mut p = 0;
            while p + 4 <= kc {
                for g in 0..W / 4 {
                    let r = |j: usize| ld(src.add((4 * g + j) * fs + p));
                    let (c0, c1, c2, c3) = transpose4(r(0), r(1), r(2), r(3));
                    st(d.add(p * W + 4 * g), c0);
                    st(d.add((p + 1) * W + 4 * g), c1);
                    st(d.add((p + 2) * W + 4 * g), c2);
                    st(d.add((p + 3) * W + 4 * g), c3);
                }
                p += 4;
            }
            for p in p..kc {
                for j in 0..W {
                    *d.add(p * W + j) = *src.add(j * fs + p);
                }
            }
        } else {
            for p in 0..kc {
                for j in 0..W {
                    *d.add(p * W + j) = if j < w { *src.add(j * fs + p * ps) } else { 0.0 };
                }
            }
        }
        f0 += W;
    }
}

#[inline(always)]
fn transpose4(r0: v128, r1: v128, r2: v128, r3: v128) -> (v128, v128, v128, v128) {
    let t0 = i32x4_shuffle::<0, 4, 1, 5>(r0, r1);
    let t1 = i32x4_shuffle::<2, 6, 3, 7>(r0, r1);
    let t2 = i32x4_shuffle::<0, 4, 1, 5>(r2, r3);
    let t3 = i32x4_shuffle::<2, 6, 3, 7>(r2, r3);
    (
        i32x4_shuffle::<0, 1, 4, 5>(t0, t2),
        i32x4_shuffle::<2, 3, 6, 7>(t0, t2),
        i32x4_shuffle::<0, 1, 4, 5>(t1, t3),
        i32x4_shuffle::<2, 3, 6, 7>(t1, t3),
    )
}

/// C[0..mr, 0..nr] (row stride ldc) = (first ? 0 : C) + packed A sliver · packed B sliver. Dispatches to a
/// register tile of R = 4 or 2 rows by 2 or 1 vectors of 4 columns, so that edge tiles (mr <= 2, nr <= 4)
/// do not multiply padding.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn micro(kc: usize, pa: *const f32, pb: *const f32, c: *mut f32, ldc: usize, mr: usize, nr: usize, first: bool) {
    match (mr > 2, nr > 4) {
        (true, true) => tile::<4, 2>(kc, pa, pb, c, ldc, mr, nr, first),
        (false, true) => tile::<2, 2>(kc, pa, pb, c, ldc, mr, nr, first),
        (true, false) => tile::<4, 1>(kc, pa, pb, c, ldc, mr, nr, first),
        (false, false) => tile::<2, 1>(kc, pa, pb, c, ldc, mr, nr, first),
    }
}

/// The micro-kernel: R rows (4 or 2) by V vectors (2 or 1) of C, 8 accumulators at most.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
unsafe fn tile<const R: usize, const V: usize>(kc: usize, pa: *const f32, pb: *const f32, c: *mut f32, ldc: usize, mr: usize, nr: usize, first: bool) {
    let z = f32x4_splat(0.0);
    let (mut c00, mut c01, mut c10, mut c11, mut c20, mut c21, mut c30, mut c31) = (z, z, z, z, z, z, z, z);
    let (mut pa, mut pb) = (pa, pb);
    for _ in 0..kc {
        let b0 = ld(pb);
        let b1 = if V > 1 { ld(pb.add(4)) } else { z };
        let a0 = v128_load32_splat(pa as *const u32);
        c00 = madd(c00, a0, b0);
        if V > 1 {
            c01 = madd(c01, a0, b1);
        }
        let a1 = v128_load32_splat(pa.add(1) as *const u32);
        c10 = madd(c10, a1, b0);
        if V > 1 {
            c11 = madd(c11, a1, b1);
        }
        if R > 2 {
            let a2 = v128_load32_splat(pa.add(2) as *const u32);
            c20 = madd(c20, a2, b0);
            if V > 1 {
                c21 = madd(c21, a2, b1);
            }
            let a3 = v128_load32_splat(pa.add(3) as *const u32);
            c30 = madd(c30, a3, b0);
            if V > 1 {
                c31 = madd(c31, a3, b1);
            }
        }
        pa = pa.add(MR);
        pb = pb.add(NR);
    }
    let acc = [[c00, c01], [c10, c11], [c20, c21], [c30, c31]];
    if mr == R && nr == 4 * V {
        for (r, row) in acc.iter().enumerate().take(R) {
            let p = c.add(r * ldc);
            for (v, a) in row.iter().enumerate().take(V) {
                let q = p.add(4 * v);
                st(q, if first { *a } else { f32x4_add(ld(q), *a) });
            }
        }
    } else {
        let mut tmp = [0f32; MR * NR];
        for (r, row) in acc.iter().enumerate() {
            st(tmp.as_mut_ptr().add(r * NR), row[0]);
            st(tmp.as_mut_ptr().add(r * NR + 4), row[1]);
        }
        for r in 0..mr {
            for j in 0..nr {
                let p = c.add(r * ldc + j);
                let v = *tmp.get_unchecked(r * NR + j);
                *p = if first { v } else { *p + v };
            }
        }
    }
}
