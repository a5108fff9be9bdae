/**
 * Argument checks and size arithmetic shared by convolution and pooling: a size given as a number or a
 * pair (PyTorch's `_pair`), input ranks, and the output length of a sliding window.
 */
import { ArgumentError, DTypeError, fmtShape, ShapeError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkTensor, describe } from '../../tensor/validate.js';

/** A spatial size per dim: one number for all dims, or one per dim. */
export type SizeArg = number | readonly number[];

/** `value` as `dims` integers >= `min`; an error names the op and the argument. */
export function tuple(op: string, name: string, value: SizeArg, dims: number, min: number): number[] {
  const list = typeof value === 'number' ? Array(dims).fill(value) : [...value];
  if (list.length !== dims || list.some((v) => !Number.isInteger(v) || v < min)) {
    throw new ArgumentError(`${op}: ${name} must be an integer >= ${min} or ${dims} of them, got ${describe(value)}`);
  }
  return list;
}

/** Checks x is a float32 `[N, C, ...spatial]` tensor of `2 + dims` dims (the batch is required). */
export function checkBatched(op: string, x: Tensor, dims: number): void {
  checkTensor(op, x, 'input');
  if (x.dtype !== 'float32') throw new DTypeError(`${op}: expected a float32 input, got ${x.dtype}`);
  if (x.ndim !== dims + 2) {
    const layout = dims === 1 ? '[N, C, L]' : '[N, C, H, W]';
    throw new ShapeError(`${op}: input must be ${dims + 2}-D ${layout}, got ${fmtShape(x.shape)}`);
  }
}

/** Output length of a window `kernel` dilated by `dilation`, moved by `stride` over `size + padTotal`. */
export function windowOut(
  op: string,
  x: Tensor,
  size: number,
  kernel: number,
  stride: number,
  padTotal: number,
  dilation: number,
  ceilMode = false,
  padBefore = 0,
): number {
  const span = dilation * (kernel - 1) + 1;
  const room = size + padTotal - span;
  if (room < 0) {
    throw new ShapeError(
      `${op}: input ${fmtShape(x.shape)} is smaller than the window (${span} with dilation, after padding ${padTotal})`,
    );
  }
  let out = (ceilMode ? Math.ceil(room / stride) : Math.floor(room / stride)) + 1;
  // NOTE: PyTorch drops a last window that would start in the right padding.
  if (ceilMode && (out - 1) * stride >= size + padBefore) out--;
  return out;
}
