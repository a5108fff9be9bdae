// Differential tests of the elementwise kernels (unary, binary, binaryScalar, compare, where, cast) against
// @cp/backend-js, over random broadcast layouts including size-0 and size-1 dims, plus NaN/Inf/-0 tables.
import type { BinaryOp, CompareOp, DType, UnaryOp } from '@cp/core/backend';
import fc from 'fast-check';
import { afterEach, describe, it } from 'vitest';
import {
  contiguous,
  data,
  expectExact,
  expectNoLeaks,
  expectUlps,
  numel,
  operandLayout,
  rng,
  runBoth,
  SPECIALS,
  shapeArb,
} from './helpers.js';

afterEach(expectNoLeaks);

const EXACT_UNARY: UnaryOp[] = ['neg', 'abs', 'sign', 'sqrt', 'rsqrt', 'recip', 'relu', 'floor'];
const ULP_UNARY: [UnaryOp, number, number, number][] = [
  // op, max ulps, lo, hi
  ['exp', 1, -100, 100],
  ['expm1', 1, -20, 20],
  ['log', 1, 0, 1e6],
  ['log1p', 1, -1, 100],
  ['sin', 1, -1e4, 1e4],
  ['cos', 1, -1e4, 1e4],
  ['tanh', 1, -12, 12],
  ['sigmoid', 1, -30, 30],
  ['erf', 1, -5, 5],
];

function unaryCase(op: UnaryOp, dtype: DType, x: Float32Array | Int32Array, inPlace: boolean) {
  const n = x.length;
  return runBoth({ x: { dtype, init: x }, out: { dtype, size: n } }, (be, h) =>
    be.kernels.unary({ op, dtype, x: h.x, out: inPlace ? h.x : h.out, n }),
  );
}

describe('unary', () => {
  for (const op of EXACT_UNARY) {
    it(`float32 ${op} is bit-identical to the reference, in place or not, for any length`, () => {
      fc.assert(
        fc.property(fc.nat(70), fc.nat(), fc.boolean(), (n, seed, inPlace) => {
          const { got, want } = unaryCase(
            op,
            'float32',
            data('float32', n, seed, { specials: true }) as Float32Array,
            inPlace,
          );
          expectExact(got[inPlace ? 'x' : 'out'], want[inPlace ? 'x' : 'out'], op);
        }),
      );
    });
  }
  for (const [op, k, lo, hi] of ULP_UNARY) {
    it(`float32 ${op} is within ${k} ulp of the float64 reference`, () => {
      fc.assert(
        fc.property(fc.nat(70), fc.nat(), (n, seed) => {
          const { got, want } = unaryCase(op, 'float32', data('float32', n, seed, { lo, hi }) as Float32Array, false);
          expectUlps(got.out, want.out, k, op);
        }),
      );
    });
  }
  it('float32 transcendentals agree with the reference on NaN, ±Inf, ±0, subnormals and extremes', () => {
    const x = Float32Array.from([...SPECIALS, 88.7, 88.8, -87.3, -103.9, -104, 1e-7, -1e-7, 0.9999, 1.0001, 3.9, 4.1]);
    for (const [op, k] of ULP_UNARY)
      expectUlps(unaryCase(op, 'float32', x, false).got.out, unaryCase(op, 'float32', x, false).want.out, k, op);
  });
  it('sin and cos of huge arguments (exact Payne-Hanek reduction) are within 1 ulp of the reference', () => {
    fc.assert(
      fc.property(fc.nat(), (seed) => {
        const r = rng(seed);
        const x = Float32Array.from({ length: 64 }, () => (r() < 0.5 ? -1 : 1) * 10 ** (r() * 38.5));
        for (const op of ['sin', 'cos'] as const) {
          const { got, want } = unaryCase(op, 'float32', x, false);
          expectUlps(got.out, want.out, 1, op);
        }
      }),
      { numRuns: 20 },
    );
  });
  for (const op of ['neg', 'abs', 'sign'] as const) {
    it(`int32 ${op} wraps like Int32 arithmetic`, () => {
      const x = Int32Array.from([0, 1, -1, 7, -9, 2147483647, -2147483648, 123456789]);
      const { got, want } = unaryCase(op, 'int32', x, false);
      expectExact(got.out, want.out, op);
    });
  }
});

const F32_BINARY: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'max', 'min'];
const I32_BINARY: BinaryOp[] = ['add', 'sub', 'mul', 'max', 'min'];

/** A random broadcast case: output shape and both operand layouts. */
const broadcastArb = fc.record({ shape: shapeArb(4, 5), sa: fc.nat(), sb: fc.nat(), seed: fc.nat() });

function binaryCase(
  op: BinaryOp,
  dtype: DType,
  c: { shape: number[]; sa: number; sb: number; seed: number },
  lo = -10,
  hi = 10,
) {
  const la = operandLayout(c.shape, c.sa);
  const lb = operandLayout(c.shape, c.sb);
  const a = data(dtype, la.size, c.seed, { specials: true, lo, hi });
  const b = data(dtype, lb.size, c.seed + 1, { specials: true, lo, hi });
  return runBoth({ a: { dtype, init: a }, b: { dtype, init: b }, out: { dtype, size: numel(c.shape) } }, (be, h) =>
    be.kernels.binary({
      op,
      dtype,
      a: h.a,
      b: h.b,
      out: h.out,
      shape: c.shape,
      aStrides: la.strides,
      bStrides: lb.strides,
    }),
  );
}

describe('binary', () => {
  for (const op of F32_BINARY) {
    it(`float32 ${op} with any broadcast layout is bit-identical to the reference`, () => {
      fc.assert(
        fc.property(broadcastArb, (c) =>
          expectExact(binaryCase(op, 'float32', c).got.out, binaryCase(op, 'float32', c).want.out, op),
        ),
      );
    });
  }
  it('float32 pow is within 2 ulps of the reference (C pow special cases for NaN, ±0, ±Inf, ±1, negative bases)', () => {
    fc.assert(
      fc.property(broadcastArb, (c) => {
        const { got, want } = binaryCase('pow', 'float32', c, -4, 4);
        expectUlps(got.out, want.out, 2, 'pow');
      }),
    );
    const base = [...SPECIALS, -8, 2, -2, 10, -0.5];
    const exps = [...SPECIALS, 3, -3, 2, 0.5, 1 / 3, 40, -40];
    const a = Float32Array.from(base.flatMap((x) => exps.map(() => x)));
    const b = Float32Array.from(base.flatMap(() => exps));
    const { got, want } = runBoth(
      { a: { dtype: 'float32', init: a }, b: { dtype: 'float32', init: b }, out: { dtype: 'float32', size: a.length } },
      (be, h) =>
        be.kernels.binary({
          op: 'pow',
          dtype: 'float32',
          a: h.a,
          b: h.b,
          out: h.out,
          shape: [a.length],
          aStrides: [1],
          bStrides: [1],
        }),
    );
    expectUlps(got.out, want.out, 2, 'pow table');
  });
  for (const op of I32_BINARY) {
    it(`int32 ${op} with any broadcast layout wraps like the reference`, () => {
      fc.assert(
        fc.property(broadcastArb, (c) =>
          expectExact(binaryCase(op, 'int32', c).got.out, binaryCase(op, 'int32', c).want.out, op),
        ),
      );
    });
  }
  it('writes in place over a contiguous input', () => {
    const a = data('float32', 37, 1) as Float32Array;
    const b = data('float32', 37, 2) as Float32Array;
    const { got, want } = runBoth({ a: { dtype: 'float32', init: a }, b: { dtype: 'float32', init: b } }, (be, h) =>
      be.kernels.binary({
        op: 'mul',
        dtype: 'float32',
        a: h.a,
        b: h.b,
        out: h.a,
        shape: [37],
        aStrides: [1],
        bStrides: [1],
      }),
    );
    expectExact(got.a, want.a);
  });
});

describe('binaryScalar', () => {
  const scalars = [0.1, 1 / 3, -2.5, 0, -0, 3, 1e-8, 7e30, Number.NaN, Infinity];
  for (const op of [...F32_BINARY, 'pow'] as BinaryOp[]) {
    it(`float32 ${op} with a scalar rounded to float32, either side, matches the reference`, () => {
      fc.assert(
        fc.property(fc.nat(40), fc.nat(), fc.constantFrom(...scalars), fc.boolean(), (n, seed, scalar, reverse) => {
          const x = data('float32', n, seed, { specials: true, lo: -4, hi: 4 });
          const { got, want } = runBoth(
            { x: { dtype: 'float32', init: x }, out: { dtype: 'float32', size: n } },
            (be, h) => be.kernels.binaryScalar({ op, dtype: 'float32', x: h.x, scalar, reverse, out: h.out, n }),
          );
          if (op === 'pow') expectUlps(got.out, want.out, 2, op);
          else expectExact(got.out, want.out, op);
        }),
      );
    });
  }
  for (const op of I32_BINARY) {
    it(`int32 ${op} with a scalar, either side, wraps like the reference`, () => {
      fc.assert(
        fc.property(
          fc.nat(40),
          fc.nat(),
          fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
          fc.boolean(),
          (n, seed, scalar, reverse) => {
            const x = data('int32', n, seed);
            const { got, want } = runBoth(
              { x: { dtype: 'int32', init: x }, out: { dtype: 'int32', size: n } },
              (be, h) => be.kernels.binaryScalar({ op, dtype: 'int32', x: h.x, scalar, reverse, out: h.out, n }),
            );
            expectExact(got.out, want.out, op);
          },
        ),
      );
    });
  }
});

describe('compare and where', () => {
  const OPS: CompareOp[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];
  for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
    it(`compare on ${dtype} (NaN compares false except ne) matches the reference for every op and layout`, () => {
      fc.assert(
        fc.property(broadcastArb, fc.constantFrom(...OPS), (c, op) => {
          const la = operandLayout(c.shape, c.sa);
          const lb = operandLayout(c.shape, c.sb);
          const a = data(dtype, la.size, c.seed, { specials: true, lo: -2, hi: 2 });
          const b = data(dtype, lb.size, c.seed + 1, { specials: true, lo: -2, hi: 2 });
          const { got, want } = runBoth(
            { a: { dtype, init: a }, b: { dtype, init: b }, out: { dtype: 'bool', size: numel(c.shape) } },
            (be, h) =>
              be.kernels.compare({
                op,
                dtype,
                a: h.a,
                b: h.b,
                out: h.out,
                shape: c.shape,
                aStrides: la.strides,
                bStrides: lb.strides,
              }),
          );
          expectExact(got.out, want.out, op);
        }),
      );
    });
    it(`where on ${dtype} with broadcast cond, a and b matches the reference`, () => {
      fc.assert(
        fc.property(broadcastArb, fc.nat(), (c, sc) => {
          const [lc, la, lb] = [operandLayout(c.shape, sc), operandLayout(c.shape, c.sa), operandLayout(c.shape, c.sb)];
          const { got, want } = runBoth(
            {
              cond: { dtype: 'bool', init: data('bool', lc.size, c.seed) },
              a: { dtype, init: data(dtype, la.size, c.seed + 1, { specials: true }) },
              b: { dtype, init: data(dtype, lb.size, c.seed + 2, { specials: true }) },
              out: { dtype, size: numel(c.shape) },
            },
            (be, h) =>
              be.kernels.where({
                dtype,
                cond: h.cond,
                a: h.a,
                b: h.b,
                out: h.out,
                shape: c.shape,
                condStrides: lc.strides,
                aStrides: la.strides,
                bStrides: lb.strides,
              }),
          );
          expectExact(got.out, want.out, 'where');
        }),
      );
    });
  }
});

describe('cast', () => {
  const DT: DType[] = ['float32', 'int32', 'bool'];
  const table = [...SPECIALS, 2.7, -2.7, 0.5, -0.99, 3e9, -3e9, 2147483520, -2147483648, 16777217];
  for (const from of DT) {
    for (const to of DT) {
      it(`cast ${from} -> ${to} (saturating, NaN -> 0, bool is x != 0) matches the reference`, () => {
        const x =
          from === 'float32'
            ? Float32Array.from(table)
            : from === 'int32'
              ? Int32Array.from([0, 1, -1, 2147483647, -2147483648, 16777217, -16777217, 5])
              : Uint8Array.from([0, 1, 1, 0, 1]);
        const { got, want } = runBoth({ x: { dtype: from, init: x }, out: { dtype: to, size: x.length } }, (be, h) =>
          be.kernels.cast({ x: h.x, from, to, out: h.out, n: x.length }),
        );
        expectExact(got.out, want.out, `${from}->${to}`);
      });
    }
  }
});

it('size-0 and rank-0 elementwise calls work', () => {
  for (const shape of [[], [0], [3, 0, 2]]) {
    const n = numel(shape);
    const { got, want } = runBoth(
      {
        a: { dtype: 'float32', init: new Float32Array(n).fill(2) },
        b: { dtype: 'float32', init: new Float32Array(n).fill(3) },
        out: { dtype: 'float32', size: n },
      },
      (be, h) =>
        be.kernels.binary({
          op: 'add',
          dtype: 'float32',
          a: h.a,
          b: h.b,
          out: h.out,
          shape,
          aStrides: contiguous(shape),
          bStrides: contiguous(shape),
        }),
    );
    expectExact(got.out, want.out);
  }
});
