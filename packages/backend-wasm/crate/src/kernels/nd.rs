//! The row iterator behind every broadcast and strided kernel: walks the rows (last dimension) of a
//! shape and gives each operand's element offset at the row start, so the kernel only writes the row loop.

/// Highest rank the strided kernels accept (the TypeScript side checks it).
pub const MAX_RANK: usize = 16;

/// Calls `row(row_index, offsets, len, inner_strides)` for every row of `shape` (rank >= 1), in row-major
/// order. `strides[k]` are operand k's strides in elements; offsets start at `base[k]`.
#[inline(always)]
pub unsafe fn for_rows<const K: usize>(
    rank: usize,
    shape: *const i32,
    strides: [*const i32; K],
    base: [isize; K],
    mut row: impl FnMut(usize, [isize; K], usize, [isize; K]),
) {
    let inner = *shape.add(rank - 1) as usize;
    let mut inner_st = [0isize; K];
    for k in 0..K {
        inner_st[k] = *strides[k].add(rank - 1) as isize;
    }
    let mut rows = 1usize;
    for d in 0..rank - 1 {
        rows *= *shape.add(d) as usize;
    }
    if inner == 0 || rows == 0 {
        return;
    }
    let mut idx = [0usize; MAX_RANK];
    let mut off = base;
    for r in 0..rows {
        row(r, off, inner, inner_st);
        let mut d = rank - 1;
        while d > 0 {
            d -= 1;
            let i = idx.get_unchecked_mut(d);
            *i += 1;
            for k in 0..K {
                off[k] += *strides[k].add(d) as isize;
            }
            if *i < *shape.add(d) as usize {
                break;
            }
            for k in 0..K {
                off[k] -= *strides[k].add(d) as isize * *i as isize;
            }
            *i = 0;
        }
    }
}
