//! Heap policy of the crate: there is none. Tensor memory is managed by the TypeScript allocator
//! (src/allocator.ts) over linear memory above `__heap_base`, so Rust must never allocate: this global
//! allocator refuses every request, which aborts (a trap) instead of silently sharing pages with TS.

use core::alloc::{GlobalAlloc, Layout};

/// An allocator that always fails.
pub struct NoHeap;

unsafe impl GlobalAlloc for NoHeap {
    unsafe fn alloc(&self, _layout: Layout) -> *mut u8 {
        core::ptr::null_mut()
    }
    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}
