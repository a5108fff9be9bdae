/**
 * `unfold` (im2col) and `fold` (col2im) with PyTorch's `F.unfold`/`F.fold` layout: columns `[N, C·kH·kW, L]`,
 * channel-major then kernel offset, `L` output positions in row-major order. They are the window primitive
 * every convolution and pool here is built on (ops/window.ts), exposed; each is the other's gradient.
 */
import { withOp } from '../../engine/dispatch.js';
import { fmtShape, ShapeError } from '../../errors.js';
import { reshape } from '../../ops/movement.js';
import { fold2d, slidingAxis, unfold2d, type Window2d } from '../../ops/window.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions, checkTensor } from '../../tensor/validate.js';
import { checkBatched, type SizeArg, tuple, windowOut } from './window-args.js';

/** Options of `unfold` and `fold`. */
export interface UnfoldOptions {
  /** Spacing between kernel taps per dim (default 1). */
  dilation?: SizeArg;
  /** Zero padding on both sides per dim (default 0). */
  padding?: SizeArg;
  /** Step of the window per dim (default 1). */
  stride?: SizeArg;
}

function geometry(op: string, x: Tensor, size: number[], kernelSize: SizeArg, options: UnfoldOptions | undefined) {
  checkOptions(op, options, ['dilation', 'padding', 'stride']);
  const kernel = tuple(op, 'kernelSize', kernelSize, 2, 1);
  const dilation = tuple(op, 'dilation', options?.dilation ?? 1, 2, 1);
  const padding = tuple(op, 'padding', options?.padding ?? 0, 2, 0);
  const stride = tuple(op, 'stride', options?.stride ?? 1, 2, 1);
  const out = size.map((s, i) => windowOut(op, x, s, kernel[i], stride[i], 2 * padding[i], dilation[i]));
  const geom: Window2d = {
    rows: slidingAxis(size[0], out[0], kernel[0], stride[0], padding[0], dilation[0]),
    cols: slidingAxis(size[1], out[1], kernel[1], stride[1], padding[1], dilation[1]),
  };
  return { geom, taps: kernel[0] * kernel[1], L: out[0] * out[1] };
}

/** Every sliding window of x `[N, C, H, W]` as columns: `[N, C·kH·kW, L]` (PyTorch's `F.unfold`). */
export function unfold(x: Tensor, kernelSize: SizeArg, options?: UnfoldOptions): Tensor {
  return withOp('unfold', () => {
    checkBatched('unfold', x, 2);
    const [n, c, h, w] = x.shape;
    const { geom, taps, L } = geometry('unfold', x, [h, w], kernelSize, options);
    return reshape(unfold2d(x, geom, 0), [n, c * taps, L]);
  });
}

/**
 * Sums columns `[N, C·kH·kW, L]` back into `[N, C, ...outputSize]` (PyTorch's `F.fold`, the adjoint of
 * `unfold`): overlapping windows add up.
 */
export function fold(x: Tensor, outputSize: SizeArg, kernelSize: SizeArg, options?: UnfoldOptions): Tensor {
  return withOp('fold', () => {
    checkTensor('fold', x, 'input');
    const size = tuple('fold', 'outputSize', outputSize, 2, 1);
    if (x.ndim !== 3) throw new ShapeError(`fold: input must be 3-D [N, C·kH·kW, L], got ${fmtShape(x.shape)}`);
    const { geom, taps, L } = geometry('fold', x, size, kernelSize, options);
    const [n, ck, l] = x.shape;
    if (ck % taps !== 0 || l !== L) {
      throw new ShapeError(
        `fold: input ${fmtShape(x.shape)} does not fit: need dim 1 divisible by kH·kW = ${taps} and dim 2 = ${L} windows for output ${fmtShape(size)}`,
      );
    }
    return fold2d(reshape(x, [n, ck / taps, taps, L]), geom);
  });
}
