/**
 * Elementwise op records of the program fuzzer: unary math and activations, binary arithmetic with
 * broadcasting or a number operand (pow included), comparisons, where, and dtype casts. Each states its
 * domain (kept away from singular points), its kinks (kept `margin` away), and its error model from the
 * first and second derivatives over the actual inputs.
 */
import { broadcastIndex, broadcastShapes, margin, maxOf, sizeOf } from './bounds.js';
import type { Candidate, Ctx, OpDef } from './ctx.js';
import type { Bound, Info } from './program.js';
import { nameOf } from './program.js';

const isFloat = (x: Info) => x.dtype === 'float32';
const numeric = (_x: Info) => true;

/** A bound for ops that only move or select values exactly (gain 1, gradient summed `back` times). */
export const exactMove =
  (back: readonly number[]) =>
  (ins: readonly Info[]): Bound => ({
    round: 0,
    gain: ins.map(() => 1),
    back,
    dErr: ins.map(() => 0),
  });

interface UnarySpec {
  /** Expression of the op on `x`. */
  expr: (x: string) => string;
  /** Rounding in ulps of |out| (0 for ops the contract calls exact), or of max(|in|, |out|) for composites. */
  ulps: number;
  composite?: boolean;
  d1: (x: number) => number;
  d2: (x: number) => number;
  /** Inputs allowed (all elements must satisfy it). */
  domain?: (x: number) => boolean;
  /** Distance of x to the op's kink or jump. */
  kink?: (x: number) => number;
  /** False for ops int32 and bool inputs take too (neg, abs, sign); float32 only by default. */
  floatOnly?: boolean;
}

function unary(spec: UnarySpec): OpDef {
  return (c: Ctx): Candidate | null => {
    const a = c.pick(0, spec.floatOnly === false ? numeric : isFloat);
    if (a < 0) return null;
    return {
      expr: spec.expr(nameOf(a)),
      inputs: [a],
      ok: ([i]) =>
        (!spec.domain || i.data.every(spec.domain)) &&
        (!spec.kink || i.err === 0 || i.data.every((v) => spec.kink!(v) > margin(i.err))),
      bound: ([i], out) => ({
        round: spec.ulps * (spec.composite ? Math.max(out.maxAbs, i.maxAbs) : out.maxAbs),
        gain: [maxOf(i.data, spec.d1)],
        back: [maxOf(i.data, spec.d1)],
        dErr: [maxOf(i.data, spec.d2) * i.err],
      }),
    };
  };
}

const one = () => 1;
const zero = () => 0;
const dist0 = (x: number) => Math.abs(x);

/** Unary ops by name. */
export const UNARY_OPS: Record<string, OpDef> = {
  neg: unary({ expr: (x) => `cp.neg(${x})`, ulps: 0, d1: one, d2: zero, floatOnly: false }),
  abs: unary({ expr: (x) => `${x}.abs()`, ulps: 0, d1: one, d2: zero, kink: dist0, floatOnly: false }),
  exp: unary({ expr: (x) => `cp.exp(${x})`, ulps: 2, d1: Math.exp, d2: Math.exp }),
  expm1: unary({ expr: (x) => `cp.expm1(${x})`, ulps: 2, d1: Math.exp, d2: Math.exp }),
  log: unary({
    expr: (x) => `cp.log(${x})`,
    ulps: 2,
    d1: (x) => 1 / x,
    d2: (x) => 1 / (x * x),
    domain: (x) => x >= 0.25,
  }),
  log1p: unary({
    expr: (x) => `${x}.log1p()`,
    ulps: 2,
    d1: (x) => 1 / (1 + x),
    d2: (x) => 1 / ((1 + x) * (1 + x)),
    domain: (x) => x >= -0.75,
  }),
  sqrt: unary({
    expr: (x) => `cp.sqrt(${x})`,
    ulps: 0,
    d1: (x) => 0.5 / Math.sqrt(x),
    d2: (x) => 0.25 * x ** -1.5,
    domain: (x) => x >= 0.25,
  }),
  rsqrt: unary({
    expr: (x) => `cp.rsqrt(${x})`,
    ulps: 2,
    d1: (x) => 0.5 * x ** -1.5,
    d2: (x) => 0.75 * x ** -2.5,
    domain: (x) => x >= 0.25,
  }),
  reciprocal: unary({
    expr: (x) => `${x}.reciprocal()`,
    ulps: 1,
    d1: (x) => 1 / (x * x),
    d2: (x) => 2 / Math.abs(x * x * x),
    domain: (x) => Math.abs(x) >= 0.25,
  }),
  sin: unary({ expr: (x) => `cp.sin(${x})`, ulps: 2, d1: one, d2: one }),
  cos: unary({ expr: (x) => `${x}.cos()`, ulps: 2, d1: one, d2: one }),
  tanh: unary({ expr: (x) => `cp.tanh(${x})`, ulps: 4, d1: one, d2: one }),
  sigmoid: unary({ expr: (x) => `${x}.sigmoid()`, ulps: 4, d1: () => 0.25, d2: () => 0.1 }),
  erf: unary({ expr: (x) => `cp.erf(${x})`, ulps: 8, d1: () => 1.13, d2: () => 1 }),
  relu: unary({ expr: (x) => `cp.relu(${x})`, ulps: 0, d1: one, d2: zero, kink: dist0 }),
  sign: unary({ expr: (x) => `cp.sign(${x})`, ulps: 0, d1: zero, d2: zero, kink: dist0, floatOnly: false }),
  floor: unary({ expr: (x) => `${x}.floor()`, ulps: 0, d1: zero, d2: zero, kink: (x) => Math.abs(x - Math.round(x)) }),
  square: unary({ expr: (x) => `${x}.square()`, ulps: 0, d1: (x) => 2 * x, d2: () => 2 }),
  leakyRelu: unary({ expr: (x) => `cp.leakyRelu(${x}, 0.1)`, ulps: 0, d1: one, d2: zero, kink: dist0 }),
  gelu: unary({ expr: (x) => `cp.gelu(${x})`, ulps: 16, composite: true, d1: () => 1.13, d2: () => 0.8 }),
  softplus: unary({ expr: (x) => `cp.F.softplus(${x})`, ulps: 16, composite: true, d1: one, d2: () => 0.25 }),
};

interface BinarySpec {
  fn: (a: string, b: string) => string;
  ulps: number;
  /** |∂f/∂a|, |∂f/∂b|, and the second derivatives |∂²f/∂a²|, |∂²f/∂a∂b|, |∂²f/∂b²| at (a, b). */
  da: (a: number, b: number) => number;
  db: (a: number, b: number) => number;
  haa: (a: number, b: number) => number;
  hab: (a: number, b: number) => number;
  hbb: (a: number, b: number) => number;
  /** Pairs allowed. */
  domain?: (a: number, b: number) => boolean;
  /** Distance of a pair to a kink. */
  kink?: (a: number, b: number) => number;
  /** Number operands to use instead of a tensor. */
  scalars: readonly number[];
}

/** Every broadcast pair (a_i, b_i) of two infos (b may be a plain number). */
function pairs(a: Info, b: Info | number): [number, number][] {
  if (typeof b === 'number') return Array.from(a.data, (v) => [v, b]);
  const shape = broadcastShapes(a.shape, b.shape)!;
  const ia = broadcastIndex(shape, a.shape);
  const ib = broadcastIndex(shape, b.shape);
  return Array.from(ia, (k, f) => [a.data[k], b.data[ib[f]]]);
}

function binaryBound(spec: BinarySpec, a: Info, b: Info | number, out: Info, reverse: boolean): Bound {
  const ps = pairs(a, b).map(([x, y]) => (reverse ? [y, x] : [x, y]) as [number, number]);
  const m = (f: (x: number, y: number) => number) => ps.reduce((acc, [x, y]) => Math.max(acc, Math.abs(f(x, y))), 0);
  const [da, db, haa, hab, hbb] = [m(spec.da), m(spec.db), m(spec.haa), m(spec.hab), m(spec.hbb)];
  const ea = reverse ? 0 : a.err;
  const eb = typeof b === 'number' ? 0 : b.err;
  const round = spec.ulps * out.maxAbs;
  if (typeof b === 'number') {
    // A number operand: one tensor input (the first or, reversed, the second argument of f).
    const d = reverse ? db : da;
    const h = reverse ? hbb : haa;
    return { round, gain: [d], back: [d], dErr: [h * a.err] };
  }
  const fa = sizeOf(out.shape) / Math.max(1, sizeOf(a.shape));
  const fb = sizeOf(out.shape) / Math.max(1, sizeOf(b.shape));
  return {
    round,
    gain: [da, db],
    back: [da * fa, db * fb],
    dErr: [(haa * ea + hab * eb) * fa, (hab * ea + hbb * eb) * fb],
  };
}

function binary(spec: BinarySpec, floatOnly = false): OpDef {
  return (c: Ctx): Candidate | null => {
    const a = c.pick(0, floatOnly ? isFloat : numeric);
    if (a < 0) return null;
    const x = c.infos[a];
    const mode = c.choice(1, 8);
    const ok = (ps: [number, number][], err: number): boolean =>
      (!spec.domain || ps.every(([p, q]) => spec.domain!(p, q))) &&
      (!spec.kink || err === 0 || ps.every(([p, q]) => spec.kink!(p, q) > margin(err)));
    if (mode >= 6) {
      const s = spec.scalars[c.choice(2, spec.scalars.length)];
      const reverse = mode === 7;
      const expr = reverse ? spec.fn(String(s), nameOf(a)) : spec.fn(nameOf(a), String(s));
      return {
        expr,
        inputs: [a],
        ok: ([i]) =>
          ok(
            pairs(i, s).map(([p, q]) => (reverse ? [q, p] : [p, q])),
            i.err,
          ),
        bound: ([i], out) => binaryBound(spec, i, s, out, reverse),
      };
    }
    let b = c.pick(2, (y, k) => k !== a && (!floatOnly || isFloat(y)) && broadcastShapes(x.shape, y.shape) !== null);
    if (b < 0) b = a;
    if (b === a) {
      return {
        expr: spec.fn(nameOf(a), nameOf(a)),
        inputs: [a],
        ok: ([i]) => ok(pairs(i, i), i.err),
        bound: ([i], out) => {
          const bd = binaryBound(spec, i, i, out, false);
          return {
            round: bd.round,
            gain: [bd.gain[0] + bd.gain[1]],
            back: [bd.back[0] + bd.back[1]],
            dErr: [bd.dErr[0] + bd.dErr[1]],
          };
        },
      };
    }
    return {
      expr: spec.fn(nameOf(a), nameOf(b)),
      inputs: [a, b],
      ok: ([i, j]) => ok(pairs(i, j), Math.max(i.err, j.err)),
      bound: ([i, j], out) => binaryBound(spec, i, j, out, false),
    };
  };
}

const S = [2, -1.5, 0.5, 3, 0.25] as const;

/** Binary ops by name. */
export const BINARY_OPS: Record<string, OpDef> = {
  add: binary({
    fn: (a, b) => `cp.add(${a}, ${b})`,
    ulps: 0,
    da: one,
    db: one,
    haa: zero,
    hab: zero,
    hbb: zero,
    scalars: S,
  }),
  sub: binary({
    fn: (a, b) => `cp.sub(${a}, ${b})`,
    ulps: 0,
    da: one,
    db: one,
    haa: zero,
    hab: zero,
    hbb: zero,
    scalars: S,
  }),
  mul: binary({
    fn: (a, b) => `cp.mul(${a}, ${b})`,
    ulps: 0,
    da: (_a, b) => b,
    db: (a) => a,
    haa: zero,
    hab: one,
    hbb: zero,
    scalars: S,
  }),
  div: binary({
    fn: (a, b) => `cp.div(${a}, ${b})`,
    ulps: 0,
    da: (_a, b) => 1 / b,
    db: (a, b) => a / (b * b),
    haa: zero,
    hab: (_a, b) => 1 / (b * b),
    hbb: (a, b) => (2 * a) / (b * b * b),
    domain: (_a, b) => Math.abs(b) >= 0.25,
    scalars: S,
  }),
  pow: binary(
    {
      fn: (a, b) => `cp.pow(${a}, ${b})`,
      ulps: 8,
      da: (a, b) => (b === 0 ? 0 : b * a ** (b - 1)),
      db: (a, b) => a ** b * Math.log(a),
      haa: (a, b) => (b === 0 || b === 1 ? 0 : b * (b - 1) * a ** (b - 2)),
      hab: (a, b) => a ** (b - 1) * (1 + b * Math.log(a)),
      hbb: (a, b) => a ** b * Math.log(a) ** 2,
      domain: (a, b) => a >= 0.25 && a <= 4 && Math.abs(b) <= 3,
      scalars: [2, 3, 0.5, -1, 1.5, 1],
    },
    true,
  ),
  maximum: binary({
    fn: (a, b) => `cp.maximum(${a}, ${b})`,
    ulps: 0,
    da: one,
    db: one,
    haa: zero,
    hab: zero,
    hbb: zero,
    kink: (a, b) => Math.abs(a - b),
    scalars: S,
  }),
  minimum: binary({
    fn: (a, b) => (a.startsWith('v') ? `${a}.minimum(${b})` : `cp.minimum(${a}, ${b})`),
    ulps: 0,
    da: one,
    db: one,
    haa: zero,
    hab: zero,
    hbb: zero,
    kink: (a, b) => Math.abs(a - b),
    scalars: S,
  }),
};

const COMPARE = ['gt', 'lt', 'ge', 'le', 'eq', 'ne'] as const;

/** `a.gt(b)` and the other comparisons: a bool result, exact away from ties. */
const compareOp: OpDef = (c) => {
  const a = c.pick(0, numeric);
  if (a < 0) return null;
  const op = COMPARE[c.choice(1, COMPARE.length)];
  const x = c.infos[a];
  let b = c.pick(2, (y, k) => k !== a && broadcastShapes(x.shape, y.shape) !== null);
  const useScalar = b < 0 || c.choice(3, 3) === 0;
  const s = [0, 0.5, -1, 1][c.choice(4, 4)];
  if (useScalar) b = -1;
  const inputs = b < 0 ? [a] : [a, b];
  return {
    expr: `${nameOf(a)}.${op}(${b < 0 ? s : nameOf(b)})`,
    inputs,
    ok: ([i, j]) => {
      const err = Math.max(i.err, j?.err ?? 0);
      return err === 0 || pairs(i, j ?? s).every(([p, q]) => Math.abs(p - q) > margin(err));
    },
    bound: exactMove(inputs.map(() => 0)),
  };
};

/** `cp.where(cond, a, b)` with a bool condition (an earlier bool value or a new bool leaf from numbers). */
const whereOp: OpDef = (c) => {
  const a = c.pick(0, numeric);
  if (a < 0) return null;
  const x = c.infos[a];
  let cond = c.pick(1, (y) => y.dtype === 'bool' && broadcastShapes(x.shape, y.shape) !== null);
  if (cond < 0) cond = c.leaf(x.shape, 'bool');
  const shape = broadcastShapes(x.shape, c.infos[cond].shape)!;
  let b = c.pick(2, (y, k) => k !== a && y.dtype !== 'bool' && broadcastShapes(shape, y.shape) !== null);
  const scalar = b < 0 || c.choice(3, 4) === 0;
  if (scalar) b = -1;
  const other = b < 0 ? '0.5' : nameOf(b);
  const inputs = b < 0 ? [cond, a] : [cond, a, b];
  return {
    expr: `cp.where(${nameOf(cond)}, ${nameOf(a)}, ${other})`,
    inputs,
    bound: (ins, out) => exactMove(ins.map((i) => sizeOf(out.shape) / Math.max(1, sizeOf(i.shape))))(ins),
  };
};

/** `x.float()`, `x.int()`, `x.bool()`: casts, kept away from the values where truncation or `!= 0` jumps. */
const castOp: OpDef = (c) => {
  const a = c.pick(0, numeric);
  if (a < 0) return null;
  const to = (['float', 'int', 'bool'] as const)[c.choice(1, 3)];
  const x = c.infos[a];
  if ((to === 'float' && x.dtype === 'float32') || (to === 'int' && x.dtype === 'int32')) return null;
  return {
    expr: `${nameOf(a)}.${to}()`,
    inputs: [a],
    ok: ([i]) =>
      i.err === 0 ||
      i.data.every((v) => (to === 'int' ? Math.abs(v - Math.trunc(v)) : Math.abs(v)) > margin(i.err)) ||
      to === 'float',
    bound: exactMove([0]),
  };
};

/** Comparisons, where and casts by name. */
export const SELECT_OPS: Record<string, OpDef> = { compare: compareOp, where: whereOp, cast: castOp };
