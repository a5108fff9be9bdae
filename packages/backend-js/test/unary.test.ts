// Golden values for every unary op per dtype (NaN/Inf/-0 cases, size 0 and 1, in place) and erf accuracy.
import type { UnaryOp } from '@cp/core/backend';
import { describe, expect, it } from 'vitest';
import { erf } from '../src/index.js';
import { backend, download, f32, upload } from './helpers.js';

function unary(op: UnaryOp, values: number[], dtype: 'float32' | 'int32' = 'float32'): number[] {
  const be = backend();
  const x = upload(be, dtype, values);
  const out = be.alloc(dtype, values.length);
  be.kernels.unary({ op, dtype, x, out, n: values.length });
  return download(be, out);
}

const { NaN: nan, POSITIVE_INFINITY: inf } = Number;

describe('unary float32', () => {
  it('negates, flipping the sign of zero', () => {
    expect(unary('neg', [1.5, -2, 0, -0, inf, nan])).toEqual([-1.5, 2, -0, 0, -inf, nan]);
  });

  it('takes abs of -0 and -Infinity', () => {
    expect(unary('abs', [-3, -0, -inf, nan])).toEqual([3, 0, inf, nan]);
  });

  it('gives sign with Math.sign semantics, keeping -0 and NaN', () => {
    const r = unary('sign', [-7, 0, -0, 2.5, nan]);
    expect(r).toEqual([-1, 0, -0, 1, nan]);
    expect(Object.is(r[2], -0)).toBe(true);
  });

  it('rounds exp once to float32 and overflows to Infinity', () => {
    expect(unary('exp', [0, 1, -inf, 100])).toEqual(f32([1, Math.E, 0, inf]));
  });

  it('computes expm1 and log1p accurately near zero', () => {
    expect(unary('expm1', [1e-10])).toEqual(f32([1e-10]));
    expect(unary('log1p', [1e-10])).toEqual(f32([1e-10]));
  });

  it('gives log of 0 as -Infinity and of a negative as NaN', () => {
    expect(unary('log', [1, 0, -1])).toEqual([0, -inf, nan]);
  });

  it('gives the correctly rounded sqrt, NaN for negatives and -0 for -0', () => {
    const r = unary('sqrt', [2, -1, -0]);
    expect(r).toEqual([Math.fround(Math.SQRT2), nan, -0]);
    expect(Object.is(r[2], -0)).toBe(true);
  });

  it('computes rsqrt and recip, with 1/±0 = ±Infinity', () => {
    expect(unary('rsqrt', [4, 0])).toEqual([0.5, inf]);
    expect(unary('recip', [4, 0, -0])).toEqual([0.25, inf, -inf]);
  });

  it('computes sin, cos and tanh', () => {
    expect(unary('sin', [0, 1])).toEqual(f32([0, Math.sin(1)]));
    expect(unary('cos', [0, 1])).toEqual(f32([1, Math.cos(1)]));
    expect(unary('tanh', [0.5, -inf])).toEqual(f32([Math.tanh(0.5), -1]));
  });

  it('computes sigmoid without NaN for large magnitudes', () => {
    expect(unary('sigmoid', [0, 1000, -1000, inf, -inf, nan])).toEqual([0.5, 1, 0, 1, 0, nan]);
  });

  it('computes relu with relu(NaN) = NaN and relu(-0) = +0', () => {
    const r = unary('relu', [-2, 3, nan, -0, -inf, inf]);
    expect(r).toEqual([0, 3, nan, 0, 0, inf]);
    expect(Object.is(r[3], 0)).toBe(true);
  });

  it('computes erf to float32 accuracy at worked points', () => {
    // erf(0.5) = 0.5204998778130465, erf(1) = 0.8427007929497149, erf(2) = 0.9953222650189527
    expect(unary('erf', [0.5, 1, -2, 0, inf, -inf, nan])).toEqual(
      f32([0.5204998778130465, 0.8427007929497149, -0.9953222650189527, 0, 1, -1, nan]),
    );
  });

  it('floors toward -Infinity', () => {
    expect(unary('floor', [1.5, -1.5, -0, inf])).toEqual([1, -2, -0, inf]);
  });

  it('handles size 0 and size 1', () => {
    expect(unary('exp', [])).toEqual([]);
    expect(unary('neg', [3])).toEqual([-3]);
  });

  it('works in place when out is x', () => {
    const be = backend();
    const x = upload(be, 'float32', [1, 4, 9]);
    be.kernels.unary({ op: 'sqrt', dtype: 'float32', x, out: x, n: 3 });
    expect(download(be, x)).toEqual([1, 2, 3]);
  });
});

describe('unary int32', () => {
  it('negates with Int32 wrapping', () => {
    expect(unary('neg', [5, -2147483648], 'int32')).toEqual([-5, -2147483648]);
  });

  it('takes abs with Int32 wrapping', () => {
    expect(unary('abs', [-5, 3, -2147483648], 'int32')).toEqual([5, 3, -2147483648]);
  });

  it('takes sign', () => {
    expect(unary('sign', [-9, 0, 4], 'int32')).toEqual([-1, 0, 1]);
  });

  it('throws for an op int32 does not take', () => {
    expect(() => unary('exp', [1], 'int32')).toThrow(/does not take dtype int32/);
  });
});

describe('erf in float64', () => {
  it('matches reference values to 1e-15 relative', () => {
    const cases: [number, number][] = [
      [1e-8, 1.1283791670955126e-8],
      [0.1, 0.1124629160182849],
      [0.84375, 0.7672256612323416],
      [1.5, 0.9661051464753108],
      [2.5, 0.999593047982555],
      [3.5, 0.9999992569016276],
      [4.5, 0.9999999998033839],
    ];
    for (const [x, want] of cases) {
      expect(Math.abs(erf(x) - want) / want).toBeLessThan(1e-15 * 4);
      expect(erf(-x)).toBe(-erf(x));
    }
  });

  it('is 1 beyond 6 and keeps -0', () => {
    expect(erf(7)).toBe(1);
    expect(Object.is(erf(-0), -0)).toBe(true);
  });
});
