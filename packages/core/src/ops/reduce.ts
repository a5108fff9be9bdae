/**
 * Reductions over one or more dims with `keepdim`, with gradients. The kernel reduces the middle axis of
 * an `[outer, size, inner]` view; a set of dims that is not one contiguous block is reduced one dim at a
 * time. Composite reductions (mean, var, std, logsumexp) get their gradients from their parts.
 */

import { noGrad } from '../autograd/grad-mode.js';
import type { Grads, RuleSpec } from '../autograd/node.js';
import type { ArgReduceOp, ReduceOp } from '../backend/kernels.js';
import { backendOf, empty, recorder, runKernel, withOp } from '../engine/dispatch.js';
import { tidy } from '../engine/lifetime.js';
import { ArgumentError, DTypeError, fmtShape, ShapeError } from '../errors.js';
import { normalizeDim, normalizeDims, type Shape, sameShape, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkBool, checkNumber, checkOptions, checkTensor, describe } from '../tensor/validate.js';
import { cast } from './cast.js';
import { compare, where } from './compare.js';
import { abs, add, div, exp, log, mul, pow, sqrt, sub } from './elementwise.js';
import { expand, reshape } from './movement.js';

/** Shape after reducing `dims` (kept as size 1 when `keepdim`). */
export function reducedShape(shape: Shape, dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (!dims.includes(d)) out.push(shape[d]);
    else if (keepdim) out.push(1);
  }
  return out;
}

/** Runs the reduce kernel over one contiguous block of dims `[first, last]`; keepdim shape. */
function reduceBlock(op: ReduceOp, x: Tensor, first: number, last: number): Tensor {
  const outer = sizeOf(x.shape.slice(0, first));
  const size = sizeOf(x.shape.slice(first, last + 1));
  const inner = sizeOf(x.shape.slice(last + 1));
  const shape = x.shape.map((d, i) => (i >= first && i <= last ? 1 : d));
  const backend = backendOf(op, x);
  const out = empty(backend, shape, x.dtype, [x]);
  runKernel(
    backend,
    'reduce',
    { op, dtype: x.dtype, x: x.storage.handle, out: out.storage.handle, outer, size, inner },
    op,
    [x],
  );
  return out;
}

/** Reduces `dims` with the kernel (no gradient); result has keepdim shape. */
function reduceRaw(op: ReduceOp, x: Tensor, dims: number[]): Tensor {
  if ((op === 'max' || op === 'min') && dims.some((d) => x.shape[d] === 0)) {
    throw new ShapeError(`${op}: cannot reduce over a dim of size 0 (shape ${fmtShape(x.shape)})`);
  }
  const input = x.dtype === 'bool' ? cast(x, 'int32') : x;
  let out: Tensor;
  // NOTE: no dims (a 0-dim tensor) still makes a new tensor: the result must never alias the input.
  if (dims.length === 0) out = reduceBlock(op, input, 0, -1);
  else if (dims[dims.length - 1] - dims[0] === dims.length - 1)
    out = reduceBlock(op, input, dims[0], dims[dims.length - 1]);
  else {
    out = input;
    for (let i = dims.length - 1; i >= 0; i--) out = reduceBlock(op, out, dims[i], dims[i]);
  }
  return out;
}

function finishShape(out: Tensor, x: Tensor, dims: number[], keepdim: boolean): Tensor {
  return keepdim ? out : reshape(out, reducedShape(x.shape, dims, false));
}

/**
 * What the reductions save: the input and the (keepdim) output, and the reduced dims as `ctx`. Every kernel
 * `ReduceOp` is a key (through `Record<ReduceOp, ...>`), so a new one fails to compile until it has a rule.
 */
interface ReduceOps extends Record<ReduceOp, RuleSpec> {
  sum: { saved: []; ctx: Shape };
  prod: { saved: [x: Tensor, out: Tensor]; ctx: number[] };
  max: { saved: [x: Tensor, out: Tensor]; ctx: number[] };
  min: { saved: [x: Tensor, out: Tensor]; ctx: number[] };
  norm: { saved: [x: Tensor, out: Tensor]; ctx: null };
}

// NOTE: ties share the gradient evenly, like torch.amax/amin.
const extremeGrad = (g: Tensor, [x, out]: [Tensor, Tensor], dims: number[]): Grads => {
  const mask = cast(compare('eq', x, out), 'float32');
  return [div(mul(expand(g, x.shape), mask), sum(mask, dims, true))];
};

const record = recorder<ReduceOps>({
  sum: (g, _, shape) => [expand(g, shape)],
  // NOTE: d prod / d x_i = product of the others. With one zero in the slice only that entry gets a
  // gradient; with two or more, none does. Dividing out/x would give NaN there.
  prod: (g, [x, out], dims) => {
    const isZero = compare('eq', x, 0);
    const zeros = sum(cast(isZero, 'int32'), dims, true);
    const prodNonZero = prod(where(isZero, 1, x), dims, true);
    const others = where(isZero, where(compare('eq', zeros, 1), prodNonZero, 0), div(out, x));
    return [mul(expand(g, x.shape), others)];
  },
  max: extremeGrad,
  min: extremeGrad,
  // NOTE: the 2-norm's gradient x / norm is taken as 0 at the zero vector (PyTorch's subgradient).
  norm: (g, [x, out]) => [mul(expand(g, x.shape), div(x, where(compare('eq', out, 0), 1, out)))],
});

/** Sum over `dim` (all when undefined). Bool and int32 sum to int32. */
export function sum(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  return withOp('sum', () => {
    checkTensor('sum', x);
    checkBool('sum', 'keepdim', keepdim);
    const dims = normalizeDims('sum', dim, x.ndim);
    const kept = reduceRaw('sum', x, dims);
    const res = record(kept, 'sum', { inputs: [x], saved: [], ctx: x.shape });
    return finishShape(res, x, dims, keepdim);
  });
}

/** Sums `g` down to `shape` (the adjoint of broadcasting `shape` up to `g.shape`). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let d = 0; d < g.ndim; d++) if (d < lead || (shape[d - lead] === 1 && g.shape[d] !== 1)) dims.push(d);
  if (dims.length === 0 && sameShape(g.shape, shape)) return g;
  return reshape(dims.length === 0 ? g : sum(g, dims, true), shape);
}

/** Mean over `dim`. */
export function mean(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  return withOp('mean', () => {
    checkTensor('mean', x);
    checkBool('mean', 'keepdim', keepdim);
    if (x.dtype !== 'float32')
      throw new DTypeError(`mean: expected a float32 tensor, got ${x.dtype}; convert with .float()`);
    const dims = normalizeDims('mean', dim, x.ndim);
    const count = dims.reduce((n, d) => n * x.shape[d], 1);
    return tidy(() => div(sum(x, dims, keepdim), count));
  });
}

/** Product over `dim`. The gradient is exact with zeros in the slice. */
export function prod(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  return withOp('prod', () => {
    checkTensor('prod', x);
    checkBool('prod', 'keepdim', keepdim);
    const dims = normalizeDims('prod', dim, x.ndim);
    const kept = reduceRaw('prod', x, dims);
    const res = record(kept, 'prod', { inputs: [x], saved: [x, kept], ctx: dims });
    return finishShape(res, x, dims, keepdim);
  });
}

function extreme(op: 'max' | 'min', x: Tensor, dim: number | readonly number[] | undefined, keepdim: boolean): Tensor {
  return withOp(op, () => {
    checkTensor(op, x);
    checkBool(op, 'keepdim', keepdim);
    const dims = normalizeDims(op, dim, x.ndim);
    const kept = reduceRaw(op, x, dims);
    const res = record(kept, op, { inputs: [x], saved: [x, kept], ctx: dims });
    return finishShape(res, x, dims, keepdim);
  });
}

/** Maximum over `dim` (values). NaN propagates; a size-0 dim is an error. */
export function max(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  return extreme('max', x, dim, keepdim);
}

/** Minimum over `dim` (values). */
export function min(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  return extreme('min', x, dim, keepdim);
}

function argReduce(op: ArgReduceOp, x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  return withOp(op, () => {
    checkTensor(op, x);
    checkBool(op, 'keepdim', keepdim);
    if (dim === undefined) {
      return argReduce(op, reshape(x, [x.size]), 0, false);
    }
    const d = normalizeDim(op, dim, x.ndim);
    const input = x.ndim === 0 ? reshape(x, [1]) : x;
    if (input.shape[d] === 0)
      throw new ShapeError(`${op}: cannot reduce over a dim of size 0 (shape ${fmtShape(x.shape)})`);
    const src = input.dtype === 'bool' ? cast(input, 'int32') : input;
    const backend = backendOf(op, src);
    const outShape = reducedShape(input.shape, [d], keepdim && x.ndim > 0);
    const out = empty(backend, outShape, 'int32', [x]);
    const args = {
      op,
      dtype: src.dtype,
      x: src.storage.handle,
      out: out.storage.handle,
      outer: sizeOf(input.shape.slice(0, d)),
      size: input.shape[d],
      inner: sizeOf(input.shape.slice(d + 1)),
    };
    runKernel(backend, 'argReduce', args, op, [x]);
    return out;
  });
}

/** Index (int32) of the maximum along `dim`, or of the flattened tensor. */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argReduce('argmax', x, dim, keepdim);
}

/** Index (int32) of the minimum along `dim`, or of the flattened tensor. */
export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argReduce('argmin', x, dim, keepdim);
}

/** Options of `var` and `std`. */
export interface VarOptions {
  /** Subtracted from the count in the denominator (1 = Bessel's correction, PyTorch's default). */
  correction?: number;
  keepdim?: boolean;
}

/** Variance over `dim`. */
export function variance(x: Tensor, dim?: number | readonly number[], options?: VarOptions): Tensor {
  return withOp('var', () => {
    // NOTE: composites run in tidy so their temporaries never outlive the call (the graph keeps what it needs).
    return tidy(() => {
      checkTensor('var', x);
      const dims = normalizeDims('var', dim, x.ndim);
      const count = dims.reduce((n, d) => n * x.shape[d], 1);
      checkOptions('var', options, ['correction', 'keepdim']);
      const correction = checkNumber('var', 'correction', options?.correction ?? 1, true);
      const centered = sub(x, mean(x, dims, true));
      return div(sum(mul(centered, centered), dims, options?.keepdim ?? false), Math.max(0, count - correction));
    });
  });
}

/** Standard deviation over `dim`. */
export function std(x: Tensor, dim?: number | readonly number[], options?: VarOptions): Tensor {
  return withOp('std', () => tidy(() => sqrt(variance(x, dim, options))));
}

/** `log(sum(exp(x)))` over `dim`, shifted by the (detached) max so it neither overflows nor underflows. */
export function logsumexp(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  return withOp('logsumexp', () =>
    tidy(() => {
      checkTensor('logsumexp', x);
      checkBool('logsumexp', 'keepdim', keepdim);
      const dims = normalizeDims('logsumexp', dim, x.ndim);
      const m = reduceRaw('max', x, dims);
      // NOTE: an all -Infinity (or +Infinity) slice would give inf - inf = NaN; shift by 0 there instead.
      const shift = where(compare('eq', abs(m), Infinity), 0, m);
      const res = add(log(sum(exp(sub(x, shift)), dims, true)), shift);
      return finishShape(res, x, dims, keepdim);
    }),
  );
}

/**
 * The p-norm over `dim`. p = 2 is computed overflow-safely (scaled by the max |x|) and has gradient 0 at
 * the zero vector, like PyTorch; p = 1 and p = Infinity are exact; other p > 0 use `(sum |x|^p)^(1/p)`.
 */
export function norm(x: Tensor, p = 2, dim?: number | readonly number[], keepdim = false): Tensor {
  return withOp('norm', () => {
    checkTensor('norm', x);
    checkBool('norm', 'keepdim', keepdim);
    if (x.dtype !== 'float32') throw new DTypeError(`norm: expected a float32 tensor, got ${x.dtype}`);
    if (typeof p !== 'number' || !(p > 0))
      throw new ArgumentError(`norm: p must be > 0 (or Infinity), got ${describe(p)}`);
    const dims = normalizeDims('norm', dim, x.ndim);
    // NOTE: over an empty slice every finite p-norm is 0 (the max-scaled path would reduce nothing).
    if (p === 1 || (p !== Infinity && dims.some((d) => x.shape[d] === 0))) return sum(abs(x), dims, keepdim);
    if (p === Infinity) return max(abs(x), dims, keepdim);
    if (p !== 2) return pow(sum(pow(abs(x), p), dims, keepdim), 1 / p);
    const kept = tidy(() =>
      noGrad(() => {
        const scale = reduceRaw('max', abs(x), dims);
        const safe = where(compare('eq', scale, 0), 1, scale);
        const scaled = div(x, safe);
        return mul(sqrt(reduceRaw('sum', mul(scaled, scaled), dims)), safe);
      }),
    );
    const res = record(kept, 'norm', { inputs: [x], saved: [x, kept], ctx: null });
    return finishShape(res, x, dims, keepdim);
  });
}
