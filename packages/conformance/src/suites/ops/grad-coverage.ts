/**
 * Gradient coverage of the public API: every function `@cp/core` exports (and every function of `F` that
 * is not one of them), and every method of `Tensor.prototype`, found by enumerating the module and the
 * prototype, must have a gradcheck case here, an explicit non-differentiable mark, or be listed as not a
 * tensor op. A newly exported op with none of them fails the first test; a mark whose op does record a
 * gradient fails its probe; a case whose gradient is wrong fails gradcheck.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { caseValues, type InputSpec } from './op-harness.js';

type T = cp.Tensor;

/** A gradcheck case: float32 inputs drawn from `inputs`, and the op applied to them. */
interface Case {
  inputs: InputSpec[];
  fn: (...xs: T[]) => T;
  gradcheck?: cp.GradcheckOptions;
}

/** An explicit mark: the op has no gradient; `probe` runs it on an input that requires one. */
interface NoGrad {
  notDifferentiable: string;
  probe: (x: T) => T | T[];
}

type Entry = Case | NoGrad;

const S: InputSpec = { shape: [2, 3] };
const positive: InputSpec = { shape: [2, 3], range: [0.5, 2] };
const unit: InputSpec = { shape: [2, 3], range: [-0.8, 0.8] };
const nonZero: InputSpec = { shape: [2, 3], awayFromZero: 0.2 };
const distinct: InputSpec = { shape: [2, 3], values: [-1, 0.5, 2, -3, 1.5, 0.25] };
const dividends: InputSpec = { shape: [4], values: [2.1, -1.3, 0.9, 3.3] };
const divisors: InputSpec = { shape: [4], values: [0.8, 0.7, -0.4, 1.3] };
const offBounds: InputSpec = { shape: [2, 3], values: [-3, -0.5, 0.2, 0.9, 1.5, 4] };
const fractions: InputSpec = { shape: [2, 3], values: [-1.5, -0.5, 0.25, 0.5, 1.5, 2.75] };

const c = (inputs: InputSpec[], fn: (...xs: T[]) => T, gradcheck?: cp.GradcheckOptions): Case => ({
  inputs,
  fn,
  gradcheck,
});
const none = (why: string, probe: (x: T) => T | T[]): NoGrad => ({ notDifferentiable: why, probe });

const int = (values: number[], shape?: number[]): T => cp.tensor(values, { dtype: 'int32', shape });
const mask = (): T => cp.tensor([true, false, true, false, true, true], { shape: [2, 3] });
const gen = () => ({ generator: new cp.Generator(3) });

const CREATION = 'a creation function: its result is a new leaf';
const COMPARISON = 'a comparison: its result is bool';
const INDEX = 'an index: its result is int32';

/**
 * Convolution, pooling and padding entries: top-level where PyTorch has them (`F` re-exports those), the
 * rest under their `F` names.
 */
function windowEntries(): Record<string, Entry> {
  const img: InputSpec = { shape: [1, 2, 4, 5] };
  const seq: InputSpec = { shape: [2, 2, 6] };
  const tieFree: InputSpec = {
    shape: [1, 2, 4, 5],
    values: Array.from({ length: 40 }, (_, i) => ((i * 17) % 40) / 9 - 2),
  };
  const tieFree1d: InputSpec = {
    shape: [2, 2, 6],
    values: Array.from({ length: 24 }, (_, i) => ((i * 7) % 24) / 5 - 2),
  };
  const conv2d = c([img, { shape: [3, 2, 2, 3] }, { shape: [3] }], (x, w, b) => cp.conv2d(x, w, b, { padding: 1 }));
  const conv1d = c([seq, { shape: [3, 2, 3] }, { shape: [3] }], (x, w, b) => cp.conv1d(x, w, b, { stride: 2 }));
  const convT = c([img, { shape: [2, 3, 2, 2] }, { shape: [3] }], (x, w, b) =>
    cp.convTranspose2d(x, w, b, { stride: 2 }),
  );
  const max2d = c([tieFree], (x) => cp.maxPool2d(x, 2, { stride: 1 }));
  const max1d = c([tieFree1d], (x) => cp.maxPool1d(x, 3, { stride: 2, padding: 1 }));
  const avg1d = c([seq], (x) => cp.avgPool1d(x, 2));
  return {
    conv1d,
    conv2d,
    convTranspose2d: convT,
    maxPool1d: max1d,
    maxPool2d: max2d,
    avgPool1d: avg1d,
    'F.avgPool2d': c([img], (x) => cp.F.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false })),
    'F.adaptiveAvgPool2d': c([img], (x) => cp.F.adaptiveAvgPool2d(x, [3, 2])),
    'F.pad': c([img], (x) => cp.F.pad(x, [1, 2, 2, 1], { mode: 'reflect' })),
    'F.dropout2d': c([img], (x) => cp.F.dropout2d(x, 0.5, true, gen())),
    'F.unfold': c([img], (x) => cp.F.unfold(x, [2, 3], { padding: 1, stride: 2 })),
    'F.fold': c([{ shape: [1, 8, 12] }], (x) => cp.F.fold(x, [4, 5], 2)),
  };
}

/** The functions of `@cp/core` (and of `F`, prefixed) that are tensor ops. */
const FUNCTIONS: Record<string, Entry> = {
  abs: c([nonZero], (x) => cp.abs(x)),
  acos: c([unit], (x) => cp.acos(x)),
  add: c([S, { shape: [3] }], (a, b) => cp.add(a, b)),
  arange: none(CREATION, () => cp.arange(3)),
  argmax: none(INDEX, (x) => cp.argmax(x, 1)),
  argmin: none(INDEX, (x) => cp.argmin(x, 1)),
  asin: c([unit], (x) => cp.asin(x)),
  atan: c([S], (x) => cp.atan(x)),
  atan2: c([S, { shape: [3], awayFromZero: 0.3 }], (a, b) => cp.atan2(a, b)),
  broadcastTo: c([{ shape: [3] }], (x) => cp.broadcastTo(x, [2, 3])),
  cast: c([S], (x) => cp.cast(x, 'float32')),
  cat: c([S, { shape: [1, 3] }], (a, b) => cp.cat([a, b], 0)),
  chunk: c([{ shape: [2, 5] }], (x) => cp.chunk(x, 2, 1)[1]),
  clamp: c([offBounds], (x) => cp.clamp(x, -1, 1)),
  clone: c([S], (x) => cp.clone(x)),
  compare: none(COMPARISON, (x) => cp.compare('gt', x, 0)),
  cos: c([S], (x) => cp.cos(x)),
  div: c([S, { shape: [2, 1], awayFromZero: 0.5 }], (a, b) => cp.div(a, b)),
  erf: c([S], (x) => cp.erf(x)),
  exp: c([S], (x) => cp.exp(x)),
  expand: c([{ shape: [2, 1] }], (x) => cp.expand(x, [2, 3])),
  expm1: c([S], (x) => cp.expm1(x)),
  eye: none(CREATION, () => cp.eye(2)),
  flatten: c([{ shape: [2, 3, 1] }], (x) => cp.flatten(x, 1)),
  floor: c([fractions], (x) => cp.floor(x)),
  fmod: c([dividends, divisors], (a, b) => cp.fmod(a, b)),
  full: none(CREATION, () => cp.full([2], 1.5)),
  fullLike: none(CREATION, (x) => cp.fullLike(x, 2)),
  gather: c([S], (x) => cp.gather(x, 1, int([2, 0, 1, 1], [2, 2]))),
  gelu: c([S], (x) => cp.gelu(x)),
  indexSelect: c([S], (x) => cp.indexSelect(x, 1, int([2, 0, 2]))),
  leakyRelu: c([nonZero], (x) => cp.leakyRelu(x, 0.1)),
  linspace: none(CREATION, () => cp.linspace(0, 1, 3)),
  log: c([positive], (x) => cp.log(x)),
  log1p: c([positive], (x) => cp.log1p(x)),
  logSoftmax: c([S], (x) => cp.logSoftmax(x, 1)),
  logaddexp: c([S, { shape: [2, 1] }], (a, b) => cp.logaddexp(a, b)),
  logsumexp: c([S], (x) => cp.logsumexp(x, 1)),
  matmul: c([S, { shape: [3, 2] }], (a, b) => cp.matmul(a, b)),
  max: c([distinct], (x) => cp.max(x, 1)),
  maximum: c([distinct, { shape: [3], values: [0, 1, -1] }], (a, b) => cp.maximum(a, b)),
  mean: c([S], (x) => cp.mean(x, 0)),
  min: c([distinct], (x) => cp.min(x, 0)),
  minimum: c([distinct, { shape: [3], values: [0, 1, -1] }], (a, b) => cp.minimum(a, b)),
  mul: c([S, S], (a, b) => cp.mul(a, b)),
  narrow: c([S], (x) => cp.narrow(x, 1, 1, 2)),
  neg: c([S], (x) => cp.neg(x)),
  norm: c([S], (x) => cp.norm(x, 2, 1)),
  ones: none(CREATION, () => cp.ones([2])),
  onesLike: none(CREATION, (x) => cp.onesLike(x)),
  permute: c([S], (x) => cp.permute(x, [1, 0])),
  pow: c([positive, S], (a, b) => cp.pow(a, b)),
  prod: c([positive], (x) => cp.prod(x, 1)),
  rand: none(CREATION, () => cp.rand([2], gen())),
  randint: none(CREATION, () => cp.randint(0, 5, [2], gen())),
  randn: none(CREATION, () => cp.randn([2], gen())),
  randperm: none(CREATION, () => cp.randperm(3, gen())),
  reciprocal: c([positive], (x) => cp.reciprocal(x)),
  relu: c([nonZero], (x) => cp.relu(x)),
  remainder: c([dividends, divisors], (a, b) => cp.remainder(a, b)),
  reshape: c([S], (x) => cp.reshape(x, [3, 2])),
  rsqrt: c([positive], (x) => cp.rsqrt(x)),
  sigmoid: c([S], (x) => cp.sigmoid(x)),
  sign: c([nonZero], (x) => cp.sign(x)),
  sin: c([S], (x) => cp.sin(x)),
  slice: c([S], (x) => cp.slice(x, 1, 0, 3, 2)),
  softmax: c([S], (x) => cp.softmax(x, 0)),
  softplus: c([S], (x) => cp.softplus(x)),
  split: c([{ shape: [2, 4] }], (x) => cp.split(x, [1, 3], 1)[1]),
  sqrt: c([positive], (x) => cp.sqrt(x)),
  squeeze: c([{ shape: [2, 1, 3] }], (x) => cp.squeeze(x, 1)),
  stack: c([S, S], (a, b) => cp.stack([a, b], 1)),
  std: c([S], (x) => cp.std(x, 1)),
  sub: c([{ shape: [] }, S], (a, b) => cp.sub(a, b)),
  sum: c([S], (x) => cp.sum(x, 1)),
  tan: c([unit], (x) => cp.tan(x)),
  tanh: c([S], (x) => cp.tanh(x)),
  tensor: none(CREATION, () => cp.tensor([1, 2])),
  transpose: c([S], (x) => cp.transpose(x, 0, 1)),
  unsqueeze: c([S], (x) => cp.unsqueeze(x, 1)),
  var_: c([S], (x) => cp.var_(x, 0)),
  where: c([S, { shape: [3] }], (a, b) => cp.where(mask(), a, b)),
  zeros: none(CREATION, () => cp.zeros([2])),
  zerosLike: none(CREATION, (x) => cp.zerosLike(x)),
  'F.batchNorm': c([{ shape: [3, 2, 2] }, { shape: [2] }, { shape: [2] }], (x, w, b) =>
    cp.F.batchNorm(x, null, null, w, b, { training: true }),
  ),
  'F.binaryCrossEntropy': c(
    [
      { shape: [2, 3], range: [0.1, 0.9] },
      { shape: [2, 3], range: [0, 1] },
    ],
    (p, y) => cp.F.binaryCrossEntropy(p, y),
  ),
  'F.binaryCrossEntropyWithLogits': c(
    [S, { shape: [2, 3], range: [0, 1] }, { shape: [3], range: [0.5, 2] }],
    (x, y, w) => cp.F.binaryCrossEntropyWithLogits(x, y, { posWeight: w }),
  ),
  // NOTE: plain cross entropy may take the backend's fused kernel; label smoothing takes the composite.
  'F.crossEntropy': c([S], (x) =>
    cp.add(cp.F.crossEntropy(x, int([2, 0])), cp.F.crossEntropy(x, int([1, 0]), { labelSmoothing: 0.1 })),
  ),
  'F.dropout': c([S], (x) => cp.F.dropout(x, 0.5, true, gen())),
  'F.groupNorm': c([{ shape: [2, 4, 2] }, { shape: [4] }, { shape: [4] }], (x, w, b) => cp.F.groupNorm(x, 2, w, b)),
  'F.huberLoss': c([S, { shape: [2, 3], values: [1.5, 0, -2, 0.8, 3, -0.4] }], (a, b) => cp.F.huberLoss(a, b)),
  'F.l1Loss': c([S, { shape: [2, 3], values: [2.5, 0, -2.5, 0.1, 3, -0.4] }], (a, b) => cp.F.l1Loss(a, b)),
  'F.layerNorm': c([S, { shape: [3] }, { shape: [3] }], (x, w, b) => cp.F.layerNorm(x, 3, { weight: w, bias: b })),
  'F.linear': c([S, { shape: [4, 3] }, { shape: [4] }], (x, w, b) => cp.F.linear(x, w, b)),
  'F.mseLoss': c([S, S], (a, b) => cp.F.mseLoss(a, b)),
  'F.nllLoss': c([S], (x) => cp.F.nllLoss(x, int([1, 2]))),
  'F.scaledDotProductAttention': c([{ shape: [2, 3] }, { shape: [4, 3] }, { shape: [4, 2] }], (q, k, v) =>
    cp.F.scaledDotProductAttention(q, k, v, { attnMask: cp.tensor([true, false, true, true], { shape: [1, 4] }) }),
  ),
  'F.smoothL1Loss': c([S, { shape: [2, 3], values: [1.5, 0, -2, 0.8, 3, -0.4] }], (a, b) => cp.F.smoothL1Loss(a, b)),
  // Sparsemax (nn/functional/sparsemax.ts): inputs away from the kinks where the support changes.
  'F.sparsemax': c([{ shape: [2, 4], values: [0.9, -0.35, 0.2, 1.7, -1.3, 0.55, 0.05, -0.6] }], (x) =>
    cp.F.sparsemax(x),
  ),
  // Rearranging, masking and scattering (ops/rearrange.ts, ops/scatter.ts, nn/functional/one-hot.ts).
  flip: c([S], (x) => cp.flip(x, [0, 1])),
  indexAdd: c([{ shape: [3, 2] }, S], (x, s) => cp.indexAdd(x, 0, int([2, 0]), s.reshape(3, 2).narrow(0, 0, 2))),
  indexPut: c([S, { shape: [2] }], (x, v) => cp.indexPut(x, [int([1, 0]), int([2, 2])], v)),
  maskedFill: c([S, { shape: [] }], (x, v) => cp.maskedFill(x, mask(), v)),
  maskedScatter: c([S, { shape: [4] }], (x, s) => cp.maskedScatter(x, mask(), s)),
  repeat: c([S], (x) => cp.repeat(x, [2, 1])),
  roll: c([S], (x) => cp.roll(x, [1, 2], [0, 1])),
  scatter: c([S, S], (x, s) => cp.scatter(x, 1, int([2, 0, 1, 1, 2, 0], [2, 3]), s)),
  scatterAdd: c([S, S], (x, s) => cp.scatterAdd(x, 1, int([2, 0, 2, 1, 1, 0], [2, 3]), s)),
  tile: c([S], (x) => cp.tile(x, [2])),
  tril: c([S], (x) => cp.tril(x, 1)),
  triu: c([S], (x) => cp.triu(x, -1)),
  'F.oneHot': none(INDEX, () => cp.F.oneHot(int([0, 2]), 3)),
  einsum: c([S, { shape: [3, 2] }], (a, b) => cp.einsum('ij,jk->ik', a, b)),
  // Scans and sorting (ops/sort.ts).
  argsort: none(INDEX, (x) => cp.argsort(x, { dim: 0 })),
  cumprod: c([positive], (x) => cp.cumprod(x, 1)),
  cumsum: c([S], (x) => cp.cumsum(x, 0)),
  sort: c([distinct], (x) => cp.sort(x, { dim: 1, descending: true }).values),
  topk: c([distinct], (x) => cp.topk(x, 2, { dim: 1 }).values),
  // Convolution, pooling and padding (suites/nn/window.ts has the PyTorch and option cases).
  ...windowEntries(),
};

/** The methods of `Tensor` that are tensor ops. */
const METHODS: Record<string, Entry> = {
  abs: c([nonZero], (x) => x.abs()),
  acos: c([unit], (x) => x.acos()),
  add: c([S, S], (a, b) => a.add(b)),
  argmax: none(INDEX, (x) => x.argmax(1)),
  argmin: none(INDEX, (x) => x.argmin()),
  asin: c([unit], (x) => x.asin()),
  atan: c([S], (x) => x.atan()),
  atan2: c([S, { shape: [3], awayFromZero: 0.3 }], (a, b) => a.atan2(b)),
  bool: none('a cast to bool', (x) => x.bool()),
  broadcastTo: c([{ shape: [1, 3] }], (x) => x.broadcastTo(2, 3)),
  chunk: c([{ shape: [2, 5] }], (x) => x.chunk(2, 1)[0]),
  clamp: c([offBounds], (x) => x.clamp(0, 1)),
  clone: c([S], (x) => x.clone()),
  contiguous: c([S], (x) => x.contiguous()),
  copy_: none('an in-place write, never recorded', (x) => cp.zeros([2, 3]).copy_(x)),
  cos: c([S], (x) => x.cos()),
  detach: none('cut from the graph by definition', (x) => x.detach()),
  div: c([S, { shape: [2, 3], awayFromZero: 0.5 }], (a, b) => a.div(b)),
  eq: none(COMPARISON, (x) => x.eq(0)),
  erf: c([S], (x) => x.erf()),
  exp: c([S], (x) => x.exp()),
  expand: c([{ shape: [2, 1] }], (x) => x.expand(2, 3)),
  expm1: c([S], (x) => x.expm1()),
  fill_: none('an in-place write, never recorded', () => cp.zeros([2]).fill_(1)),
  flatten: c([S], (x) => x.flatten()),
  float: c([S], (x) => x.float()),
  floor: c([fractions], (x) => x.floor()),
  fmod: c([dividends, divisors], (a, b) => a.fmod(b)),
  gather: c([S], (x) => x.gather(0, int([1, 0, 1], [1, 3]))),
  ge: none(COMPARISON, (x) => x.ge(0)),
  gelu: c([S], (x) => x.gelu('tanh')),
  gt: none(COMPARISON, (x) => x.gt(0)),
  indexSelect: c([S], (x) => x.indexSelect(0, int([1, 1, 0]))),
  int: none('a cast to int32', (x) => x.int()),
  le: none(COMPARISON, (x) => x.le(0)),
  leakyRelu: c([nonZero], (x) => x.leakyRelu(0.2)),
  log: c([positive], (x) => x.log()),
  log1p: c([positive], (x) => x.log1p()),
  logSoftmax: c([S], (x) => x.logSoftmax()),
  logaddexp: c([S, S], (a, b) => a.logaddexp(b)),
  logsumexp: c([S], (x) => x.logsumexp(0, { keepdim: true })),
  lt: none(COMPARISON, (x) => x.lt(0)),
  matmul: c([S, { shape: [3] }], (a, b) => a.matmul(b)),
  max: c([distinct], (x) => x.max(0)),
  maximum: c([distinct, { shape: [2, 3], values: [0, 1, -1, -2, 2, 0] }], (a, b) => a.maximum(b)),
  mean: c([S], (x) => x.mean(1, { keepdim: true })),
  min: c([distinct], (x) => x.min()),
  minimum: c([distinct, { shape: [2, 3], values: [0, 1, -1, -2, 2, 0] }], (a, b) => a.minimum(b)),
  mul: c([S], (x) => x.mul(-0.75)),
  narrow: c([S], (x) => x.narrow(0, 1, 1)),
  ne: none(COMPARISON, (x) => x.ne(0)),
  neg: c([S], (x) => x.neg()),
  norm: c([nonZero], (x) => x.norm(1, 1)),
  permute: c([{ shape: [2, 3, 1] }], (x) => x.permute(2, 0, 1)),
  pow: c([positive], (x) => x.pow(2.5)),
  prod: c([positive], (x) => x.prod()),
  reciprocal: c([positive], (x) => x.reciprocal()),
  relu: c([nonZero], (x) => x.relu()),
  remainder: c([dividends, divisors], (a, b) => a.remainder(b)),
  reshape: c([S], (x) => x.reshape(6)),
  rsqrt: c([positive], (x) => x.rsqrt()),
  sigmoid: c([S], (x) => x.sigmoid()),
  sign: c([nonZero], (x) => x.sign()),
  sin: c([S], (x) => x.sin()),
  slice: c([S], (x) => x.slice(1, 1)),
  softmax: c([S], (x) => x.softmax()),
  softplus: c([S], (x) => x.softplus(2, 1)),
  split: c([{ shape: [2, 4] }], (x) => x.split(3, 1)[0]),
  sqrt: c([positive], (x) => x.sqrt()),
  square: c([S], (x) => x.square()),
  squeeze: c([{ shape: [1, 3] }], (x) => x.squeeze()),
  std: c([S], (x) => x.std(0)),
  sub: c([S], (x) => x.sub(1.5)),
  sum: c([S], (x) => x.sum()),
  t: c([S], (x) => x.t()),
  tan: c([unit], (x) => x.tan()),
  tanh: c([S], (x) => x.tanh()),
  to: c([S], (x) => x.to('float32')),
  transpose: c([S], (x) => x.transpose(1, 0)),
  unsqueeze: c([S], (x) => x.unsqueeze(0)),
  var: c([S], (x) => x.var(1, { correction: 0 })),
  view: c([S], (x) => x.view(3, 2)),
  where: c([S, S], (a, b) => a.where(mask(), b)),
  zero_: none('an in-place write, never recorded', () => cp.ones([2]).zero_()),
  // Rearranging, masking and scattering (ops/rearrange.ts, ops/scatter.ts).
  flip: c([S], (x) => x.flip(1)),
  indexAdd: c([S, { shape: [2, 2] }], (x, s) => x.indexAdd(1, int([0, 2]), s, { alpha: 1.5 })),
  indexPut: c([S, { shape: [3] }], (x, v) => x.indexPut([int([1])], v, { accumulate: true })),
  maskedFill: c([S], (x) => x.maskedFill(mask(), 2)),
  maskedScatter: c([S, S], (x, s) => x.maskedScatter(mask(), s)),
  repeat: c([S], (x) => x.repeat(1, 2, 1)),
  roll: c([S], (x) => x.roll(-2)),
  scatter: c([S], (x) => x.scatter(0, int([1, 0, 1], [1, 3]), 0.5)),
  scatterAdd: c([S, { shape: [2, 2] }], (x, s) => x.scatterAdd(1, int([1, 1, 0, 2], [2, 2]), s)),
  tile: c([S], (x) => x.tile(2, 1, 1)),
  tril: c([S], (x) => x.tril()),
  triu: c([S], (x) => x.triu(1)),
  // Scans and sorting (ops/sort.ts).
  argsort: none(INDEX, (x) => x.argsort()),
  cumprod: c([S], (x) => x.cumprod(0)),
  cumsum: c([S], (x) => x.cumsum(-1)),
  sort: c([distinct], (x) => x.sort().values),
  topk: c([distinct], (x) => x.topk(1, { dim: 0, largest: false }).values),
};

/** Exports that are not tensor ops: backend and mode switches, scopes, io, checks and helpers. */
const NOT_OPS = new Set([
  'applyConstraints',
  'backendNames',
  'decodeSafetensors',
  'detectAnomaly',
  'dtypeOfArray',
  'enableGrad',
  'encodeSafetensors',
  'fmtShape',
  'getBackend',
  'gradcheck',
  'isAnomalyEnabled',
  'isDType',
  'isGradEnabled',
  'isTensor',
  'keep',
  'loadCheckpoint',
  'manualSeed',
  'memory',
  'noGrad',
  'profile',
  'registerBackend',
  'removeBackend',
  'saveCheckpoint',
  'setBackend',
  'setBackendSync',
  'setDetectAnomaly',
  'tidy',
  'typedArrayFor',
]);

/** Tensor methods that read, describe or manage a tensor rather than compute one. */
const NOT_OP_METHODS = new Set([
  '_disposedError',
  '_release',
  'backward',
  'data',
  'dataSync',
  'dispose',
  'item',
  'registerHook',
  'requiresGrad_',
  'retainGrad',
  'toArray',
  'toString',
]);

const isClass = (f: unknown): boolean =>
  typeof f === 'function' && /^class\b/.test(Function.prototype.toString.call(f));

/** Every exported function of `@cp/core`, and of `F` under `F.` when it is not also a top-level export. */
function exportedFunctions(): string[] {
  const top = Object.entries(cp).filter(([, v]) => typeof v === 'function' && !isClass(v));
  const seen = new Set<unknown>(top.map(([, v]) => v));
  const fromF = Object.entries(cp.F).filter(([, v]) => typeof v === 'function' && !seen.has(v));
  return [...top.map(([k]) => k), ...fromF.map(([k]) => `F.${k}`)].sort();
}

/** Every method of `Tensor.prototype` (getters and the constructor excluded). */
function tensorMethods(): string[] {
  const proto = cp.Tensor.prototype;
  return Object.getOwnPropertyNames(proto)
    .filter((k) => k !== 'constructor' && typeof Object.getOwnPropertyDescriptor(proto, k)?.value === 'function')
    .sort();
}

/** The names in `found` that no list covers, and the listed names that are not found (stale entries). */
function coverage(found: string[], entries: Record<string, Entry>, notOps: Set<string>) {
  const listed = new Set([...Object.keys(entries), ...notOps]);
  return {
    missing: found.filter((k) => !listed.has(k)),
    stale: [...listed].filter((k) => !found.includes(k)),
    both: Object.keys(entries).filter((k) => notOps.has(k)),
  };
}

function registerEntries(ctx: SuiteContext, kind: string, entries: Record<string, Entry>): void {
  Object.entries(entries).forEach(([name, entry], k) => {
    if ('notDifferentiable' in entry) {
      test(`${kind} ${name} is marked not differentiable (${entry.notDifferentiable}) and records no gradient`, () => {
        cp.tidy(() => {
          const x = cp.tensor([0.5, -1, 2, 0, 1.5, -0.25], { shape: [2, 3], requiresGrad: true });
          const out = entry.probe(x);
          for (const t of Array.isArray(out) ? out : [out]) expect(t.requiresGrad).toBe(false);
        });
      });
      return;
    }
    test(`${kind} ${name}: autograd's gradient agrees with finite differences`, () => {
      const values = caseValues({ name, inputs: entry.inputs, fn: entry.fn }, ctx.seed * 104729 + k);
      const be = ctx.backend();
      const res = cp.tidy(() => {
        const xs = values.map((v, i) => cp.tensor(v, { shape: entry.inputs[i].shape, backend: be }));
        const out = entry.fn(...cp.noGrad(() => xs.map((x) => x.clone().requiresGrad_())));
        expect(out.requiresGrad).toBe(true);
        return cp.gradcheck(entry.fn, xs, entry.gradcheck);
      });
      if (!res.ok) {
        const w = res.worst!;
        throw new Error(
          `${name}: gradcheck failed at input ${w.input}, element ${w.index}: analytic ${w.analytic}, numeric ${w.numeric}`,
        );
      }
    });
  });
}

/** The coverage check and one gradcheck (or probe) per public op. */
export function gradCoverageSuite(ctx: SuiteContext): void {
  describe('gradient coverage of every public op', () => {
    test('every exported function is a gradchecked op, a non-differentiable op, or not an op', () => {
      expect(coverage(exportedFunctions(), FUNCTIONS, NOT_OPS)).toEqual({ missing: [], stale: [], both: [] });
    });

    test('every Tensor method is a gradchecked op, a non-differentiable op, or not an op', () => {
      expect(coverage(tensorMethods(), METHODS, NOT_OP_METHODS)).toEqual({ missing: [], stale: [], both: [] });
    });

    registerEntries(ctx, 'function', FUNCTIONS);
    registerEntries(ctx, 'method', METHODS);
  });
}
