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
    gather_rows(x, index, s, out, 0, outer, size, inner, count)
}

/// `gather` over the outer rows `[lo, hi)` only (a task of the threaded backend: rows write disjoint output).
pub unsafe fn gather_rows<T: Copy>(x: *const T, index: *const i32, s: *const i32, out: *mut T, lo: usize, hi: usize, size: usize, inner: usize, count: usize) {
    let row_const = *s.add(2) == 0;
    for o in lo..hi {
        if inner == 1 {
            // NOTE: the im2col and pooling shape (one element per index): a plain loop, no copy call per element.
            let (xs, os, s1) = (x.add(o * size), out.add(o * count), *s.add(1) as isize);
            let ix = index.offset(o as isize * *s as isize);
            for c in 0..count {
                *os.add(c) = *xs.add(*ix.offset(c as isize * s1) as usize);
            }
            continue;
        }
        for c in 0..count {
            let dst = out.add((o * count + c) * inner);
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
}

/// `out[o, index[o·s0 + c·s1 + i·s2], i] += src[o, c, i]`, in (o, c, i) order like the reference.
pub unsafe fn scatter_add<T: Copy>(src: *const T, index: *const i32, s: *const i32, out: *mut T, outer: usize, size: usize, inner: usize, count: usize, add: impl Fn(T, T) -> T) {
    scatter_add_rows(src, index, s, out, 0, outer, size, inner, count, add)
}

/// `scatter_add` over the outer rows `[lo, hi)` only: row `o` adds into `out[o]` alone, in the same order.
pub unsafe fn scatter_add_rows<T: Copy>(src: *const T, index: *const i32, s: *const i32, out: *mut T, lo: usize, hi: usize, size: usize, inner: usize, count: usize, add: impl Fn(T, T) -> T) {
    for o in lo..hi {
        if inner == 1 {
            let (from, dst, s1) = (src.add(o * count), out.add(o * size), *s.add(1) as isize);
            let ix = index.offset(o as isize * *s as isize);
            for c in 0..count {
                let d = dst.add(*ix.offset(c as isize * s1) as usize);
                *d = add(*d, *from.add(c));
            }
            continue;
        }
        for c in 0..count {
            let from = src.add((o * count + c) * inner);
            for i in 0..inner {
                let k = idx_at(index, s, o, c, i);
                let dst = out.add((o * size + k) * inner + i);
                *dst = add(*dst, *from.add(i));
            }
        }
    }
}
