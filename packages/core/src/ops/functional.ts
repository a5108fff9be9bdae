/** The functional API: every op as a function (`add(a, b)`, `matmul(a, b)`, `cat([a, b], 0)`, ...). */
export { add, sub, mul, div, pow, maximum, minimum, neg, abs, sign, exp, expm1, log, log1p, sqrt, rsqrt, reciprocal, sin, cos, erf, floor } from './elementwise.js';
export { compare, where, clamp } from './compare.js';
export { relu, sigmoid, tanh, leakyRelu, gelu, softplus } from './activation.js';
export { sum, mean, prod, max, min, argmax, argmin, variance as var_, std, logsumexp, norm, type VarOptions } from './reduce.js';
export { reshape, flatten, squeeze, unsqueeze, permute, transpose, expand, broadcastTo, slice, narrow, split, chunk, cat, stack } from './movement.js';
export { indexSelect, gather } from './indexing.js';
export { matmul } from './linalg.js';
export { softmax, logSoftmax } from './softmax.js';
export { cast, clone } from './cast.js';
