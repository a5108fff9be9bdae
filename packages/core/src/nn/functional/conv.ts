/**
 * Convolutions with PyTorch's semantics and weight layouts: `conv1d`, `conv2d` (weight `[out, in/groups,
 * kH, kW]`) and `convTranspose2d` (weight `[in, out/groups, kH, kW]`). Each is unfold (im2col through the
 * `gather` kernel) and one batched matmul; the transpose is a matmul and fold (col2im, `scatterAdd`).
 * Gradients come from the matmul rule and the unfold/fold adjoints. conv1d is conv2d over a height of 1.
 */
import { withOp } from '../../engine/dispatch.js';
import { ArgumentError, DTypeError, fmtShape, ShapeError } from '../../errors.js';
import { add } from '../../ops/elementwise.js';
import { bmm } from '../../ops/linalg.js';
import { expand, permute, reshape } from '../../ops/movement.js';
import { fold2d, slidingAxis, unfold2d, unfold2dRows, type Window2d } from '../../ops/window.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions, checkTensor, describe } from '../../tensor/validate.js';
import { linear } from './linear.js';
import { checkBatched, type SizeArg, tuple, windowOut } from './window-args.js';

/** Options of `conv1d` and `conv2d`. */
export interface ConvOptions {
  /** Step of the window per dim (default 1). */
  stride?: SizeArg;
  /** Zero padding on both sides per dim, or `'same'` (output size = input size, stride 1) or `'valid'` (none). */
  padding?: SizeArg | 'same' | 'valid';
  /** Spacing between kernel taps per dim (default 1). */
  dilation?: SizeArg;
  /** Split input and output channels into this many independent groups (default 1). */
  groups?: number;
}

/** Options of `convTranspose2d`. */
export interface ConvTransposeOptions {
  /** Step of the window per dim (default 1). */
  stride?: SizeArg;
  /** Trimmed from both sides of the output per dim, as PyTorch's `padding` of a transposed conv (default 0). */
  padding?: SizeArg;
  /** Extra size added on one side of the output per dim, smaller than the stride or dilation (default 0). */
  outputPadding?: SizeArg;
  /** Split input and output channels into this many independent groups (default 1). */
  groups?: number;
  /** Spacing between kernel taps per dim (default 1). */
  dilation?: SizeArg;
}

const CONV_KEYS = ['stride', 'padding', 'dilation', 'groups'];

function checkGroups(op: string, groups: unknown): number {
  if (!Number.isInteger(groups) || (groups as number) < 1)
    throw new ArgumentError(`${op}: groups must be a positive integer, got ${describe(groups)}`);
  return groups as number;
}

function checkWeight(op: string, weight: Tensor): void {
  checkTensor(op, weight, 'weight');
  if (weight.dtype !== 'float32') throw new DTypeError(`${op}: expected a float32 weight, got ${weight.dtype}`);
}

function checkBias(op: string, bias: Tensor | null | undefined, channels: number): void {
  if (bias === undefined || bias === null) return;
  checkTensor(op, bias, 'bias');
  if (bias.ndim !== 1 || bias.shape[0] !== channels)
    throw new ShapeError(`${op}: bias must have shape [${channels}], got ${fmtShape(bias.shape)}`);
}

function addBias(out: Tensor, bias: Tensor | null | undefined): Tensor {
  return bias ? add(out, reshape(bias, [1, bias.shape[0], 1, 1])) : out;
}

/**
 * `out[g] = w[g] · cols[g]` per group: w `[G, O/G, C/G·K]`, cols `[N, G, C/G·K, L]`, giving `[N, O, L]`.
 * NOTE: with groups > 1 the weight is expanded over the batch (one copy of the small weight per sample) so
 * one batched matmul runs; with one group it is broadcast by a zero batch stride.
 */
function groupedProduct(w: Tensor, cols: Tensor, transW: boolean): Tensor {
  const [n, groups, rows, L] = cols.shape;
  const wRows = transW ? w.shape[2] : w.shape[1];
  const b = reshape(cols, [n * groups, rows, L]);
  const a =
    groups === 1
      ? w
      : reshape(expand(reshape(w, [1, ...w.shape]), [n, ...w.shape]), [n * groups, w.shape[1], w.shape[2]]);
  return reshape(bmm(a, b, transW, false), [n, groups * wRows, L]);
}

function conv2dImpl(
  op: string,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  options: ConvOptions | undefined,
  dims: 1 | 2,
): Tensor {
  checkOptions(op, options, CONV_KEYS);
  checkBatched(op, x, dims);
  checkWeight(op, weight);
  if (weight.ndim !== dims + 2)
    throw new ShapeError(
      `${op}: weight must be ${dims + 2}-D [out, in/groups, ...kernel], got ${fmtShape(weight.shape)}`,
    );
  const groups = checkGroups(op, options?.groups ?? 1);
  const [n, c] = x.shape;
  const [o, cg] = weight.shape;
  if (c !== cg * groups || o % groups !== 0) {
    throw new ShapeError(
      `${op}: input ${fmtShape(x.shape)} and weight ${fmtShape(weight.shape)} do not fit with groups=${groups}: need in channels = weight.shape[1]·groups and out channels divisible by groups`,
    );
  }
  checkBias(op, bias, o);
  // Lift 1-d to 2-d with a height of 1.
  const x4 = dims === 1 ? reshape(x, [n, c, 1, x.shape[2]]) : x;
  const w4 = dims === 1 ? reshape(weight, [o, cg, 1, weight.shape[2]]) : weight;
  const lift = (v: number[], fill = 1) => (dims === 1 ? [fill, v[0]] : v);
  const stride = lift(tuple(op, 'stride', options?.stride ?? 1, dims, 1));
  const dilation = lift(tuple(op, 'dilation', options?.dilation ?? 1, dims, 1));
  const kernel = [w4.shape[2], w4.shape[3]];
  const padding = options?.padding ?? 0;
  let before: number[];
  let after: number[];
  if (padding === 'valid') {
    before = [0, 0];
    after = [0, 0];
  } else if (padding === 'same') {
    if (stride.some((s) => s !== 1))
      throw new ArgumentError(`${op}: padding='same' needs stride 1, got ${describe(options?.stride)}`);
    // NOTE: PyTorch puts the odd extra padding of an even kernel after (right/bottom).
    const total = kernel.map((k, i) => dilation[i] * (k - 1));
    before = total.map((t) => Math.floor(t / 2));
    after = total.map((t, i) => t - before[i]);
  } else if (typeof padding === 'string') {
    throw new ArgumentError(`${op}: padding must be a number, a list, 'same' or 'valid', got '${padding}'`);
  } else {
    before = lift(tuple(op, 'padding', padding, dims, 0), 0);
    after = before;
  }
  const [h, w] = [x4.shape[2], x4.shape[3]];
  const outH = windowOut(op, x, h, kernel[0], stride[0], before[0] + after[0], dilation[0]);
  const outW = windowOut(op, x, w, kernel[1], stride[1], before[1] + after[1], dilation[1]);
  const geom: Window2d = {
    rows: slidingAxis(h, outH, kernel[0], stride[0], before[0], dilation[0]),
    cols: slidingAxis(w, outW, kernel[1], stride[1], before[1], dilation[1]),
  };
  const K = kernel[0] * kernel[1];
  if (groups === 1) {
    // One product over the whole batch, `[N·L, C·K]·[O, C·K]ᵀ + bias`, then the `[N, O, L]` layout.
    const rows = linear(unfold2dRows(x4, geom), reshape(w4, [o, cg * K]), bias);
    const out = reshape(permute(reshape(rows, [n, outH * outW, o]), [0, 2, 1]), [n, o, outH, outW]);
    return dims === 1 ? reshape(out, [n, o, outW]) : out;
  }
  const cols = reshape(unfold2d(x4, geom, 0), [n, groups, (c / groups) * K, outH * outW]);
  const product = groupedProduct(reshape(w4, [groups, o / groups, cg * K]), cols, false);
  const out = addBias(reshape(product, [n, o, outH, outW]), bias);
  return dims === 1 ? reshape(out, [n, o, outW]) : out;
}

/** 2-D convolution (cross-correlation, as PyTorch) of x `[N, C, H, W]` with weight `[out, C/groups, kH, kW]`. */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options?: ConvOptions): Tensor {
  return withOp('conv2d', () => conv2dImpl('conv2d', x, weight, bias, options, 2));
}

/** 1-D convolution of x `[N, C, L]` with weight `[out, C/groups, k]`. */
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, options?: ConvOptions): Tensor {
  return withOp('conv1d', () => conv2dImpl('conv1d', x, weight, bias, options, 1));
}

/**
 * Transposed 2-D convolution (the gradient of conv2d with respect to its input) of x `[N, C, H, W]` with
 * weight `[C, out/groups, kH, kW]`. Output size per dim: `(in - 1)·stride - 2·padding + dilation·(k - 1) +
 * outputPadding + 1`.
 */
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options?: ConvTransposeOptions,
): Tensor {
  const op = 'convTranspose2d';
  return withOp(op, () => {
    checkOptions(op, options, ['stride', 'padding', 'outputPadding', 'groups', 'dilation']);
    checkBatched(op, x, 2);
    checkWeight(op, weight);
    if (weight.ndim !== 4)
      throw new ShapeError(`${op}: weight must be 4-D [in, out/groups, kH, kW], got ${fmtShape(weight.shape)}`);
    const groups = checkGroups(op, options?.groups ?? 1);
    const [n, c, h, w] = x.shape;
    const [ci, og, kH, kW] = weight.shape;
    if (ci !== c || c % groups !== 0) {
      throw new ShapeError(
        `${op}: input ${fmtShape(x.shape)} and weight ${fmtShape(weight.shape)} do not fit with groups=${groups}: need weight.shape[0] = in channels, divisible by groups`,
      );
    }
    const o = og * groups;
    checkBias(op, bias, o);
    const stride = tuple(op, 'stride', options?.stride ?? 1, 2, 1);
    const padding = tuple(op, 'padding', options?.padding ?? 0, 2, 0);
    const outPad = tuple(op, 'outputPadding', options?.outputPadding ?? 0, 2, 0);
    const dilation = tuple(op, 'dilation', options?.dilation ?? 1, 2, 1);
    if (outPad.some((p, i) => p >= stride[i] && p >= dilation[i])) {
      throw new ArgumentError(
        `${op}: outputPadding ${describe(options?.outputPadding)} must be smaller than the stride or the dilation`,
      );
    }
    const size = [h, w].map(
      (s, i) => (s - 1) * stride[i] - 2 * padding[i] + dilation[i] * ([kH, kW][i] - 1) + outPad[i] + 1,
    );
    if (size.some((s) => s < 1))
      throw new ShapeError(`${op}: input ${fmtShape(x.shape)} gives an empty output (padding too large)`);
    // The output plane is the input of the conv2d this op is the adjoint of; that conv's output is x's plane.
    const geom: Window2d = {
      rows: slidingAxis(size[0], h, kH, stride[0], padding[0], dilation[0]),
      cols: slidingAxis(size[1], w, kW, stride[1], padding[1], dilation[1]),
    };
    const K = kH * kW;
    const xs = reshape(x, [n, groups, c / groups, h * w]);
    const cols = groupedProduct(reshape(weight, [groups, c / groups, og * K]), xs, true);
    const out = fold2d(reshape(cols, [n, o, K, h * w]), geom);
    return addBias(out, bias);
  });
}
