/** The functional API: every op as a function (`add(a, b)`, `matmul(a, b)`, `cat([a, b], 0)`, ...). */

export { gelu, leakyRelu, relu, sigmoid, softplus, tanh } from './activation.js';
export { castTo as cast, clone } from './cast.js';
export { clamp, compare, where } from './compare.js';
export { einsum } from './einsum.js';
export {
  abs,
  acos,
  add,
  asin,
  atan,
  atan2,
  cos,
  div,
  erf,
  exp,
  expm1,
  floor,
  fmod,
  log,
  log1p,
  logaddexp,
  maximum,
  minimum,
  mul,
  neg,
  pow,
  reciprocal,
  remainder,
  rsqrt,
  sign,
  sin,
  sqrt,
  sub,
  tan,
} from './elementwise.js';
export { gather, indexSelect } from './indexing.js';
export { matmul } from './linalg.js';
export {
  broadcastTo,
  cat,
  chunk,
  expand,
  flatten,
  narrow,
  permute,
  reshape,
  slice,
  split,
  squeeze,
  stack,
  transpose,
  unsqueeze,
} from './movement.js';
export { flip, maskedFill, repeat, roll, tile, tril, triu } from './rearrange.js';
export {
  argmax,
  argmin,
  logsumexp,
  max,
  mean,
  min,
  norm,
  prod,
  std,
  sum,
  type VarOptions,
  variance as var_,
} from './reduce.js';
export {
  type IndexAddOptions,
  type IndexPutOptions,
  indexAdd,
  indexPut,
  maskedScatter,
  scatter,
  scatterAdd,
} from './scatter.js';
export { logSoftmax, softmax } from './softmax.js';
export {
  argsort,
  cumprod,
  cumsum,
  type SortOptions,
  sort,
  type TopkOptions,
  topk,
  type ValuesIndices,
} from './sort.js';
