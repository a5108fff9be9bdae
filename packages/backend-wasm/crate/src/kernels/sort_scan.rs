//! `scan` (inclusive running sum or product along the middle axis of `[outer, size, inner]`) and `argsort`
//! (the stable sorting permutation of each contiguous row). The sort runs in place over the output row with
//! `sort_unstable_by` (no heap here), which gives the stable order because ties compare by position.

use core::cmp::Ordering;

/// `out[o, s, i] = x[o, 0, i] op ... op x[o, s, i]`, accumulated in order with `step`.
pub unsafe fn scan<T: Copy>(x: *const T, out: *mut T, outer: usize, size: usize, inner: usize, init: T, step: impl Fn(T, T) -> T) {
    for o in 0..outer {
        for i in 0..inner {
            let mut acc = init;
            for s in 0..size {
                let at = (o * size + s) * inner + i;
                acc = step(acc, *x.add(at));
                *out.add(at) = acc;
            }
        }
    }
}

/// The contract's order of two float32 values: NaN above every number, -0 equal to 0.
#[inline]
fn cmp_f32(a: f32, b: f32) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

/// Positions of each row of `x` (`rows x cols`) in sorted order into `out`; ties keep increasing positions.
unsafe fn argsort_by<T: Copy>(x: *const T, out: *mut i32, rows: usize, cols: usize, descending: bool, cmp: impl Fn(T, T) -> Ordering) {
    for r in 0..rows {
        let row = core::slice::from_raw_parts_mut(out.add(r * cols), cols);
        for (c, slot) in row.iter_mut().enumerate() {
            *slot = c as i32;
        }
        let base = x.add(r * cols);
        row.sort_unstable_by(|&a, &b| {
            let o = cmp(*base.add(a as usize), *base.add(b as usize));
            let o = if descending { o.reverse() } else { o };
            o.then(a.cmp(&b))
        });
    }
}

/// argsort of float32 (`dtype` 0) or int32 (1) rows.
pub unsafe fn argsort(dtype: u32, x: *const u8, out: *mut i32, rows: usize, cols: usize, descending: bool) {
    if dtype == 0 {
        argsort_by(x as *const f32, out, rows, cols, descending, cmp_f32)
    } else {
        argsort_by(x as *const i32, out, rows, cols, descending, |a: i32, b: i32| a.cmp(&b))
    }
}
