/**
 * Pooling with PyTorch's semantics: `maxPool1d/2d` (padding reads -inf, dilation, ceilMode, the flat
 * argmax `returnIndices` gives), `avgPool1d/2d` (countIncludePad, ceilMode) and `adaptiveAvgPool2d`.
 * Each is unfold (the `gather` kernel) and a reduction over the window taps; gradients flow through the
 * unfold adjoint (`scatterAdd`). maxPool picks the first maximum of each window (argmax, then a gather of
 * it), so its gradient goes to one element per window, as PyTorch's does. 1-d pools are 2-d over a height of 1.
 */
import { withOp } from '../../engine/dispatch.js';
import { ArgumentError, fmtShape, ShapeError } from '../../errors.js';
import { add, div, mul } from '../../ops/elementwise.js';
import { reshape } from '../../ops/movement.js';
import { argmax, sum } from '../../ops/reduce.js';
import {
  adaptiveAxis,
  type GatherPlan,
  slidingAxis,
  tapCounts,
  unfold2d,
  unfoldBy,
  type Window2d,
} from '../../ops/window.js';
import { arange, tensor } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions, describe } from '../../tensor/validate.js';
import { checkBatched, type SizeArg, tuple, windowOut } from './window-args.js';

/** Options of `maxPool1d` and `maxPool2d`. */
export interface MaxPoolOptions {
  /** Step of the window per dim (default: the kernel size). */
  stride?: SizeArg | null;
  /** Implicit -inf padding on both sides per dim, at most half the kernel (default 0). */
  padding?: SizeArg;
  /** Spacing between window taps per dim (default 1). */
  dilation?: SizeArg;
  /** Round the output size up, keeping a last partial window that starts inside the input (default false). */
  ceilMode?: boolean;
}

/** Options of `avgPool1d` and `avgPool2d`. */
export interface AvgPoolOptions {
  /** Step of the window per dim (default: the kernel size). */
  stride?: SizeArg | null;
  /** Implicit zero padding on both sides per dim, at most half the kernel (default 0). */
  padding?: SizeArg;
  /** Round the output size up (default false). */
  ceilMode?: boolean;
  /** Count padding taps in the divisor (default true); taps past the end in ceil mode never count. */
  countIncludePad?: boolean;
}

interface PoolGeometry {
  geom: Window2d;
  outH: number;
  outW: number;
  stride: number[];
  padding: number[];
  kernel: number[];
}

function geometry(
  op: string,
  x: Tensor,
  dims: 1 | 2,
  kernelSize: SizeArg,
  options: MaxPoolOptions | AvgPoolOptions | undefined,
  dilationArg: SizeArg,
): PoolGeometry {
  const lift = (v: number[], fill: number) => (dims === 1 ? [fill, v[0]] : v);
  const kernel = lift(tuple(op, 'kernelSize', kernelSize, dims, 1), 1);
  const stride =
    options?.stride === undefined || options.stride === null
      ? kernel
      : lift(tuple(op, 'stride', options.stride, dims, 1), 1);
  const padding = lift(tuple(op, 'padding', options?.padding ?? 0, dims, 0), 0);
  const dilation = lift(tuple(op, 'dilation', dilationArg, dims, 1), 1);
  if (padding.some((p, i) => p > kernel[i] / 2)) {
    throw new ArgumentError(
      `${op}: padding ${describe(options?.padding)} must be at most half the kernel size ${describe(kernelSize)}`,
    );
  }
  const ceil = options?.ceilMode ?? false;
  if (typeof ceil !== 'boolean') throw new ArgumentError(`${op}: ceilMode must be a boolean, got ${describe(ceil)}`);
  const h = x.shape[2];
  const w = x.shape[3];
  const outH = windowOut(op, x, h, kernel[0], stride[0], 2 * padding[0], dilation[0], ceil, padding[0]);
  const outW = windowOut(op, x, w, kernel[1], stride[1], 2 * padding[1], dilation[1], ceil, padding[1]);
  const geom: Window2d = {
    rows: slidingAxis(h, outH, kernel[0], stride[0], padding[0], dilation[0]),
    cols: slidingAxis(w, outW, kernel[1], stride[1], padding[1], dilation[1]),
  };
  return { geom, outH, outW, stride, padding, kernel };
}

function lift4(op: string, x: Tensor, dims: 1 | 2): Tensor {
  checkBatched(op, x, dims);
  return dims === 1 ? reshape(x, [x.shape[0], x.shape[1], 1, x.shape[2]]) : x;
}

function finish(t: Tensor, n: number, c: number, outH: number, outW: number, dims: 1 | 2): Tensor {
  return reshape(t, dims === 1 ? [n, c, outW] : [n, c, outH, outW]);
}

/**
 * Max over each window: `[values, indices]` when `returnIndices`, the indices (int32) flat over each input
 * plane (`h·W + w`), as PyTorch's.
 */
function maxPool(
  op: string,
  x: Tensor,
  kernelSize: SizeArg,
  options: (MaxPoolOptions & { returnIndices?: boolean }) | undefined,
  dims: 1 | 2,
): Tensor | [Tensor, Tensor] {
  checkOptions(op, options, ['stride', 'padding', 'dilation', 'ceilMode', 'returnIndices']);
  const x4 = lift4(op, x, dims);
  const [n, c] = x4.shape;
  const { geom, outH, outW } = geometry(op, x4, dims, kernelSize, options, options?.dilation ?? 1);
  const taps = geom.rows.taps * geom.cols.taps;
  const L = outH * outW;
  const cols = reshape(unfold2d(x4, geom, Number.NEGATIVE_INFINITY, true), [n * c * L, taps]);
  const best = argmax(cols, 1);
  const plan: GatherPlan = { outer: n * c * L, size: taps, inner: 1, count: 1, indexStrides: [1, 0, 0] };
  const values = finish(unfoldBy(cols, best, plan, [n * c * L, 1, 1]), n, c, outH, outW, dims);
  if (!options?.returnIndices) return values;
  // Flat input position of each chosen tap: positions[l·taps + tap] where tap = best[(n, c, l)].
  const positions = new Int32Array(taps * L);
  for (let ki = 0; ki < geom.rows.taps; ki++)
    for (let kj = 0; kj < geom.cols.taps; kj++)
      for (let oi = 0; oi < outH; oi++)
        for (let oj = 0; oj < outW; oj++) {
          const r = geom.rows.map[ki * outH + oi];
          const q = geom.cols.map[kj * outW + oj];
          positions[(oi * outW + oj) * taps + ki * geom.cols.taps + kj] = r * geom.cols.inSize + q;
        }
  const lane = reshape(mul(arange(0, L, 1, { dtype: 'int32', backend: x.backend }), taps), [1, L]);
  const flat = add(reshape(best, [n * c, L]), lane);
  const table = tensor(positions, { dtype: 'int32', backend: x.backend, shape: [1, taps * L, 1] });
  const pick: GatherPlan = { outer: 1, size: taps * L, inner: 1, count: n * c * L, indexStrides: [0, 1, 0] };
  const indices = unfoldBy(table, reshape(flat, [n * c * L]), pick, [1, n * c * L, 1]);
  return [values, finish(indices, n, c, outH, outW, dims)];
}

/** 2-D max pooling of x `[N, C, H, W]`. With `returnIndices`, `[values, indices]` (indices int32, flat per plane). */
export function maxPool2d(x: Tensor, kernelSize: SizeArg, options?: MaxPoolOptions & { returnIndices?: false }): Tensor;
export function maxPool2d(
  x: Tensor,
  kernelSize: SizeArg,
  options: MaxPoolOptions & { returnIndices: true },
): [Tensor, Tensor];
export function maxPool2d(
  x: Tensor,
  kernelSize: SizeArg,
  options?: MaxPoolOptions & { returnIndices?: boolean },
): Tensor | [Tensor, Tensor] {
  return withOp('maxPool2d', () => maxPool('maxPool2d', x, kernelSize, options, 2));
}

/** 1-D max pooling of x `[N, C, L]`. With `returnIndices`, `[values, indices]`. */
export function maxPool1d(x: Tensor, kernelSize: SizeArg, options?: MaxPoolOptions & { returnIndices?: false }): Tensor;
export function maxPool1d(
  x: Tensor,
  kernelSize: SizeArg,
  options: MaxPoolOptions & { returnIndices: true },
): [Tensor, Tensor];
export function maxPool1d(
  x: Tensor,
  kernelSize: SizeArg,
  options?: MaxPoolOptions & { returnIndices?: boolean },
): Tensor | [Tensor, Tensor] {
  return withOp('maxPool1d', () => maxPool('maxPool1d', x, kernelSize, options, 1));
}

/** PyTorch's divisor of each average window: the window clipped to the padded input (or the input). */
function avgDivisors(g: PoolGeometry, h: number, w: number, includePad: boolean): Float32Array {
  const span = (o: number, i: number, size: number) => {
    let start = o * g.stride[i] - g.padding[i];
    let end = Math.min(start + g.kernel[i], size + g.padding[i]);
    if (!includePad) {
      start = Math.max(start, 0);
      end = Math.min(end, size);
    }
    return end - start;
  };
  const out = new Float32Array(g.outH * g.outW);
  for (let oi = 0; oi < g.outH; oi++)
    for (let oj = 0; oj < g.outW; oj++) out[oi * g.outW + oj] = span(oi, 0, h) * span(oj, 1, w);
  return out;
}

function avgPool(op: string, x: Tensor, kernelSize: SizeArg, options: AvgPoolOptions | undefined, dims: 1 | 2): Tensor {
  checkOptions(op, options, ['stride', 'padding', 'ceilMode', 'countIncludePad']);
  const include = options?.countIncludePad ?? true;
  if (typeof include !== 'boolean')
    throw new ArgumentError(`${op}: countIncludePad must be a boolean, got ${describe(include)}`);
  const x4 = lift4(op, x, dims);
  const [n, c, h, w] = x4.shape;
  const g = geometry(op, x4, dims, kernelSize, options, 1);
  const sums = sum(unfold2d(x4, g.geom, 0, true), 3);
  const divisor = tensor(avgDivisors(g, h, w, include), { backend: x.backend });
  return finish(div(sums, divisor), n, c, g.outH, g.outW, dims);
}

/** 2-D average pooling of x `[N, C, H, W]`. */
export function avgPool2d(x: Tensor, kernelSize: SizeArg, options?: AvgPoolOptions): Tensor {
  return withOp('avgPool2d', () => avgPool('avgPool2d', x, kernelSize, options, 2));
}

/** 1-D average pooling of x `[N, C, L]`. */
export function avgPool1d(x: Tensor, kernelSize: SizeArg, options?: AvgPoolOptions): Tensor {
  return withOp('avgPool1d', () => avgPool('avgPool1d', x, kernelSize, options, 1));
}

/**
 * Average pooling of x `[N, C, H, W]` to `outputSize` (a number, a pair, or null in a dim to keep it): output
 * cell `i` averages input `[floor(i·H/outH), ceil((i+1)·H/outH))`, as PyTorch.
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  const op = 'adaptiveAvgPool2d';
  return withOp(op, () => {
    checkBatched(op, x, 2);
    const [n, c, h, w] = x.shape;
    const given = typeof outputSize === 'number' ? [outputSize, outputSize] : [...outputSize];
    const size = given.map((v, i) => (v === null ? [h, w][i] : v));
    if (size.length !== 2 || size.some((v) => !Number.isInteger(v) || v < 1))
      throw new ArgumentError(
        `${op}: outputSize must be a positive integer or a pair of them, got ${describe(outputSize)}`,
      );
    if (h === 0 || w === 0) throw new ShapeError(`${op}: input ${fmtShape(x.shape)} has an empty plane`);
    const geom: Window2d = { rows: adaptiveAxis(h, size[0]), cols: adaptiveAxis(w, size[1]) };
    const sums = sum(unfold2d(x, geom, 0, true), 3);
    const divisor = tensor(tapCounts(geom.rows, geom.cols), { backend: x.backend });
    return reshape(div(sums, divisor), [n, c, size[0], size[1]]);
  });
}
