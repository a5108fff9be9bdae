//! Reductions over the middle axis of `[outer, size, inner]`. float32 sum and prod accumulate in double and
//! round once, like the reference: with inner > 1 the accumulation is vertical (columns in double SIMD lanes)
//! and sequential over `size` (bit-identical to the reference); with inner = 1 sum adds blocks of 1024 in
//! float32 SIMD lanes and the blocks in double (within the documented summation bound), and prod stays
//! sequential. max/min run in the input type with NaN-propagating SIMD max/min. A row (inner = 1) longer
//! than `PART` is reduced part by part and the parts combined in order (see `PART`), so that the worker
//! pool can reduce the parts of one long row on several threads and get the same bits.

use crate::ops::{ArgReduceOp, ReduceOp};
use crate::simd::*;
use core::arch::wasm32::*;

/// Max of a contiguous float32 row (n >= 1), NaN-propagating.
pub unsafe fn row_max_f32(x: *const f32, n: usize) -> f32 {
    f32::from_bits(row_minmax(x as *const u32, n, &|a, b| f32x4_max(a, b)))
}

/// max/min of one contiguous row of 32-bit lanes (n >= 1); the padding lane repeats x[0] (idempotent).
#[inline(always)]
unsafe fn row_minmax(x: *const u32, n: usize, f: &impl Fn(v128, v128) -> v128) -> u32 {
    let pad = *x;
    let mut acc = [u32x4_splat(pad); 4];
    let mut s = 0;
    while s + 16 <= n {
        for (j, a) in acc.iter_mut().enumerate() {
            *a = f(*a, ld(x.add(s + 4 * j)));
        }
        s += 16;
    }
    while s + 4 <= n {
        acc[0] = f(acc[0], ld(x.add(s)));
        s += 4;
    }
    if s < n {
        acc[1] = f(acc[1], ld_partial(x.add(s), n - s, pad));
    }
    let v = f(f(acc[0], acc[1]), f(acc[2], acc[3]));
    let v = f(v, i32x4_shuffle::<2, 3, 0, 1>(v, v));
    let v = f(v, i32x4_shuffle::<1, 0, 3, 2>(v, v));
    i32x4_extract_lane::<0>(v) as u32
}

/// Vertical max/min: `out[o, i] = f over s of x[o, s, i]` (size >= 1).
#[inline(always)]
unsafe fn vertical_minmax(x: *const u32, out: *mut u32, outer: usize, size: usize, inner: usize, f: &impl Fn(v128, v128) -> v128) {
    for o in 0..outer {
        let (src, dst) = (x.add(o * size * inner), out.add(o * inner));
        core::ptr::copy(src, dst, inner);
        for s in 1..size {
            let row = src.add(s * inner);
            let mut i = 0;
            while i + 4 <= inner {
                st(dst.add(i), f(ld(dst.add(i)), ld(row.add(i))));
                i += 4;
            }
            if i < inner {
                let r = f(ld_partial(dst.add(i), inner - i, 0), ld_partial(row.add(i), inner - i, 0));
                st_partial(dst.add(i), inner - i, r);
            }
        }
    }
}

/// Elements per float32 block of a long row sum.
const SUM_CHUNK: usize = 1024;

/// Adds one block of `SUM_CHUNK` floats into the double accumulators `v`: 16 float32 lanes over the block
/// (each lane sums 64 terms, so the block's error is at most 64·2⁻²⁴·Σ|x|, well inside the summation bound),
/// then one promotion to double. NOTE: a block whose float32 lanes overflow (or meet NaN/Infinity) is summed
/// again in double, so finite inputs never turn into Infinity and specials propagate as in the reference.
#[inline(always)]
unsafe fn sum_chunk_f32(x: *const f32, v: &mut [v128; 4]) {
    let mut f = [f32x4_splat(0.0); 4];
    let mut i = 0;
    while i < SUM_CHUNK {
        f = [
            f32x4_add(f[0], ld(x.add(i))),
            f32x4_add(f[1], ld(x.add(i + 4))),
            f32x4_add(f[2], ld(x.add(i + 8))),
            f32x4_add(f[3], ld(x.add(i + 12))),
        ];
        i += 16;
    }
    let inf = f32x4_splat(f32::INFINITY);
    let finite = |a: v128| f32x4_lt(f32x4_abs(a), inf);
    if i32x4_all_true(v128_and(v128_and(finite(f[0]), finite(f[1])), v128_and(finite(f[2]), finite(f[3])))) {
        for lanes in f {
            let (a, b) = promote(lanes);
            v[0] = f64x2_add(v[0], a);
            v[1] = f64x2_add(v[1], b);
        }
        return;
    }
    let mut i = 0;
    while i < SUM_CHUNK {
        let (a, b) = promote(ld(x.add(i)));
        let (c, d) = promote(ld(x.add(i + 4)));
        *v = [f64x2_add(v[0], a), f64x2_add(v[1], b), f64x2_add(v[2], c), f64x2_add(v[3], d)];
        i += 8;
    }
}

/// The double sum of a contiguous float32 row: blocks of `SUM_CHUNK` in float32 lanes, then pairs of lanes
/// in double, then the tail one by one.
unsafe fn row_sum_f64(row: *const f32, size: usize) -> f64 {
    let mut s = 0;
    let mut v = [f64x2_splat(0.0); 4];
    while s + SUM_CHUNK <= size {
        sum_chunk_f32(row.add(s), &mut v);
        s += SUM_CHUNK;
    }
    while s + 8 <= size {
        let (a, b) = promote(ld(row.add(s)));
        let (c, d) = promote(ld(row.add(s + 4)));
        v = [f64x2_add(v[0], a), f64x2_add(v[1], b), f64x2_add(v[2], c), f64x2_add(v[3], d)];
        s += 8;
    }
    let t = f64x2_add(f64x2_add(v[0], v[1]), f64x2_add(v[2], v[3]));
    let mut acc = f64x2_extract_lane::<0>(t) + f64x2_extract_lane::<1>(t);
    while s < size {
        acc += *row.add(s) as f64;
        s += 1;
    }
    acc
}

/// float32 sum (prod = false) or product in double.
unsafe fn sum_prod_f32(x: *const f32, out: *mut f32, outer: usize, size: usize, inner: usize, prod: bool) {
    let init = if prod { 1.0 } else { 0.0 };
    if inner == 1 {
        for o in 0..outer {
            let row = x.add(o * size);
            let acc = if prod {
                (0..size).fold(init, |acc, s| acc * *row.add(s) as f64)
            } else {
                row_sum_f64(row, size)
            };
            *out.add(o) = acc as f32;
        }
        return;
    }
    if size == 1 {
        // NOTE: one term: `init op x` rounded is `0 + x` (turns -0 into +0) or `1 · x`, the same in float32.
        let e = f32x4_splat(init as f32);
        let f = |v: v128| if prod { f32x4_mul(e, v) } else { f32x4_add(e, v) };
        map1(x as *const u32, out as *mut u32, outer * inner, f);
        return;
    }
    for o in 0..outer {
        let (src, dst) = (x.add(o * size * inner), out.add(o * inner));
        let mut i = 0;
        while i + 16 <= inner {
            vertical_f64::<8>(src.add(i), dst.add(i), size, inner, 16, prod);
            i += 16;
        }
        while i < inner {
            let w = (inner - i).min(8);
            if w > 4 {
                vertical_f64::<4>(src.add(i), dst.add(i), size, inner, w, prod);
            } else {
                vertical_f64::<2>(src.add(i), dst.add(i), size, inner, w, prod);
            }
            i += w;
        }
    }
}

/// Vertical float32 sum/prod of `w <= 2·A` adjacent columns (row stride `inner`) in `A` double-pair
/// accumulators (`A` even), sequential over the rows like the reference, rounded once.
#[inline(always)]
unsafe fn vertical_f64<const A: usize>(src: *const f32, dst: *mut f32, size: usize, inner: usize, w: usize, prod: bool) {
    let mut acc = [f64x2_splat(if prod { 1.0 } else { 0.0 }); A];
    let full = w == 2 * A;
    for s in 0..size {
        let row = src.add(s * inner) as *const u32;
        for q in 0..A / 2 {
            let v = if full { ld(row.add(4 * q)) } else { ld_partial_any(row.add(4 * q), w.saturating_sub(4 * q)) };
            let (lo, hi) = promote(v);
            if prod {
                acc[2 * q] = f64x2_mul(acc[2 * q], lo);
                acc[2 * q + 1] = f64x2_mul(acc[2 * q + 1], hi);
            } else {
                acc[2 * q] = f64x2_add(acc[2 * q], lo);
                acc[2 * q + 1] = f64x2_add(acc[2 * q + 1], hi);
            }
        }
    }
    for q in 0..A / 2 {
        let v = demote(acc[2 * q], acc[2 * q + 1]);
        if full {
            st(dst.add(4 * q), v);
        } else if w > 4 * q {
            let k = (w - 4 * q).min(4);
            if k == 4 {
                st(dst.add(4 * q), v);
            } else {
                st_partial(dst.add(4 * q) as *mut u32, k, v);
            }
        }
    }
}

/// Loads `min(n, 4)` 32-bit lanes (zero-padded); `n` may be 0 (nothing is read).
#[inline(always)]
unsafe fn ld_partial_any(p: *const u32, n: usize) -> v128 {
    if n >= 4 {
        ld(p)
    } else {
        ld_partial(p, n, 0)
    }
}

/// int32 sum/prod (wrapping, so any order is exact).
unsafe fn sum_prod_i32(x: *const u32, out: *mut u32, outer: usize, size: usize, inner: usize, prod: bool) {
    let f = |a: v128, b: v128| if prod { i32x4_mul(a, b) } else { i32x4_add(a, b) };
    let init = if prod { 1u32 } else { 0 };
    for o in 0..outer {
        let (src, dst) = (x.add(o * size * inner), out.add(o * inner));
        if inner == 1 {
            let mut acc = u32x4_splat(init);
            let mut s = 0;
            while s + 4 <= size {
                acc = f(acc, ld(src.add(s)));
                s += 4;
            }
            if s < size {
                acc = f(acc, ld_partial(src.add(s), size - s, init));
            }
            let v = f(acc, i32x4_shuffle::<2, 3, 0, 1>(acc, acc));
            let v = f(v, i32x4_shuffle::<1, 0, 3, 2>(v, v));
            *dst = i32x4_extract_lane::<0>(v) as u32;
            continue;
        }
        for i in 0..inner {
            *dst.add(i) = init;
        }
        for s in 0..size {
            let row = src.add(s * inner);
            let mut i = 0;
            while i + 4 <= inner {
                st(dst.add(i), f(ld(dst.add(i)), ld(row.add(i))));
                i += 4;
            }
            while i < inner {
                let (a, b) = (*dst.add(i), *row.add(i));
                *dst.add(i) = if prod { a.wrapping_mul(b) } else { a.wrapping_add(b) };
                i += 1;
            }
        }
    }
}

/// bool reductions on 0/1 bytes: sum and prod wrap mod 256 like a Uint8Array store; max is any, min is all.
unsafe fn reduce_u8(op: ReduceOp, x: *const u8, out: *mut u8, outer: usize, size: usize, inner: usize) {
    let init: u8 = if op == ReduceOp::Sum { 0 } else { 1 };
    let from_first = matches!(op, ReduceOp::Max | ReduceOp::Min);
    for o in 0..outer {
        let (src, dst) = (x.add(o * size * inner), out.add(o * inner));
        for i in 0..inner {
            *dst.add(i) = if from_first && size > 0 { *src.add(i) } else { init };
        }
        for s in 0..size {
            for i in 0..inner {
                let (a, b) = (*dst.add(i), *src.add(s * inner + i));
                *dst.add(i) = match op {
                    ReduceOp::Sum => a.wrapping_add(b),
                    ReduceOp::Prod => a.wrapping_mul(b),
                    ReduceOp::Max => a.max(b),
                    ReduceOp::Min => a.min(b),
                };
            }
        }
    }
}

/// Elements per part of a long row (inner = 1). NOTE: a row of more than `PART` elements is reduced as
/// `fold(...fold(fold(part 0, part 1), part 2)..., part k)`, the whole-call kernel and the split one alike:
/// the parts sit at shape-fixed boundaries and are combined in a fixed order, so the thread count that
/// computed them never changes the bits. float32 sum folds the parts' double sums and rounds once (the
/// same summation bound as one pass); max/min and int32 sum are exact in any order.
pub const PART: usize = 32768;

/// Whether rows of `size` elements (inner = 1) are reduced by parts: float32 and int32 sum, max and min
/// (product and bool stay one sequential pass).
pub fn by_parts(dtype: u32, op: u32, size: usize) -> bool {
    dtype != 2 && op != ReduceOp::Prod as u32 && size > PART
}

/// The value of one part (`len >= 1` contiguous elements) in 64 bits: the double sum of a float32 sum,
/// else the 32-bit result.
pub unsafe fn part_value(dtype: u32, op: u32, x: *const u8, len: usize) -> u64 {
    let xu = x as *const u32;
    match (dtype, ReduceOp::from_u32(op)) {
        (0, ReduceOp::Sum) => row_sum_f64(x as *const f32, len).to_bits(),
        (0, ReduceOp::Max) => row_minmax(xu, len, &|a, b| f32x4_max(a, b)) as u64,
        (0, ReduceOp::Min) => row_minmax(xu, len, &|a, b| f32x4_min(a, b)) as u64,
        (1, ReduceOp::Max) => row_minmax(xu, len, &|a, b| i32x4_max(a, b)) as u64,
        (1, ReduceOp::Min) => row_minmax(xu, len, &|a, b| i32x4_min(a, b)) as u64,
        (1, ReduceOp::Sum) => {
            let mut r = 0u32;
            sum_prod_i32(xu, &mut r, 1, len, 1, false);
            r as u64
        }
        _ => core::arch::wasm32::unreachable(),
    }
}

/// `acc` combined with the next part's value `p` (both from `part_value` or an earlier `fold`).
pub fn fold(dtype: u32, op: u32, acc: u64, p: u64) -> u64 {
    let lane = |f: fn(v128, v128) -> v128| i32x4_extract_lane::<0>(f(u32x4_splat(acc as u32), u32x4_splat(p as u32))) as u32 as u64;
    match (dtype, ReduceOp::from_u32(op)) {
        (0, ReduceOp::Sum) => (f64::from_bits(acc) + f64::from_bits(p)).to_bits(),
        (1, ReduceOp::Sum) => (acc as u32).wrapping_add(p as u32) as u64,
        (0, ReduceOp::Max) => lane(f32x4_max),
        (0, ReduceOp::Min) => lane(f32x4_min),
        (1, ReduceOp::Max) => lane(i32x4_max),
        (1, ReduceOp::Min) => lane(i32x4_min),
        _ => core::arch::wasm32::unreachable(),
    }
}

/// Stores a row's folded value: a float32 sum rounds its double once.
unsafe fn store(dtype: u32, op: u32, acc: u64, out: *mut u32) {
    *out = if dtype == 0 && op == ReduceOp::Sum as u32 { (f64::from_bits(acc) as f32).to_bits() } else { acc as u32 };
}

/// Combines the part values `partials[o·parts + p]` of `outer` rows of `size` elements (`by_parts`) into
/// `out[o]`, in part order.
pub unsafe fn combine_parts(dtype: u32, op: u32, partials: *const u64, out: *mut u32, outer: usize, size: usize) {
    let parts = size.div_ceil(PART);
    for o in 0..outer {
        let row = partials.add(o * parts);
        let acc = (1..parts).fold(*row, |acc, p| fold(dtype, op, acc, *row.add(p)));
        store(dtype, op, acc, out.add(o));
    }
}

/// Part values `lo..hi` of the flattened `[outer, parts]` grid into `partials` (one task of a split reduction).
pub unsafe fn parts_range(dtype: u32, op: u32, x: *const u8, partials: *mut u64, size: usize, lo: usize, hi: usize) {
    let parts = size.div_ceil(PART);
    for u in lo..hi {
        let (o, p) = (u / parts, u % parts);
        let len = PART.min(size - p * PART);
        *partials.add(u) = part_value(dtype, op, x.add(4 * (o * size + p * PART)), len);
    }
}

/// `out[o, i] = op over s of x[o, s, i]`; dtype 0 float32, 1 int32, 2 bool; op codes in crate/src/ops.rs
/// (an unknown code traps).
pub unsafe fn reduce(dtype: u32, op: u32, x: *const u8, out: *mut u8, outer: usize, size: usize, inner: usize) {
    let (xu, ou) = (x as *const u32, out as *mut u32);
    let op = ReduceOp::from_u32(op);
    macro_rules! mm {
        ($f:expr) => {
            if inner == 1 {
                for o in 0..outer {
                    *ou.add(o) = row_minmax(xu.add(o * size), size, &$f);
                }
            } else {
                vertical_minmax(xu, ou, outer, size, inner, &$f)
            }
        };
    }
    let code = op as u32;
    if inner == 1 && by_parts(dtype, code, size) {
        for o in 0..outer {
            let row = x.add(4 * o * size);
            let mut acc = part_value(dtype, code, row, PART);
            for p in 1..size.div_ceil(PART) {
                acc = fold(dtype, code, acc, part_value(dtype, code, row.add(4 * p * PART), PART.min(size - p * PART)));
            }
            store(dtype, code, acc, ou.add(o));
        }
        return;
    }
    match (dtype, op) {
        (2, _) => reduce_u8(op, x, out, outer, size, inner),
        (0, ReduceOp::Sum | ReduceOp::Prod) => {
            sum_prod_f32(x as *const f32, out as *mut f32, outer, size, inner, op == ReduceOp::Prod)
        }
        (_, ReduceOp::Sum | ReduceOp::Prod) => sum_prod_i32(xu, ou, outer, size, inner, op == ReduceOp::Prod),
        (0, ReduceOp::Max) => mm!(|a, b| f32x4_max(a, b)),
        (0, ReduceOp::Min) => mm!(|a, b| f32x4_min(a, b)),
        (_, ReduceOp::Max) => mm!(|a, b| i32x4_max(a, b)),
        (_, ReduceOp::Min) => mm!(|a, b| i32x4_min(a, b)),
    }
}
/// Index of the first max (op 0) or min (op 1) along the middle axis; once the best is NaN it stays.
/// NOTE: branch-free (the update is two selects): on random data a compare-and-branch mispredicts about
/// half the time, which made the max pools' argmax over windows of 4 the slowest kernel of the CNN step.
unsafe fn arg_reduce_t<T: Copy + PartialOrd>(max: bool, x: *const T, out: *mut i32, outer: usize, size: usize, inner: usize) {
    #[allow(clippy::eq_op)]
    let nan = |v: T| v != v;
    for o in 0..outer {
        let (src, dst) = (x.add(o * size * inner), out.add(o * inner));
        for i in 0..inner {
            let mut bi = 0u32;
            let mut bv = *src.add(i);
            for s in 1..size {
                let v = *src.add(s * inner + i);
                let better = if max { v > bv } else { v < bv };
                let take = better | (nan(v) & !nan(bv));
                bv = select(take, v, bv);
                bi = select(take, s as u32, bi);
            }
            *dst.add(i) = bi as i32;
        }
    }
}

/// `if take { a } else { b }`, written so that it compiles to a wasm `select`, not a branch.
#[inline(always)]
fn select<T: Copy>(take: bool, a: T, b: T) -> T {
    *[b, a].get(take as usize).unwrap_or(&b)
}

/// The float32 arg-reduction of 4 lanes: `load(s)` gives element `s` of each lane's slice; returns the index
/// per lane, with `arg_reduce_t`'s rule (first best, NaN wins and stays) as masks and bit-selects.
#[inline(always)]
unsafe fn arg_lanes_f32(max: bool, size: usize, load: impl Fn(usize) -> v128) -> v128 {
    let mut bv = load(0);
    let mut bi = i32x4_splat(0);
    for s in 1..size {
        let v = load(s);
        let better = if max { f32x4_gt(v, bv) } else { f32x4_lt(v, bv) };
        let take = v128_or(better, v128_andnot(f32x4_ne(v, v), f32x4_ne(bv, bv)));
        bv = v128_bitselect(v, bv, take);
        bi = v128_bitselect(i32x4_splat(s as i32), bi, take);
    }
    bi
}

/// float32 argmax/argmin, 4 lanes at a time: over 4 rows at once when `inner` is 1 (the pools' windows),
/// else over 4 consecutive `inner` positions (the tail padded). Same results as `arg_reduce_t`.
unsafe fn arg_reduce_f32(max: bool, x: *const u32, out: *mut i32, outer: usize, size: usize, inner: usize) {
    if inner == 1 {
        let mut o = 0;
        while o < outer {
            let lanes = (outer - o).min(4);
            let row = |q: usize| x.add((o + q.min(lanes - 1)) * size);
            let (r0, r1, r2, r3) = (row(0), row(1), row(2), row(3));
            let bi = arg_lanes_f32(max, size, |s| u32x4(*r0.add(s), *r1.add(s), *r2.add(s), *r3.add(s)));
            st_partial(out.add(o) as *mut u32, lanes, bi);
            o += 4;
        }
        return;
    }
    for o in 0..outer {
        let (src, dst) = (x.add(o * size * inner), out.add(o * inner));
        let mut i = 0;
        while i < inner {
            let lanes = (inner - i).min(4);
            let bi = arg_lanes_f32(max, size, |s| ld_partial(src.add(s * inner + i), lanes, 0));
            st_partial(dst.add(i) as *mut u32, lanes, bi);
            i += 4;
        }
    }
}

/// argmax (op 0) / argmin (op 1) into int32; dtype 0 float32, 1 int32, 2 bool.
pub unsafe fn arg_reduce(dtype: u32, op: u32, x: *const u8, out: *mut i32, outer: usize, size: usize, inner: usize) {
    let max = match ArgReduceOp::from_u32(op) {
        ArgReduceOp::Argmax => true,
        ArgReduceOp::Argmin => false,
    };
    match dtype {
        0 => arg_reduce_f32(max, x as *const u32, out, outer, size, inner),
        1 => arg_reduce_t(max, x as *const i32, out, outer, size, inner),
        _ => arg_reduce_t(max, x, out, outer, size, inner),
    }
}
