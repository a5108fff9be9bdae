//! The kernels, as safe-to-call-from-the-shims functions over raw pointers into linear memory.
//! Pointers are byte offsets checked by the TypeScript side; nothing here allocates.

pub mod box_transform;
pub mod elementwise;
pub mod lstm;
pub mod matmul;
pub mod movement;
pub mod nd;
pub mod optim;
pub mod projections;
pub mod reduce;
pub mod simplex;
pub mod softmax;
pub mod sort_scan;
