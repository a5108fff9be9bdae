//! Data movement: strided copy (every view materializes through it), fill, gather and scatterAdd.
//! Generic over the element type (4-byte lanes for float32/int32, bytes for bool).

use super::nd::for_rows;

/// `out[out_off + i·out_strides] = x[x_off + i·x_strides]` for every index `i` of `shape` (rank >= 1).
pub unsafe fn copy_strided<T: Copy>(x: *const T, x_off: isize, xs: *const i32, out: *mut T, out_off: isize, os: *const i32, rank: usize, shape: *const i32) {
    for_rows(rank, shape, [xs, os], [x_off, out_off], |_, off, len, ist| {
        let (src, dst) = (x.offset(off[0]), out.offset(off[1]));
        if ist == [1, 1] {
            core::ptr::copy_nonoverlapping(src, dst, len);
        } else if ist[0] == 0 {
            let v = *src;
            for i in 0..len as isize {
                *dst.offset(i * ist[1]) = v;
            }
        } else {
            for i in 0..len as isize {
                *dst.offset(i * ist[1]) = *src.offset(i * ist[0]);
            }
        }
    })
}

/// A batch of 2-D transposes of 32-bit elements: `out[b·ob + r·ors + c] = x[b·xb + c·xcs + r]` for `b < nb`,
/// `r < rows`, `c < cols` (x contiguous along r, out along c: the permute of a convolution's `[N, L, O]`
/// product to `[N, O, L]`). 4x4 blocks are loaded as 4 vectors and transposed with shuffles; a strided
/// element-by-element copy visits one cache line per element.
pub unsafe fn transpose_batch(x: *const u32, xb: isize, xcs: isize, out: *mut u32, ob: isize, ors: isize, nb: usize, rows: usize, cols: usize) {
    use crate::simd::{ld, st};
    use core::arch::wasm32::*;
    for b in 0..nb as isize {
        let (src, dst) = (x.offset(b * xb), out.offset(b * ob));
        let at = |r: usize, c: usize| (src.offset(c as isize * xcs + r as isize), dst.offset(r as isize * ors + c as isize));
        let mut r = 0;
        while r + 4 <= rows {
            let mut c = 0;
            while c + 4 <= cols {
                let v = [0, 1, 2, 3].map(|q| ld(at(r, c + q).0));
                let t0 = i32x4_shuffle::<0, 4, 1, 5>(v[0], v[1]);
                let t1 = i32x4_shuffle::<2, 6, 3, 7>(v[0], v[1]);
                let t2 = i32x4_shuffle::<0, 4, 1, 5>(v[2], v[3]);
                let t3 = i32x4_shuffle::<2, 6, 3, 7>(v[2], v[3]);
                st(at(r, c).1, i32x4_shuffle::<0, 1, 4, 5>(t0, t2));
                st(at(r + 1, c).1, i32x4_shuffle::<2, 3, 6, 7>(t0, t2));
                st(at(r + 2, c).1, i32x4_shuffle::<0, 1, 4, 5>(t1, t3));
                st(at(r + 3, c).1, i32x4_shuffle::<2, 3, 6, 7>(t1, t3));
                c += 4;
            }
            for c in c..cols {
                for p in 0..4 {
                    let (s, d) = at(r + p, c);
                    *d = *s;
                }
            }
            r += 4;
        }
        for r in r..rows {
            for c in 0..cols {
                let (s, d) = at(r, c);
                *d = *s;
            }
        }
    }
}

/// `out[0..n) = v`.
pub unsafe fn fill<T: Copy>(out: *mut T, n: usize, v: T) {
    for i in 0..n {
        *out.add(i) = v;
    }
}

/// Index offset of `(o, c, i)` with strides `s`.
#[inline(always)]
unsafe fn idx_at(index: *const i32, s: *const i32, o: usize, c: usize, i: usize) -> usize {
    let off = o as isize * *s as isize + c as isize * *s.add(1) as isize + i as isize * *s.add(2) as isize;
    *index.offset(off) as usize
}

/// `out[o, c, i] = x[o, index[o·s0 + c·s1 + i·s2], i]`; out is `[outer, count, inner]`.
pub unsafe fn gather<T: Copy>(x: *const T, index: *const i32, s: *const i32, out: *mut T, outer: usize, size: usize, inner: usize, count: usize) {
    gather_rows(x, index, s, out, size, inner, count, 0, outer * count)
}

/// The output rows `lo..hi` of `gather`, a row being one `(o, c)` of `inner` elements (rows are
/// independent copies, so any split of them gives the same bits).
pub unsafe fn gather_rows<T: Copy>(x: *const T, index: *const i32, s: *const i32, out: *mut T, size: usize, inner: usize, count: usize, lo: usize, hi: usize) {
    if inner == 1 {
        // NOTE: the unfold of convolution and pooling (one element per row): a plain indexed load per
        // element, walked one outer row at a time (a one-element copy call per element cost 3-4x).
        let (s0, s1) = (*s as isize, *s.add(1) as isize);
        if count == 1 {
            // The max pools' pick of each window's argmax: one element per outer row.
            for o in lo..hi {
                *out.add(o) = *x.add(o * size + *index.offset(o as isize * s0) as usize);
            }
            return;
        }
        let mut r = lo;
        while r < hi {
            let (o, c0) = (r / count, r % count);
            let c1 = count.min(c0 + (hi - r));
            let (src, idx, dst) = (x.add(o * size), index.offset(o as isize * s0), out.add(o * count));
            for c in c0..c1 {
                *dst.add(c) = *src.add(*idx.offset(c as isize * s1) as usize);
            }
            r += c1 - c0;
        }
        return;
    }
    let row_const = *s.add(2) == 0;
    for r in lo..hi {
        let (o, c) = (r / count, r % count);
        let dst = out.add(r * inner);
        if row_const {
            let k = idx_at(index, s, o, c, 0);
            core::ptr::copy_nonoverlapping(x.add((o * size + k) * inner), dst, inner);
        } else {
            for i in 0..inner {
                let k = idx_at(index, s, o, c, i);
                *dst.add(i) = *x.add((o * size + k) * inner + i);
            }
        }
    }
}

/// `out[o, index[o·s0 + c·s1 + i·s2], i] += src[o, c, i]`, in (o, c, i) order like the reference.
pub unsafe fn scatter_add<T: Copy>(src: *const T, index: *const i32, s: *const i32, out: *mut T, outer: usize, size: usize, inner: usize, count: usize, add: impl Fn(T, T) -> T) {
    scatter_add_block(src, index, s, out, size, inner, count, (0, outer), (0, inner), add)
}

/// The part of `scatter_add` for outer rows `o.0..o.1` and columns `i.0..i.1`. NOTE: such a block writes
/// only `out[o.0..o.1, :, i.0..i.1]`, so blocks run on different threads never touch the same element, and
/// each element still receives its terms in increasing `c`, the order of the whole call: same bits.
pub unsafe fn scatter_add_block<T: Copy>(src: *const T, index: *const i32, s: *const i32, out: *mut T, size: usize, inner: usize, count: usize, o: (usize, usize), i: (usize, usize), add: impl Fn(T, T) -> T) {
    if inner == 1 {
        // The fold of convolution: one element per row, the same (o, c) order as below.
        let (s0, s1) = (*s as isize, *s.add(1) as isize);
        for o in o.0..o.1 {
            let (from, idx, dst) = (src.add(o * count), index.offset(o as isize * s0), out.add(o * size));
            for c in 0..count {
                let d = dst.add(*idx.offset(c as isize * s1) as usize);
                *d = add(*d, *from.add(c));
            }
        }
        return;
    }
    for o in o.0..o.1 {
        for c in 0..count {
            let from = src.add((o * count + c) * inner);
            for i in i.0..i.1 {
                let k = idx_at(index, s, o, c, i);
                let dst = out.add((o * size + k) * inner + i);
                *dst = add(*dst, *from.add(i));
            }
        }
    }
}
