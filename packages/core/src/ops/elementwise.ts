/**
 * Elementwise arithmetic and math functions with PyTorch's broadcasting and type promotion. Gradient rules
 * are tables typed over the kernel op sets (`{ [P in BinaryOp]: ... }`, `{ [P in UnaryOp]: ... }`), so a new
 * op fails to compile until it has one. Broadcast inputs get their gradient summed back to their shape
 * (`unbroadcast`), in one place.
 */
import type { DType } from '../backend/dtype.js';
import type { BinaryOp, UnaryOp } from '../backend/kernels.js';
import { INT32_BINARY_OPS, INT32_UNARY_OPS } from '../backend/ops.generated.js';
import { backendOf, empty, hasFused, recorder, runFused, runKernel, withOp } from '../engine/dispatch.js';
import { ArgumentError } from '../errors.js';
import { zerosLike } from '../tensor/creation.js';
import { broadcastLayout, type Shape, sameShape } from '../tensor/shape.js';
import type { Tensor, TensorLike } from '../tensor/tensor.js';
import { checkTensor, checkTensorLike } from '../tensor/validate.js';
import { cast } from './cast.js';
import { compare, where } from './compare.js';
import { sumTo } from './reduce.js';

/** The result dtype of a binary op on two tensors (float32 > int32 > bool; bool arithmetic gives int32). */
export function promote(a: DType, b: DType): DType {
  if (a === 'float32' || b === 'float32') return 'float32';
  return 'int32';
}

/** The result dtype of a tensor with a plain number. */
function promoteScalar(a: DType, s: number): DType {
  if (a === 'float32' || !Number.isInteger(s)) return 'float32';
  return 'int32';
}

/** The public name of a kernel op, where it differs (for messages). */
const BINARY_NAMES: Partial<Record<BinaryOp, string>> = { max: 'maximum', min: 'minimum' };
const UNARY_NAMES: Partial<Record<UnaryOp, string>> = { recip: 'reciprocal' };

/** Runs a unary kernel (float32 math; int32 for neg/abs/sign) without recording a gradient. */
export function unaryRaw(op: UnaryOp, x: Tensor): Tensor {
  const name = UNARY_NAMES[op] ?? op;
  checkTensor(name, x);
  const intOk = INT32_UNARY_OPS.has(op);
  const input = x.dtype === 'float32' || (intOk && x.dtype === 'int32') ? x : cast(x, intOk ? 'int32' : 'float32');
  const backend = backendOf(op, input);
  const out = empty(backend, input.shape, input.dtype, [x]);
  runKernel(
    backend,
    'unary',
    { op, dtype: input.dtype, x: input.storage.handle, out: out.storage.handle, n: input.size },
    name,
    [x],
  );
  return out;
}

/** Runs a binary kernel with broadcasting, without recording a gradient. */
export function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  let dtype = op === 'div' || op === 'pow' ? 'float32' : promote(a.dtype, b.dtype);
  if (dtype === 'int32' && !INT32_BINARY_OPS.has(op)) dtype = 'float32';
  const ca = cast(a, dtype);
  const cb = cast(b, dtype);
  const backend = backendOf(op, ca, cb);
  const { shape, kernelShape, strides } = broadcastLayout(op, ca.shape, cb.shape);
  const out = empty(backend, shape, dtype, [a, b]);
  const [aStrides, bStrides] = strides;
  runKernel(
    backend,
    'binary',
    {
      op,
      dtype,
      a: ca.storage.handle,
      b: cb.storage.handle,
      out: out.storage.handle,
      shape: kernelShape,
      aStrides,
      bStrides,
    },
    BINARY_NAMES[op] ?? op,
    [a, b],
  );
  return out;
}

/** Runs `x op s` (or `s op x` when `reverse`) without recording a gradient. */
export function scalarRaw(op: BinaryOp, x: Tensor, s: number, reverse = false): Tensor {
  let dtype = op === 'div' || op === 'pow' ? 'float32' : promoteScalar(x.dtype, s);
  if (dtype === 'int32' && !INT32_BINARY_OPS.has(op)) dtype = 'float32';
  const cx = cast(x, dtype);
  const backend = backendOf(op, cx);
  const out = empty(backend, cx.shape, dtype, [x]);
  runKernel(
    backend,
    'binaryScalar',
    { op, dtype, x: cx.storage.handle, scalar: s, reverse, out: out.storage.handle, n: cx.size },
    BINARY_NAMES[op] ?? op,
    [x],
  );
  return out;
}

/** Sums a broadcast gradient back to `shape` (no-op when the shapes already match). */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  return sameShape(g.shape, shape) ? g : sumTo(g, shape);
}

/** The gradient of a binary op for input `a` (0) or `b` (1); called only for an input that needs one. */
type Rule2 = (g: Tensor, a: Tensor, b: Tensor, out: Tensor, input: 0 | 1) => Tensor;
type RuleScalar = (g: Tensor, x: Tensor, s: number, out: Tensor) => Tensor;

const rules: { [P in BinaryOp]: Rule2 } = {
  add: (g) => g,
  sub: (g, _a, _b, _out, i) => (i === 0 ? g : neg(g)),
  mul: (g, a, b, _out, i) => mul(g, i === 0 ? b : a),
  div: (g, a, b, _out, i) => (i === 0 ? div(g, b) : neg(div(mul(g, a), mul(b, b)))),
  // NOTE: PyTorch's rules where the formulas give 0 * Infinity: d/da is 0 where b == 0, and d/db is 0
  // where a == 0 and b >= 0 (out * log(a) would be 0 * -Infinity there).
  pow: (g, a, b, out, i) =>
    i === 0 ? where(compare('eq', b, 0), 0, mul(g, mul(b, pow(a, sub(b, 1))))) : powExponentGrad(g, a, b, out),
  max: (g, a, b, _out, i) => splitTies(g, compare('gt', a, b), compare('eq', a, b))[i],
  min: (g, a, b, _out, i) => splitTies(g, compare('lt', a, b), compare('eq', a, b))[i],
  atan2: (g, a, b, _out, i) => mul(g, div(i === 0 ? b : neg(a), add(mul(a, a), mul(b, b)))),
  // NOTE: PyTorch's rules: d/db fmod = -trunc(a / b), d/db remainder = -floor(a / b) (steps, not slopes).
  fmod: (g, a, b, _out, i) => (i === 0 ? g : neg(mul(g, trunc(div(a, b))))),
  remainder: (g, a, b, _out, i) => (i === 0 ? g : neg(mul(g, floor(div(a, b))))),
  // NOTE: d/da log(e^a + e^b) = e^(a - out), which never overflows (a - out <= 0).
  logaddexp: (g, a, b, out, i) => mul(g, exp(sub(i === 0 ? a : b, out))),
};

/** Rounds toward zero (for the fmod gradient; no kernel of its own). */
function trunc(x: Tensor): Tensor {
  return mul(sign(x), floor(abs(x)));
}

function powExponentGrad(g: Tensor, a: Tensor, b: Tensor, out: Tensor): Tensor {
  const full = mul(g, mul(out, log(a)));
  return where(compare('eq', a, 0), where(compare('ge', b, 0), 0, full), full);
}

// NOTE: like PyTorch, equal inputs of maximum/minimum share the gradient half and half.
function splitTies(g: Tensor, wins: Tensor, ties: Tensor): [Tensor, Tensor] {
  const half = mul(g, 0.5);
  const ga = where(wins, g, where(ties, half, 0));
  const gb = where(wins, 0, where(ties, half, g));
  return [ga, gb];
}

const scalarRules: { [P in BinaryOp]: RuleScalar } = {
  add: (g) => g,
  sub: (g) => g,
  mul: (g, _x, s) => mul(g, s),
  div: (g, _x, s) => div(g, s),
  // NOTE: x ** 0 is constant, so its gradient is exactly 0 (PyTorch's zeros_like), even at x = 0 where
  // 0 * 0^-1 would be NaN and for an infinite upstream gradient.
  pow: (g, x, s) => (s === 0 ? zerosLike(g) : mul(g, mul(pow(x, s - 1), s))),
  max: (g, x, s) => where(compare('gt', x, s), g, where(compare('eq', x, s), mul(g, 0.5), 0)),
  min: (g, x, s) => where(compare('lt', x, s), g, where(compare('eq', x, s), mul(g, 0.5), 0)),
  atan2: (g, x, s) => mul(g, div(s, add(mul(x, x), s * s))),
  fmod: (g) => g,
  remainder: (g) => g,
  logaddexp: (g, x, _s, out) => mul(g, exp(sub(x, out))),
};

/** Gradients of `s op x` for x; total, so a new op cannot silently reuse the rule of `x op s`. */
const reverseScalarRules: { [P in BinaryOp]: RuleScalar } = {
  add: scalarRules.add,
  sub: (g) => neg(g),
  mul: scalarRules.mul,
  div: (g, x, s) => neg(div(mul(g, s), mul(x, x))),
  // NOTE: d/dx s^x = s^x log(s); for s = 0 PyTorch gives 0 where x >= 0 (0 * -Infinity otherwise).
  pow: (g, x, s, out) =>
    s === 0 ? where(compare('ge', x, 0), 0, mul(g, mul(out, -Infinity))) : mul(g, mul(out, Math.log(s))),
  max: scalarRules.max,
  min: scalarRules.min,
  atan2: (g, x, s) => neg(mul(g, div(s, add(mul(x, x), s * s)))),
  fmod: (g, x, s) => neg(mul(g, trunc(div(s, x)))),
  remainder: (g, x, s) => neg(mul(g, floor(div(s, x)))),
  logaddexp: scalarRules.logaddexp,
};

/** What the elementwise ops save for their rules: operands and output, and the kernel op as `ctx`. */
interface ElementwiseOps {
  unary: { saved: [x: Tensor, out: Tensor]; ctx: UnaryOp };
  binary: { saved: [a: Tensor, b: Tensor, out: Tensor]; ctx: BinaryOp };
  /** `x op scalar`, or `scalar op x` when `reverse`. */
  binaryScalar: { saved: [x: Tensor, out: Tensor]; ctx: { op: BinaryOp; scalar: number; reverse: boolean } };
}

const record = recorder<ElementwiseOps>({
  unary: (g, [x, out], op) => [unaryRules[op](g, x, out)],
  binary: (g, [a, b, out], op, needs) => [
    needs[0] ? unbroadcast(rules[op](g, a, b, out, 0), a.shape) : null,
    needs[1] ? unbroadcast(rules[op](g, a, b, out, 1), b.shape) : null,
  ],
  binaryScalar: (g, [x, out], { op, scalar, reverse }) => [
    (reverse ? reverseScalarRules : scalarRules)[op](g, x, scalar, out),
  ],
});

/** Applies a binary op to tensors and/or numbers, recording its gradient. */
export function binary(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  const name = BINARY_NAMES[op] ?? op;
  return withOp(name, () => {
    checkTensorLike(name, a);
    checkTensorLike(name, b);
    if (typeof a === 'number' && typeof b === 'number')
      throw new ArgumentError(`${name}: at least one operand must be a tensor, got ${a} and ${b}`);
    if (typeof b === 'number') {
      const out = scalarRaw(op, a as Tensor, b);
      return record(out, 'binaryScalar', {
        name: op,
        inputs: [a as Tensor],
        saved: [a as Tensor, out],
        ctx: { op, scalar: b, reverse: false },
      });
    }
    if (typeof a === 'number') {
      const out = scalarRaw(op, b, a, true);
      return record(out, 'binaryScalar', {
        name: op,
        inputs: [b],
        saved: [b, out],
        ctx: { op, scalar: a, reverse: true },
      });
    }
    const out = binaryRaw(op, a, b);
    return record(out, 'binary', { name: op, inputs: [a, b], saved: [a, b, out], ctx: op });
  });
}

/** `a + b`. */
export const add = (a: TensorLike, b: TensorLike): Tensor => binary('add', a, b);
/** `a - b`. */
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary('sub', a, b);
/** `a * b`. */
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary('mul', a, b);
/** `a / b` (true division). */
export const div = (a: TensorLike, b: TensorLike): Tensor => binary('div', a, b);
/** `a ** b`. */
export const pow = (a: TensorLike, b: TensorLike): Tensor => binary('pow', a, b);
/** Elementwise maximum. */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary('max', a, b);
/** Elementwise minimum. */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary('min', a, b);
/** `atan(a / b)` in the quadrant of the point `(b, a)`, in `[-pi, pi]` (C's atan2). */
export const atan2 = (a: TensorLike, b: TensorLike): Tensor => binary('atan2', a, b);
/** `a - trunc(a / b) * b`: the remainder with the sign of the dividend `a` (C's fmod, `torch.fmod`). */
export const fmod = (a: TensorLike, b: TensorLike): Tensor => binary('fmod', a, b);
/** `a - floor(a / b) * b`: the remainder with the sign of the divisor `b` (Python's `%`, `torch.remainder`). */
export const remainder = (a: TensorLike, b: TensorLike): Tensor => binary('remainder', a, b);
/** `log(e^a + e^b)`, without overflow or underflow (`torch.logaddexp`). */
export const logaddexp = (a: TensorLike, b: TensorLike): Tensor => binary('logaddexp', a, b);

/** Applies a unary op, recording its gradient (`unaryRules`). */
export function unary(op: UnaryOp, x: Tensor): Tensor {
  return withOp(UNARY_NAMES[op] ?? op, () => {
    const out = unaryRaw(op, x);
    return record(out, 'unary', { name: op, inputs: [x], saved: [x, out], ctx: op });
  });
}

/** `-x`. */
export const neg = (x: Tensor): Tensor => unary('neg', x);
/** `|x|` (gradient 0 at 0). */
export const abs = (x: Tensor): Tensor => unary('abs', x);
/** Sign of x. */
export const sign = (x: Tensor): Tensor => unary('sign', x);
/** `e^x`. */
export const exp = (x: Tensor): Tensor => unary('exp', x);
/** `e^x - 1`. */
export const expm1 = (x: Tensor): Tensor => unary('expm1', x);
/** Natural log. */
export const log = (x: Tensor): Tensor => unary('log', x);
/** `log(1 + x)`. */
export const log1p = (x: Tensor): Tensor => unary('log1p', x);
/** Square root. */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
/** `1 / sqrt(x)`. */
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x);
/** `1 / x`. */
export const reciprocal = (x: Tensor): Tensor => unary('recip', x);
/** Sine. */
export const sin = (x: Tensor): Tensor => unary('sin', x);
/** Cosine. */
export const cos = (x: Tensor): Tensor => unary('cos', x);
/** Tangent; d/dx = 1 + tan(x)^2. */
export const tan = (x: Tensor): Tensor => unary('tan', x);
/** Inverse tangent, in `(-pi/2, pi/2)`; d/dx = 1 / (1 + x^2). */
export const atan = (x: Tensor): Tensor => unary('atan', x);
/** Inverse sine, in `[-pi/2, pi/2]` (NaN outside `[-1, 1]`); d/dx = 1 / sqrt(1 - x^2). */
export const asin = (x: Tensor): Tensor => unary('asin', x);
/** Inverse cosine, in `[0, pi]` (NaN outside `[-1, 1]`); d/dx = -1 / sqrt(1 - x^2). */
export const acos = (x: Tensor): Tensor => unary('acos', x);
/** Error function; d/dx = 2/sqrt(pi) e^(-x^2). */
export const erf = (x: Tensor): Tensor => unary('erf', x);
/** Rounds down (gradient 0). */
export const floor = (x: Tensor): Tensor => unary('floor', x);

/** relu's gradient `x > 0 ? g : 0`: one fused kernel where the backend has it, else compare and where. */
function reluGrad(g: Tensor, x: Tensor): Tensor {
  const backend = backendOf('relu', g, x);
  if (
    !hasFused(backend, 'reluBackward') ||
    g.dtype !== 'float32' ||
    x.dtype !== 'float32' ||
    !sameShape(g.shape, x.shape)
  )
    return where(compare('gt', x, 0), g, 0);
  const out = empty(backend, x.shape, 'float32', [g, x]);
  const args = { x: x.storage.handle, grad: g.storage.handle, out: out.storage.handle, n: x.size };
  runFused(backend, 'reluBackward', args, 'relu', [g, x]);
  return out;
}

/** The gradient of a unary op from `g`, its input `x` and its output `out`. */
type UnaryRule = (g: Tensor, x: Tensor, out: Tensor) => Tensor;

const zeroGrad: UnaryRule = (g) => mul(g, 0);

// NOTE: relu, sigmoid and tanh are exported from activation.ts; their rules are here so that this one
// table covers every UnaryOp (a new op in the op table fails to compile until it has a rule).
const unaryRules: { [P in UnaryOp]: UnaryRule } = {
  neg: (g) => neg(g),
  abs: (g, x) => mul(g, sign(x)),
  sign: zeroGrad,
  exp: (g, _x, out) => mul(g, out),
  expm1: (g, _x, out) => mul(g, add(out, 1)),
  log: (g, x) => div(g, x),
  log1p: (g, x) => div(g, add(x, 1)),
  sqrt: (g, _x, out) => div(mul(g, 0.5), out),
  rsqrt: (g, _x, out) => mul(mul(g, -0.5), mul(out, mul(out, out))),
  recip: (g, _x, out) => neg(mul(g, mul(out, out))),
  sin: (g, x) => mul(g, cos(x)),
  cos: (g, x) => neg(mul(g, sin(x))),
  tan: (g, _x, out) => mul(g, add(mul(out, out), 1)),
  atan: (g, x) => div(g, add(mul(x, x), 1)),
  asin: (g, x) => mul(g, rsqrt(sub(1, mul(x, x)))),
  acos: (g, x) => neg(mul(g, rsqrt(sub(1, mul(x, x))))),
  erf: (g, x) => mul(g, mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI))),
  floor: zeroGrad,
  relu: (g, x) => reluGrad(g, x),
  sigmoid: (g, _x, out) => mul(g, mul(out, sub(1, out))),
  tanh: (g, _x, out) => mul(g, sub(1, mul(out, out))),
};

/** Converts a `TensorLike` to a tensor on the backend and dtype of `like`. Used by ternary ops. */
export function scalarTensor(v: number, like: Tensor, dtype: DType = like.dtype): Tensor {
  const backend = backendOf('scalar', like);
  const out = empty(backend, [], dtype);
  runKernel(backend, 'fill', { dtype, out: out.storage.handle, offset: 0, n: 1, value: v }, 'scalar', [like]);
  return out;
}
