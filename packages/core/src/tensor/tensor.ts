/**
 * The Tensor: a shape, a dtype and a reference to backend storage, plus autograd state. Methods are thin
 * PyTorch-named wrappers over the functions in ops/*; data moves out of the backend only when a read
 * method (`toArray`, `dataSync`, `data`, `item`) is called.
 */

import { type BackwardOptions, backward } from '../autograd/backward.js';
import type { GradNode } from '../autograd/node.js';
import type { Backend } from '../backend/backend.js';
import type { DType, TypedArray } from '../backend/dtype.js';
import { withFrame } from '../engine/dispatch.js';
import { adopt, collector, type Iteration, noteRead, releasedMessage, setTensorCheck } from '../engine/lifetime.js';
import { readAsync, readSync } from '../engine/read.js';
import type { Storage } from '../engine/storage.js';
import { ArgumentError, AutogradError, DisposedError, DTypeError, fmtShape } from '../errors.js';
import * as A from '../ops/activation.js';
import { copyInto, fillInto } from '../ops/assign.js';
import { castTo, clone, to } from '../ops/cast.js';
import * as C from '../ops/compare.js';
import * as E from '../ops/elementwise.js';
import * as I from '../ops/indexing.js';
import { matmul } from '../ops/linalg.js';
import * as M from '../ops/movement.js';
import * as RA from '../ops/rearrange.js';
import * as R from '../ops/reduce.js';
import * as SC from '../ops/scatter.js';
import { logSoftmax, softmax } from '../ops/softmax.js';
import * as SO from '../ops/sort.js';
import { type NestedArray, toNested } from './nested.js';
import type { Shape } from './shape.js';
import { checkOptions, describe } from './validate.js';

/** A tensor operand: a tensor or a plain number (broadcast as a scalar). */
export type TensorLike = Tensor | number;

/** A gradient hook: sees the gradient flowing into a tensor, may return a replacement. */
export type GradHook = (grad: Tensor) => Tensor | undefined;

/** Options of reductions over dims. */
export interface ReduceOptions {
  keepdim?: boolean;
}

let nextId = 1;

/** An n-dimensional array on a backend, with reverse-mode autograd. */
export class Tensor {
  /** A process-unique id (for debugging and graph printing). */
  readonly id = nextId++;
  /** Whether gradients flow to this tensor. Only float32 tensors can require gradients. */
  requiresGrad = false;
  /** The accumulated gradient of a leaf (or of a tensor that called `retainGrad()`). */
  grad: Tensor | null = null;
  /** @internal The graph node that made this tensor; null for leaves. */
  _node: GradNode | null = null;
  /** @internal Gradient hooks (`registerHook`). */
  _hooks: GradHook[] | null = null;
  /** @internal Keep `.grad` on a non-leaf. */
  _retainGrad = false;
  /** @internal Null once disposed. */
  _storage: Storage | null;
  /** @internal Never released automatically (parameters, gradients, optimizer state, `keep()`). */
  _persistent = false;
  /** @internal The model iteration (or backward() step) this tensor is freed with; see engine/lifetime.ts. */
  _iter: Iteration | null = null;
  /** @internal Why the storage was released, for the error message on later use. */
  _releasedBy: 'dispose' | 'auto' | null = null;

  /** @internal Use the creation functions (`tensor`, `zeros`, ...) instead. */
  constructor(
    storage: Storage,
    /** The size of each dim. */
    readonly shape: Shape,
    /** The element type. */
    readonly dtype: DType,
  ) {
    this._storage = storage;
  }

  /** Number of elements. */
  get size(): number {
    return this._storage ? this._storage.size : sizeOfShape(this.shape);
  }

  /** Number of dims. */
  get ndim(): number {
    return this.shape.length;
  }

  /** True for tensors not made by a recorded op (user-created tensors and parameters). */
  get isLeaf(): boolean {
    return this._node === null;
  }

  /** True after `dispose()`. */
  get isDisposed(): boolean {
    return this._storage === null;
  }

  /** @internal The storage; throws when disposed. */
  get storage(): Storage {
    if (!this._storage) throw this._disposedError();
    return this._storage;
  }

  /** @internal The error for a use of this tensor after its release, naming `op` when given. */
  _disposedError(op?: string): DisposedError {
    const why = this._releasedBy === 'auto' ? releasedMessage(this) : 'was disposed and can no longer be used';
    return new DisposedError(`${op ? `${op}: ` : ''}tensor ${this.id} (shape ${fmtShape(this.shape)}) ${why}`);
  }

  /** The backend that holds the data. */
  get backend(): Backend {
    return this.storage.backend;
  }

  /** Frees the storage now (when no other view shares it). Safe to call twice. */
  dispose(): void {
    this._release('dispose');
  }

  /** @internal Drops this tensor's storage reference. */
  _release(reason: 'dispose' | 'auto'): void {
    if (!this._storage) return;
    collector.unregister(this);
    const s = this._storage;
    this._storage = null;
    this._releasedBy = reason;
    s.release();
  }

  // ---- reading data -------------------------------------------------------------------------------

  /**
   * A copy of the data as a flat typed array. A backend that cannot read synchronously (`capabilities.sync`
   * false) raises an `UnsupportedError`: use `await data()` there.
   */
  dataSync(): TypedArray {
    noteRead(this);
    return readSync(this, 'dataSync');
  }

  /** Async form of `dataSync()` (works on every backend). */
  data(): Promise<TypedArray> {
    noteRead(this);
    return readAsync(this);
  }

  /** The data as nested arrays (numbers; booleans for bool tensors); a number for a 0-dim tensor. */
  toArray(): NestedArray {
    noteRead(this);
    return toNested(readSync(this, 'toArray'), this.shape, this.dtype);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1)
      throw new ArgumentError(
        `item: only one-element tensors can be read as a number; shape is ${fmtShape(this.shape)}`,
      );
    noteRead(this);
    return readSync(this, 'item', 'await t.data() and take element 0')[0];
  }

  /** A short description (no data is read). */
  toString(): string {
    return `Tensor(shape=${fmtShape(this.shape)}, dtype=${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  // ---- autograd -----------------------------------------------------------------------------------

  /** Backpropagates from this tensor: fills `.grad` of the leaves that require it (accumulating). */
  backward(grad?: Tensor, options?: BackwardOptions): void {
    withFrame('backward', () => backward(this, grad, options));
  }

  /** Sets `requiresGrad` in place (leaves only) and returns this tensor. */
  requiresGrad_(value = true): this {
    if (this.isDisposed) throw this._disposedError('requiresGrad_');
    if (typeof value !== 'boolean')
      throw new ArgumentError(`requiresGrad_: value must be a boolean, got ${String(value)}`);
    if (value && this.dtype !== 'float32') {
      throw new DTypeError(`requiresGrad_: only float32 tensors can require gradients; this tensor is ${this.dtype}`);
    }
    if (!this.isLeaf && !value)
      throw new ArgumentError('requiresGrad_: cannot turn off gradients of a non-leaf; use detach()');
    this.requiresGrad = value;
    return this;
  }

  /** Registers a hook called with this tensor's gradient during backward. Returns a handle with `remove()`. */
  registerHook(hook: GradHook): { remove(): void } {
    if (!this.requiresGrad)
      throw new AutogradError('registerHook: cannot register a hook on a tensor that does not require grad');
    this._hooks ??= [];
    const hooks = this._hooks;
    hooks.push(hook);
    return {
      remove: () => {
        const i = hooks.indexOf(hook);
        if (i >= 0) hooks.splice(i, 1);
      },
    };
  }

  /** Keeps `.grad` on this non-leaf tensor during backward. */
  retainGrad(): this {
    this._retainGrad = true;
    return this;
  }

  /** A tensor sharing this one's data, cut from the graph. */
  detach(): Tensor {
    return M.detach(this);
  }

  // ---- conversion ---------------------------------------------------------------------------------

  /** A copy with its own storage. */
  clone(): Tensor {
    return clone(this);
  }
  /** Copies `src` into this tensor's storage in place (broadcasting; not recorded by autograd). */
  copy_(src: Tensor): this {
    copyInto(this, src);
    return this;
  }
  /** Fills this tensor with `value` in place. */
  fill_(value: number): this {
    fillInto(this, value);
    return this;
  }
  /** Fills this tensor with zeros in place. */
  zero_(): this {
    fillInto(this, 0);
    return this;
  }
  /** A new tensor object sharing this one's storage (cp tensors are always contiguous). */
  contiguous(): Tensor {
    return M.alias(this, 'contiguous');
  }
  /**
   * Converts to another dtype (a copy); to a backend moves the data there. Always a new tensor object: with
   * the same dtype or backend it shares this one's storage, so disposing it never frees this tensor.
   */
  to(target: DType | Backend): Tensor {
    return to(this, target);
  }
  /** `to('float32')`. */
  float(): Tensor {
    return castTo(this, 'float32');
  }
  /** `to('int32')`. */
  int(): Tensor {
    return castTo(this, 'int32');
  }
  /** `to('bool')`. */
  bool(): Tensor {
    return castTo(this, 'bool');
  }

  // ---- elementwise --------------------------------------------------------------------------------

  /** `this + other` (broadcasting). */
  add(other: TensorLike): Tensor {
    return E.add(this, other);
  }
  /** `this - other`. */
  sub(other: TensorLike): Tensor {
    return E.sub(this, other);
  }
  /** `this * other`. */
  mul(other: TensorLike): Tensor {
    return E.mul(this, other);
  }
  /** `this / other` (true division: int32 inputs give float32). */
  div(other: TensorLike): Tensor {
    return E.div(this, other);
  }
  /** `this ** exponent`. */
  pow(exponent: TensorLike): Tensor {
    return E.pow(this, exponent);
  }
  /** Elementwise maximum (NaN propagates). */
  maximum(other: TensorLike): Tensor {
    return E.maximum(this, other);
  }
  /** Elementwise minimum (NaN propagates). */
  minimum(other: TensorLike): Tensor {
    return E.minimum(this, other);
  }
  /** `atan(this / other)` in the quadrant of `(other, this)` (`torch.atan2`). */
  atan2(other: TensorLike): Tensor {
    return E.atan2(this, other);
  }
  /** Remainder with the sign of `this`, the dividend (C's fmod, `torch.fmod`). */
  fmod(other: TensorLike): Tensor {
    return E.fmod(this, other);
  }
  /** Remainder with the sign of `other`, the divisor (Python's `%`, `torch.remainder`). */
  remainder(other: TensorLike): Tensor {
    return E.remainder(this, other);
  }
  /** `log(e^this + e^other)` without overflow (`torch.logaddexp`). */
  logaddexp(other: TensorLike): Tensor {
    return E.logaddexp(this, other);
  }
  /** `-this`. */
  neg(): Tensor {
    return E.neg(this);
  }
  /** `|this|`. */
  abs(): Tensor {
    return E.abs(this);
  }
  /** -1, 0 or 1 (NaN stays NaN). */
  sign(): Tensor {
    return E.sign(this);
  }
  /** `e^this`. */
  exp(): Tensor {
    return E.exp(this);
  }
  /** `e^this - 1`, accurate near 0. */
  expm1(): Tensor {
    return E.expm1(this);
  }
  /** Natural log. */
  log(): Tensor {
    return E.log(this);
  }
  /** `log(1 + this)`, accurate near 0. */
  log1p(): Tensor {
    return E.log1p(this);
  }
  /** Square root. */
  sqrt(): Tensor {
    return E.sqrt(this);
  }
  /** `1 / sqrt(this)`. */
  rsqrt(): Tensor {
    return E.rsqrt(this);
  }
  /** `1 / this`. */
  reciprocal(): Tensor {
    return E.reciprocal(this);
  }
  /** `this * this`. */
  square(): Tensor {
    return E.mul(this, this);
  }
  /** Sine. */
  sin(): Tensor {
    return E.sin(this);
  }
  /** Cosine. */
  cos(): Tensor {
    return E.cos(this);
  }
  /** Tangent. */
  tan(): Tensor {
    return E.tan(this);
  }
  /** Inverse tangent. */
  atan(): Tensor {
    return E.atan(this);
  }
  /** Inverse sine (NaN outside [-1, 1]). */
  asin(): Tensor {
    return E.asin(this);
  }
  /** Inverse cosine (NaN outside [-1, 1]). */
  acos(): Tensor {
    return E.acos(this);
  }
  /** Error function. */
  erf(): Tensor {
    return E.erf(this);
  }
  /** Rounds down. */
  floor(): Tensor {
    return E.floor(this);
  }
  /** Hyperbolic tangent. */
  tanh(): Tensor {
    return A.tanh(this);
  }
  /** Logistic sigmoid. */
  sigmoid(): Tensor {
    return A.sigmoid(this);
  }
  /** `max(this, 0)`. */
  relu(): Tensor {
    return A.relu(this);
  }
  /** `x` where positive, else `negativeSlope * x`. */
  leakyRelu(negativeSlope = 0.01): Tensor {
    return A.leakyRelu(this, negativeSlope);
  }
  /** GELU; `approximate: 'tanh'` for the tanh form. */
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor {
    return A.gelu(this, approximate);
  }
  /** `log(1 + e^(beta x)) / beta`, linear above `threshold`. */
  softplus(beta = 1, threshold = 20): Tensor {
    return A.softplus(this, beta, threshold);
  }
  /** Clamps into `[min, max]` (either bound may be omitted with null/undefined). */
  clamp(min?: TensorLike | null, max?: TensorLike | null): Tensor {
    return C.clamp(this, min, max);
  }

  // ---- comparison ---------------------------------------------------------------------------------

  /** `this == other` (bool). */
  eq(other: TensorLike): Tensor {
    return C.compare('eq', this, other);
  }
  /** `this != other` (bool). */
  ne(other: TensorLike): Tensor {
    return C.compare('ne', this, other);
  }
  /** `this < other` (bool). */
  lt(other: TensorLike): Tensor {
    return C.compare('lt', this, other);
  }
  /** `this <= other` (bool). */
  le(other: TensorLike): Tensor {
    return C.compare('le', this, other);
  }
  /** `this > other` (bool). */
  gt(other: TensorLike): Tensor {
    return C.compare('gt', this, other);
  }
  /** `this >= other` (bool). */
  ge(other: TensorLike): Tensor {
    return C.compare('ge', this, other);
  }
  /** `condition ? this : other` (like `torch.Tensor.where`). */
  where(condition: Tensor, other: TensorLike): Tensor {
    return C.where(condition, this, other);
  }

  // ---- reductions ---------------------------------------------------------------------------------

  /** Sum over `dim` (all dims when omitted). */
  sum(dim?: number | number[], options?: ReduceOptions): Tensor {
    return R.sum(this, dim, keepdimOf('sum', options));
  }
  /** Mean over `dim`. */
  mean(dim?: number | number[], options?: ReduceOptions): Tensor {
    return R.mean(this, dim, keepdimOf('mean', options));
  }
  /** Product over `dim`. */
  prod(dim?: number | number[], options?: ReduceOptions): Tensor {
    return R.prod(this, dim, keepdimOf('prod', options));
  }
  /** Maximum over `dim` (values; use `argmax` for indices). */
  max(dim?: number | number[], options?: ReduceOptions): Tensor {
    return R.max(this, dim, keepdimOf('max', options));
  }
  /** Minimum over `dim`. */
  min(dim?: number | number[], options?: ReduceOptions): Tensor {
    return R.min(this, dim, keepdimOf('min', options));
  }
  /** Index of the maximum along `dim` (of the flattened tensor when omitted). */
  argmax(dim?: number, options?: ReduceOptions): Tensor {
    return R.argmax(this, dim, keepdimOf('argmax', options));
  }
  /** Index of the minimum along `dim`. */
  argmin(dim?: number, options?: ReduceOptions): Tensor {
    return R.argmin(this, dim, keepdimOf('argmin', options));
  }
  /** Variance over `dim` with Bessel's correction by default (`correction: 1`). */
  var(dim?: number | number[], options?: R.VarOptions): Tensor {
    return R.variance(this, dim, options);
  }
  /** Standard deviation over `dim`. */
  std(dim?: number | number[], options?: R.VarOptions): Tensor {
    return R.std(this, dim, options);
  }
  /** `log(sum(exp(this)))` over `dim`, computed stably. */
  logsumexp(dim?: number | number[], options?: ReduceOptions): Tensor {
    return R.logsumexp(this, dim, keepdimOf('logsumexp', options));
  }
  /** The p-norm over `dim` (p = 2 by default; also 1, Infinity, or any p > 0). */
  norm(p: number = 2, dim?: number | number[], options?: ReduceOptions): Tensor {
    return R.norm(this, p, dim, keepdimOf('norm', options));
  }

  // ---- linear algebra and softmax -----------------------------------------------------------------

  /** Matrix product with PyTorch's rules (1-D, 2-D, batched with broadcasting). */
  matmul(other: Tensor): Tensor {
    return matmul(this, other);
  }
  /** Softmax along `dim` (default: last). */
  softmax(dim = -1): Tensor {
    return softmax(this, dim);
  }
  /** Log-softmax along `dim` (default: last). */
  logSoftmax(dim = -1): Tensor {
    return logSoftmax(this, dim);
  }

  // ---- shape --------------------------------------------------------------------------------------

  /** Same data, new shape (one dim may be -1). Shares storage. */
  reshape(...shape: number[] | [readonly number[]]): Tensor {
    return M.reshape(this, flatArgs(shape));
  }
  /** Alias of `reshape` (cp tensors are always contiguous). */
  view(...shape: number[] | [readonly number[]]): Tensor {
    return M.reshape(this, flatArgs(shape));
  }
  /** Flattens dims `startDim..endDim` into one. */
  flatten(startDim = 0, endDim = -1): Tensor {
    return M.flatten(this, startDim, endDim);
  }
  /** Removes size-1 dims (all, or the given one). */
  squeeze(dim?: number): Tensor {
    return M.squeeze(this, dim);
  }
  /** Inserts a size-1 dim at `dim`. */
  unsqueeze(dim: number): Tensor {
    return M.unsqueeze(this, dim);
  }
  /** Swaps two dims. */
  transpose(dim0: number, dim1: number): Tensor {
    return M.transpose(this, dim0, dim1);
  }
  /** Transpose of a matrix (`transpose(0, 1)`; a 0-D or 1-D tensor comes back as a new view of itself). */
  t(): Tensor {
    return this.ndim < 2 ? M.alias(this, 't') : M.transpose(this, 0, 1);
  }
  /** Reorders dims. */
  permute(...dims: number[] | [readonly number[]]): Tensor {
    return M.permute(this, flatArgs(dims));
  }
  /** Broadcasts size-1 dims to `shape` (-1 keeps a dim). */
  expand(...shape: number[] | [readonly number[]]): Tensor {
    return M.expand(this, flatArgs(shape));
  }
  /** `expand` to a full target shape (PyTorch's `broadcast_to`). */
  broadcastTo(...shape: number[] | [readonly number[]]): Tensor {
    return M.broadcastTo(this, flatArgs(shape));
  }
  /** Elements `start..end` (exclusive, step `step`) along `dim`; negative indices count from the end. */
  slice(dim: number, start?: number, end?: number, step = 1): Tensor {
    return M.slice(this, dim, start, end, step);
  }
  /** `length` elements from `start` along `dim`. */
  narrow(dim: number, start: number, length: number): Tensor {
    return M.narrow(this, dim, start, length);
  }
  /** Splits into pieces of `splitSize` (or the given sizes) along `dim`. */
  split(splitSize: number | number[], dim = 0): Tensor[] {
    return M.split(this, splitSize, dim);
  }
  /** Splits into `chunks` nearly equal pieces along `dim`. */
  chunk(chunks: number, dim = 0): Tensor[] {
    return M.chunk(this, chunks, dim);
  }
  /** Picks entries of `dim` by an int32 index vector. */
  indexSelect(dim: number, index: Tensor): Tensor {
    return I.indexSelect(this, dim, index);
  }
  /** `out[..., i, ...] = this[..., index[..., i, ...], ...]` along `dim` (like `torch.gather`). */
  gather(dim: number, index: Tensor): Tensor {
    return I.gather(this, dim, index);
  }
  // Rearranging, masking and scattering (ops/rearrange.ts, ops/scatter.ts).
  /** This tensor repeated along each dim (`x.repeat(2, 3)` or `x.repeat([2, 3])`; like `torch.Tensor.repeat`). */
  repeat(...reps: number[] | [readonly number[]]): Tensor {
    return RA.repeat(this, flatArgs(reps));
  }
  /** `repeat`, with missing leading counts taken as 1 (like `torch.tile`). */
  tile(...reps: number[] | [readonly number[]]): Tensor {
    return RA.tile(this, flatArgs(reps));
  }
  /** Reverses the order along `dims` (like `torch.flip`). */
  flip(...dims: number[] | [readonly number[]]): Tensor {
    return RA.flip(this, flatArgs(dims));
  }
  /** Rolls elements along `dims` by `shifts`; without dims, over the flattened tensor (like `torch.roll`). */
  roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
    return RA.roll(this, shifts, dims);
  }
  /** The upper triangle of the last two dims, above `diagonal` (like `torch.triu`). */
  triu(diagonal = 0): Tensor {
    return RA.triu(this, diagonal);
  }
  /** The lower triangle of the last two dims, below `diagonal` (like `torch.tril`). */
  tril(diagonal = 0): Tensor {
    return RA.tril(this, diagonal);
  }
  /** `value` where the bool `mask` is true (like `torch.Tensor.masked_fill`). */
  maskedFill(mask: Tensor, value: number | Tensor): Tensor {
    return RA.maskedFill(this, mask, value);
  }
  /** `src` (or a number) written at `index` along `dim`, out of place (like `torch.Tensor.scatter`). */
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor {
    return SC.scatter(this, dim, index, src);
  }
  /** `src` added at `index` along `dim`, out of place (like `torch.Tensor.scatter_add`). */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return SC.scatterAdd(this, dim, index, src);
  }
  /** `alpha * source` added at the entries `index` of `dim`, out of place (like `torch.Tensor.index_add`). */
  indexAdd(dim: number, index: Tensor, source: Tensor, options?: SC.IndexAddOptions): Tensor {
    return SC.indexAdd(this, dim, index, source, options);
  }
  /** `values` written (or added) at `this[indices...]`, out of place (like `torch.Tensor.index_put`). */
  indexPut(indices: readonly Tensor[], values: TensorLike, options?: SC.IndexPutOptions): Tensor {
    return SC.indexPut(this, indices, values, options);
  }
  /** Elements of `source` in order at the true places of `mask` (like `torch.Tensor.masked_scatter`). */
  maskedScatter(mask: Tensor, source: Tensor): Tensor {
    return SC.maskedScatter(this, mask, source);
  }
  // Scans and sorting (ops/sort.ts).
  /** Running sums along `dim` (like `torch.cumsum`). */
  cumsum(dim: number): Tensor {
    return SO.cumsum(this, dim);
  }
  /** Running products along `dim` (like `torch.cumprod`). */
  cumprod(dim: number): Tensor {
    return SO.cumprod(this, dim);
  }
  /** Sorted values and their int32 positions along `dim` (like `torch.sort`; always stable). */
  sort(options?: SO.SortOptions): SO.ValuesIndices {
    return SO.sort(this, options);
  }
  /** The int32 positions that sort this tensor along `dim` (like `torch.argsort`). */
  argsort(options?: SO.SortOptions): Tensor {
    return SO.argsort(this, options);
  }
  /** The `k` largest (or smallest) values and their int32 positions along `dim` (like `torch.topk`). */
  topk(k: number, options?: SO.TopkOptions): SO.ValuesIndices {
    return SO.topk(this, k, options);
  }
}

// NOTE: a PyTorch habit, `x.sum(0, true)`, would otherwise be read as no options and drop the dim silently.
function keepdimOf(op: string, options: ReduceOptions | undefined): boolean {
  if (options !== undefined && (typeof options !== 'object' || options === null))
    throw new ArgumentError(`${op}: options must be an object such as { keepdim: true }, got ${describe(options)}`);
  checkOptions(op, options, ['keepdim']);
  const keepdim = options?.keepdim ?? false;
  if (typeof keepdim !== 'boolean') throw new ArgumentError(`${op}: keepdim must be a boolean, got ${String(keepdim)}`);
  return keepdim;
}

function sizeOfShape(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

// NOTE: `f(2, 3)` and `f([2, 3])` are the same call; anything else is passed on as a list for the op to reject.
function flatArgs(args: number[] | [readonly number[]]): readonly number[] {
  return args.length === 1 && Array.isArray(args[0]) ? (args[0] as readonly number[]) : (args as number[]);
}

/** True for cp tensors. */
export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}
setTensorCheck(isTensor);

/** @internal Frees `t`'s storage reference when `t` is garbage-collected without `dispose()`. */
export function collectWhenUnreachable(t: Tensor): void {
  collector.register(t, t.storage, t);
}

/**
 * @internal Wraps storage in a new tensor: registers it for collection and places it by the lifetime rule
 * (its tidy scope, and the iteration of the running model call or of its youngest input).
 */
export function fromStorage(storage: Storage, shape: Shape, dtype: DType, inputs?: readonly Tensor[]): Tensor {
  const t = new Tensor(storage, shape, dtype);
  collectWhenUnreachable(t);
  adopt(t, inputs);
  return t;
}
